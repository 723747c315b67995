from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "xianfeng.residents"
    label = "residents"
    verbose_name = "居民"

    def ready(self) -> None:
        # The resident page's own timeline sources (changes, consents, tags, merges).
        from . import timeline_sources  # noqa: F401
