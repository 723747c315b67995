"""工作台 panel: the user's scope at a glance (each active grant, and what it opens)."""

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .scoping import VIEW, active_grants, can, scoped

# (app label, model, label, list url name): counted only when the user may view the model.
COUNTED = [
    ("members", "Member", _("%(count)s 名党员和志愿者"), "members:list"),
    ("residents", "Resident", _("%(count)s 名居民"), "residents:list"),
    ("teams", "Team", _("%(count)s 支队伍"), "teams:list"),
]


def scope_panel(request) -> dict | None:
    user = request.user
    counts = []
    for app_label, model_name, label, url_name in COUNTED:
        try:
            model = apps.get_model(app_label, model_name)
            url = reverse(url_name)
        except (LookupError, NoReverseMatch):
            continue  # an app not installed in this deployment
        if can(user, VIEW, model):
            counts.append({"text": label % {"count": scoped(user, model, VIEW).count()}, "url": url})
    return {"grants": active_grants(user), "is_superuser": user.is_superuser, "counts": counts}


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("scope", order=90, template="accounts/_home_panel.html", context=scope_panel)
