"""Registrations of the party dues and party-building funds (and the dues import)."""


def register() -> None:
    """工作台 panel (members six months in arrears) and the dues import kinds."""
    from xianfeng.core.home import register_panel

    from . import imports_dues  # noqa: F401  (registers the import kinds)
    from .home_dues import dues_arrears_panel

    register_panel("dues_arrears", order=16, template="partylife/dues_home_panel.html", context=dues_arrears_panel)
