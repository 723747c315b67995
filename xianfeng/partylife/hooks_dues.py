"""Registrations of the party dues and party-building funds (and the dues import)."""


def register() -> None:
    """Filled in by the dues part: 工作台 panels, import kinds, figures."""
