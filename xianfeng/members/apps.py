from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "xianfeng.members"
    label = "members"
    verbose_name = "党员与志愿者"

    def ready(self) -> None:
        from . import home

        home.register()  # 工作台 panel: party steps due and overdue
