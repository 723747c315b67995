from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "xianfeng.hotline"
    label = "hotline"
    verbose_name = _("热线心理援助")

    def ready(self):
        # The 工作台 panels (duty and gaps; open escalations in red), the call's service record guarded
        # and linked back to the call, the hotline figures in the reports.
        from . import home_calls, home_roster, hooks, reports_family

        home_roster.register()
        home_calls.register()
        hooks.register()
        reports_family.register()
