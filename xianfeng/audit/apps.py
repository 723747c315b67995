from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xianfeng.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from . import home

        home.register()  # 工作台 panel for auditors
