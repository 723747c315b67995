def register() -> None:
    """Filled in by issue 12's work on this module."""
