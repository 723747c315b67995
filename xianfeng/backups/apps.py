from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """Issue 15: ``manage.py backup`` and ``manage.py restore`` (one archive: database, uploads, manifest)."""

    name = "xianfeng.backups"
    label = "backups"
    verbose_name = _("备份与恢复")
