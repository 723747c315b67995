from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "xianfeng.orgs"
    label = "orgs"
    verbose_name = "组织"
