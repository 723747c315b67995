from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "xianfeng.needs"
    label = "needs"
    verbose_name = _("民情台账")

    def ready(self):
        # The 工作台 panel of needs assigned and overdue, the evidence records linked back to their
        # need, the needs figures in the reports.
        from . import home, hooks, reports_family

        home.register()
        hooks.register()
        reports_family.register()
