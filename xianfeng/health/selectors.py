"""What the administrators' status page (/health/) shows beyond /readyz (issue 15 §2).

Operational rows only (worker processes, task counts, migration names, backup files): nothing
here is business data, so nothing goes through scoped(); the view lets administrators only.
Each part is read on its own and a part that fails shows its error instead of breaking the page.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .checks import backend_kind, readiness
from .heartbeat import LOST, RUNNING, STOPPED, heartbeat_seconds, stale_seconds, worker_state
from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

WORKERS_SHOWN = 20
BACKUPS_SHOWN = 5
# A task running longer than this is pointed out: the worker beats, but may be stuck in it.
LONG_TASK_SECONDS = 30 * 60


def ago(seconds: float | None) -> str:
    """ "12 秒前", "3 分钟前", "5 小时前", "2 天前"."""
    if seconds is None:
        return "—"
    n = max(int(seconds), 0)
    if n < 60:
        return ngettext("%(n)s 秒前", "%(n)s 秒前", n) % {"n": n}
    if n < 3600:
        return ngettext("%(n)s 分钟前", "%(n)s 分钟前", n // 60) % {"n": n // 60}
    if n < 86400:
        return ngettext("%(n)s 小时前", "%(n)s 小时前", n // 3600) % {"n": n // 3600}
    return ngettext("%(n)s 天前", "%(n)s 天前", n // 86400) % {"n": n // 86400}


def duration(seconds: float) -> str:
    n = max(int(seconds), 0)
    if n < 60:
        return _("%(n)s 秒") % {"n": n}
    if n < 3600:
        return _("%(n)s 分钟") % {"n": n // 60}
    return _("%(h)s 小时 %(m)s 分钟") % {"h": n // 3600, "m": n % 3600 // 60}


STATE_LABELS = {RUNNING: gettext_lazy("运行中"), STOPPED: gettext_lazy("已停止"), LOST: gettext_lazy("失联")}


@dataclass(frozen=True)
class WorkerRow:
    row: WorkerHeartbeat
    state: str
    state_label: str
    seen_ago: str
    task_for: str  # how long the current task has run, "" when idle
    task_long: bool


def worker_rows(now: datetime.datetime | None = None) -> list[WorkerRow]:
    now = now or timezone.now()
    rows = []
    for row in WorkerHeartbeat.objects.order_by("stopped_at", "-last_seen_at")[:WORKERS_SHOWN]:
        state = worker_state(row, now)
        running_for = (now - row.current_task_since).total_seconds() if row.current_task_since else None
        rows.append(
            WorkerRow(
                row=row,
                state=state,
                state_label=str(STATE_LABELS[state]),
                seen_ago=ago((now - row.last_seen_at).total_seconds()),
                task_for=duration(running_for) if running_for is not None and state == RUNNING else "",
                task_long=running_for is not None and running_for > LONG_TASK_SECONDS and state == RUNNING,
            )
        )
    return rows


def failed_tasks_last_day(now: datetime.datetime | None = None) -> int | None:
    """Tasks of the database queue that failed in the last 24 hours (None: not that backend)."""
    if backend_kind() != "database":
        return None
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    since = (now or timezone.now()) - datetime.timedelta(hours=24)
    return DBTaskResult.objects.filter(status=TaskResultStatus.FAILED, finished_at__gte=since).count()


def schema_versions() -> dict:
    """The latest applied migration of each app, and the migrations on disk not yet applied."""
    applied = (
        MigrationRecorder.Migration.objects.values("app")
        .annotate(count=Count("id"), latest=Max("name"), applied_at=Max("applied"))
        .order_by("app")
    )
    apps = list(applied)
    loader = MigrationLoader(connection, ignore_no_migrations=True, load=True)
    done = set(loader.applied_migrations)
    pending = sorted(f"{app}.{name}" for app, name in loader.disk_migrations if (app, name) not in done)
    return {"apps": apps, "total": sum(a["count"] for a in apps), "pending": pending}


def backups():
    from xianfeng.backups.archive import list_archives

    return list_archives()[:BACKUPS_SHOWN]


def retention():
    """The audit retention status, each log named as people know it (变更日志), not by its label."""
    from django.apps import apps

    from xianfeng.audit.retention import retention_status

    status = retention_status()
    status.oldest_live_at = {
        apps.get_model(label)._meta.verbose_name: oldest for label, oldest in status.oldest_live_at.items()
    }
    return status


def _guarded(read):
    """(value, error message): a failing part of the page shows why instead of a server error."""
    try:
        return read(), ""
    except Exception as exc:
        logger.exception("Status page: %s failed", read.__name__)
        return None, f"{type(exc).__name__}: {exc}"[:300]


def status_page(now: datetime.datetime | None = None, *, with_schema: bool = True) -> dict:
    """The page's context. The 15-second refresh leaves out the schema (it changes on deploy only)."""
    now = now or timezone.now()
    report = readiness(now)
    checks = report["checks"]
    context = {
        "report": report,
        "checks": checks,
        "now": now,
        "heartbeat_seconds": heartbeat_seconds(),
        "stale_seconds": stale_seconds(),
        "queue_oldest": duration(checks["queue"].get("oldest_age_seconds") or 0),  # absent: not measured
        "newest_beat": ago(checks["worker"].get("last_heartbeat_age_seconds")),
    }
    parts = [("workers", lambda: worker_rows(now)), ("failed_last_day", lambda: failed_tasks_last_day(now))]
    if with_schema:
        parts.append(("schema", schema_versions))
    database_ok = checks["database"]["status"] == "ok"
    for name, read in parts:
        context[name], context[f"{name}_error"] = _guarded(read) if database_ok else (None, _("数据库无法访问"))
    context["backups"], context["backups_error"] = _guarded(backups)
    context["retention"], context["retention_error"] = _guarded(retention)
    return context
