"""工作台 panel: the user's recent import jobs."""

from django.urls import reverse

from xianfeng.accounts.scoping import VIEW, can, scoped

from .models import ImportJob
from .spec import REGISTRY

RECENT = 5


def recent_imports_panel(request) -> dict | None:
    user = request.user
    if not can(user, VIEW, ImportJob):
        return None
    jobs = list(
        scoped(user, ImportJob, VIEW)
        .filter(created_by=user)
        .only(
            "pk",
            "spec_key",
            "original_name",
            "status",
            "total_rows",
            "valid_rows",
            "error_count",
            "created_count",
            "updated_count",
            "created_at",
        )
        .order_by("-created_at", "-pk")[:RECENT]
    )
    rows = [{"job": job, "kind": getattr(REGISTRY.get(job.spec_key), "label", job.spec_key)} for job in jobs]
    return {"rows": rows, "url": reverse("imports:list")}


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("imports-recent", order=30, template="imports/_home_panel.html", context=recent_imports_panel)
