"""Registrations of the study items and completions, honours and outputs (and their org-page panel)."""


def register() -> None:
    """Filled in by the study part: 工作台 panels, import kinds, figures."""
