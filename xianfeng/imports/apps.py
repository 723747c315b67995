from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "xianfeng.imports"
    label = "imports"
    verbose_name = "导入"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its import specs in <app>/imports.py.
        autodiscover_modules("imports")

        from . import home

        home.register()  # 工作台 panel: the user's recent imports

    def rotate_encryption(self, *, dry_run: bool) -> tuple[str, int, int, int]:
        """Called by ``rotate_encryption_key``: re-encrypt stored uploads with the current key."""
        from .files import rotate_files  # models are loaded only once the registry is ready

        return rotate_files(dry_run=dry_run)
