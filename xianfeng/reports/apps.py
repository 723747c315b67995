from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "xianfeng.reports"
    label = "reports"
    verbose_name = _("统计与报告")

    def ready(self):
        # The leader's dashboard panel on the home page (工作台) and the task definitions
        # (background exports and report generation) register on import.
        from . import home, tasks  # noqa: F401

        home.register()
