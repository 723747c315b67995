from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xianfeng.audit"
    label = "audit"
    verbose_name = "审计"
