from django.urls import include, path

app_name = "hotline"

# One module of URLs per page family (each owns its views): the duty roster, calls and their
# escalations, the hotline dashboard.
urlpatterns = [
    path("roster/", include("xianfeng.hotline.urls_roster")),
    path("", include("xianfeng.hotline.urls_calls")),
    path("dashboard/", include("xianfeng.hotline.urls_dashboard")),
]
