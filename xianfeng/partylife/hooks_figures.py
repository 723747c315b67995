"""Registrations of this app's figures in the reports (the figures family)."""


def register() -> None:
    """组织生活与党建 in the reports: dashboard panel, API, ``manage.py report`` (reports_family.py)."""
    from . import reports_family

    reports_family.register()
