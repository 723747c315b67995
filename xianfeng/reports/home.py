"""The leader's dashboard on the home page (工作台)."""


def register() -> None:
    return None
