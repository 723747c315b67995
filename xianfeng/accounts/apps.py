from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xianfeng.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from . import home, signals  # noqa: F401  (signals: login success/failure -> LoginLog)

        home.register()  # 工作台 panel: the user's scope
