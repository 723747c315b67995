from django.urls import include, path
from django.views.i18n import set_language

from xianfeng.api.api import api
from xianfeng.core.views import HomeView
from xianfeng.health.views import HealthzView, ReadyzView

core_patterns = ([path("", HomeView.as_view(), name="home")], "core")

urlpatterns = [
    path("", include(core_patterns)),
    # Probes for load balancers and monitoring (issue 15): exact paths, no login, no personal data.
    path("healthz", HealthzView.as_view(), name="healthz"),
    path("readyz", ReadyzView.as_view(), name="readyz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("xianfeng.accounts.urls")),
    path("orgs/", include("xianfeng.orgs.urls")),
    path("members/", include("xianfeng.members.urls")),
    path("teams/", include("xianfeng.teams.urls")),
    path("residents/", include("xianfeng.residents.urls")),
    path("regions/", include("xianfeng.regions.urls")),
    path("servicelog/", include("xianfeng.servicelog.urls")),
    path("programs/", include("xianfeng.programs.urls")),
    path("reports/", include("xianfeng.reports.urls")),
    path("hotline/", include("xianfeng.hotline.urls")),
    path("needs/", include("xianfeng.needs.urls")),
    path("materials/", include("xianfeng.materials.urls")),
    path("partylife/", include("xianfeng.partylife.urls")),
    path("emergencies/", include("xianfeng.emergencies.urls")),
    path("devices/", include("xianfeng.devices.urls")),
    path("m/", include("xianfeng.devices.urls_app")),
    path("imports/", include("xianfeng.imports.urls")),
    path("audit/", include("xianfeng.audit.urls")),
    path("health/", include("xianfeng.health.urls")),
    path("api/", api.urls),
]

# Styled error pages; under /api/ they answer in the API's JSON error shape (xianfeng/core/views.py).
handler400 = "xianfeng.core.views.bad_request"
handler403 = "xianfeng.core.views.permission_denied"
handler404 = "xianfeng.core.views.page_not_found"
handler500 = "xianfeng.core.views.server_error"
