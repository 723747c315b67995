from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "xianfeng.demo"
    label = "demo"
    verbose_name = "演示数据"
