"""Registrations of the 三会一课, attendance, the compliance calendar and its rules, past-meeting imports."""


def register() -> None:
    """The 工作台 panel of missing meetings and the import kind 组织生活会议记录."""
    from xianfeng.core.home import register_panel

    from . import imports_meetings  # noqa: F401  (registers the import spec)
    from .home_meetings import missing_panel

    register_panel(
        "partylife-meetings", order=16, template="partylife/compliance_home_panel.html", context=missing_panel
    )
