"""Registrations of 请战书, commando and outbound teams, family pairing, duty rosters and applications."""


def register() -> None:
    """The 工作台 panel 「请战倡议」 for members while a call to serve is open."""
    from xianfeng.core.home import register_panel

    from .home_pledges import pledge_panel

    register_panel("pledges", order=5, template="emergencies/pledge_home_panel.html", context=pledge_panel)
