from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "xianfeng.teams"
    label = "teams"
    verbose_name = "队伍与岗区"
