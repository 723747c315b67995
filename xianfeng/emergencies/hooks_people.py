"""Registrations of 请战书, commando and outbound teams, family pairing, duty rosters and applications."""


def register() -> None:
    """Filled in by the people part: 工作台 panels, figures."""
