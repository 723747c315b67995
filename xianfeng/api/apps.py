from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xianfeng.api"
    label = "api"
    verbose_name = "API"
