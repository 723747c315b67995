from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaterialsConfig(AppConfig):
    name = "xianfeng.materials"
    label = "materials"
    verbose_name = _("物资与捐赠")

    def ready(self):
        # The 工作台 panel of stock, a distribution's service record guarded and linked back to it.
        from . import home, hooks

        home.register()
        hooks.register()
