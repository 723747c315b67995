"""The home page's 工作台: a registry of panels, so each app adds its own (DESIGN.md §4.11).

A panel is a template and a context function ``context(request) -> dict | None``; None means the
panel is not shown to this user. Register from the app's ``AppConfig.ready()``::

    from xianfeng.core.home import register_panel

    register_panel("members", order=10, template="members/_home_panel.html", context=worklist_panel)

Context functions read through ``scoped(user, ...)`` like every selector and keep to one or two
queries: the home page is the most visited page.
"""

from collections.abc import Callable
from dataclasses import dataclass

PanelContext = Callable[..., dict | None]


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    template: str
    context: PanelContext


_PANELS: dict[str, Panel] = {}


def register_panel(key: str, *, order: int, template: str, context: PanelContext) -> Panel:
    """Add (or replace, by key) a panel; lower ``order`` comes first."""
    panel = Panel(key=key, order=order, template=template, context=context)
    _PANELS[key] = panel
    return panel


def registered_panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def home_panels(request) -> list[dict]:
    """The panels this user sees, in order: ``{"key", "template", "context"}`` each."""
    shown = []
    for panel in registered_panels():
        context = panel.context(request)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, "context": context})
    return shown
