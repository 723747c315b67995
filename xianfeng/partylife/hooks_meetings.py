"""Registrations of the 三会一课, attendance, the compliance calendar and its rules, past-meeting imports."""


def register() -> None:
    """Filled in by the meetings part: 工作台 panels, import kinds, figures."""
