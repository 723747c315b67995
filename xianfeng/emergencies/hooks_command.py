"""Registrations of the emergency, its working groups, leadership meetings and daily situation reports."""


def register() -> None:
    """Filled in by the command part: 工作台 panels, figures."""
