from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartylifeConfig(AppConfig):
    name = "xianfeng.partylife"
    label = "partylife"
    verbose_name = _("组织生活")

    def ready(self):
        # Each part plugs its 工作台 panels, import kinds, org-page panels and figures in here.
        from . import hooks_dues, hooks_figures, hooks_meetings, hooks_study

        hooks_meetings.register()
        hooks_study.register()
        hooks_dues.register()
        hooks_figures.register()
