from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergenciesConfig(AppConfig):
    name = "xianfeng.emergencies"
    label = "emergencies"
    verbose_name = _("应急指挥")

    def ready(self):
        from . import hooks_command, hooks_figures, hooks_people

        hooks_command.register()
        hooks_people.register()
        hooks_figures.register()
