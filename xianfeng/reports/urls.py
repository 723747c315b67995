from django.urls import include, path

app_name = "reports"

# One module of URLs per page family (each owns its views): the dashboard, drill-downs, the
# statistics table, narrative reports and their templates, published snapshots, background jobs.
urlpatterns = [
    path("", include("xianfeng.reports.urls_dashboard")),
    path("drill/", include("xianfeng.reports.urls_drill")),
    path("table/", include("xianfeng.reports.urls_table")),
    path("narrative/", include("xianfeng.reports.urls_narrative")),
    path("snapshots/", include("xianfeng.reports.urls_snapshots")),
    path("jobs/", include("xianfeng.reports.urls_jobs")),
]
