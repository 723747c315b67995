from django.urls import include, path

app_name = "programs"

# One module of URLs per page family (each owns its views): enrollments and visits, worklists,
# pairing, settings and custom programs, indicators.
urlpatterns = [
    path("", include("xianfeng.programs.urls_enrollments")),
    path("worklist/", include("xianfeng.programs.urls_worklist")),
    path("pairing/", include("xianfeng.programs.urls_pairing")),
    path("settings/", include("xianfeng.programs.urls_settings")),
    path("indicators/", include("xianfeng.programs.urls_indicators")),
]
