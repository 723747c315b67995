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

    def rotate_encryption(self, *, dry_run: bool) -> tuple[str, int, int, int]:
        """Called by ``rotate_encryption_key``: re-encrypt activity photos and attachments."""
        from .evidence_rotation import rotate_evidence  # models are loaded only once the registry is ready

        return rotate_evidence(dry_run=dry_run)
