from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "xianfeng.imports"
    label = "imports"
    verbose_name = "导入"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its import specs in <app>/imports.py.
        autodiscover_modules("imports")
