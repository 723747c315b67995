from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "xianfeng.teams"
    label = "teams"
    verbose_name = "队伍与岗区"

    def ready(self) -> None:
        from . import home

        home.register()  # 工作台 panel: 我的队伍 (teams, posts and zones the user holds today)
