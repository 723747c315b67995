from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    """Issue 15: /healthz, /readyz, the background worker's heartbeat and the administrators' status page."""

    name = "xianfeng.health"
    label = "health"
    verbose_name = _("运行状态")
