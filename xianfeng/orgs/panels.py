"""The organization page's panels: a registry, so each app adds its own section to an
organization's page (DESIGN.md §4.11) — honours and outputs, study, and whatever comes next.

A panel is a template and a context function ``context(user, org) -> dict | None``; None means
the panel is not shown (nothing to say, or nothing this user may read). Register from the app's
``AppConfig.ready()``::

    from xianfeng.orgs.panels import register_org_panel

    register_org_panel("honours", order=10, template="partylife/honour_org_panel.html", context=honours_panel)

Context functions read through ``scoped(user, ...)`` and keep to a few queries each: the org
page has a query-count test.
"""

from collections.abc import Callable
from dataclasses import dataclass

OrgPanelContext = Callable[..., dict | None]


@dataclass(frozen=True)
class OrgPanel:
    key: str
    order: int
    template: str
    context: OrgPanelContext


_PANELS: dict[str, OrgPanel] = {}


def register_org_panel(key: str, order: int, template: str, context: OrgPanelContext) -> OrgPanel:
    """Add (or replace, by key) a panel; lower ``order`` comes first."""
    panel = OrgPanel(key=key, order=order, template=template, context=context)
    _PANELS[key] = panel
    return panel


def registered_org_panels() -> list[OrgPanel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def org_panels(user, org) -> list[dict]:
    """The panels this user sees on ``org``'s page, in order: ``{"key", "template", "context"}``."""
    shown = []
    for panel in registered_org_panels():
        context = panel.context(user, org)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, "context": context})
    return shown
