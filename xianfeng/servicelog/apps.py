from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicelogConfig(AppConfig):
    name = "xianfeng.servicelog"
    label = "servicelog"
    verbose_name = _("服务记录")

    def ready(self):
        # Service records and activities on the resident's and household's timeline,
        # and the 工作台 panel 「我的服务」 with the 快速登记 button.
        from . import home, timeline_sources  # noqa: F401

        home.register()
