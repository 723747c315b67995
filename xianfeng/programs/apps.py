from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "xianfeng.programs"
    label = "programs"
    verbose_name = _("随访与帮扶项目")

    def ready(self):
        # The programs shipped with the product register themselves on import (registry.py);
        # a program's visits are service records, so the service log tells us of voids; the
        # 工作台 panels 「待随访」 and 「本周结对联系」.
        from . import catalogue, home, home_worklist, hooks, timeline_sources  # noqa: F401

        hooks.register()
        home.register()
        home_worklist.register()
