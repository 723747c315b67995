"""Registrations of this app's figures in the reports (the figures family)."""


def register() -> None:
    """Filled in by the figures part."""
