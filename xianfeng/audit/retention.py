"""Retention (issue 15 §4): audit logs kept at least six months, then archived; uploads deleted
after their period. The settings, the nightly run and its status.

Six months is the minimum of the Cybersecurity Law (art. 21) for network logs; 183 days is the
floor whatever AUDIT_RETENTION_DAYS says (the PostgreSQL trigger of migration 0007 has the same
floor, so even a bad setting or a bug here cannot delete a younger row there).
"""

import datetime
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Min
from django.utils import timezone

from xianfeng.core import retention as policies

from .models import AuditArchive, RetentionRun

logger = logging.getLogger(__name__)

FLOOR_DAYS = 183  # six months; also written in migration 0007's trigger
DEFAULT_RETENTION_DAYS = 190


def audit_retention_days() -> int:
    """AUDIT_RETENTION_DAYS, refused below the six-month floor."""
    days = int(getattr(settings, "AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
    if days < FLOOR_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS is {days}: audit logs must be kept at least {FLOOR_DAYS} days "
            "(six months, Cybersecurity Law art. 21); nothing was archived."
        )
    return days


def evidence_retention_days() -> int:
    return int(getattr(settings, "EVIDENCE_RETENTION_DAYS", 1095))


def archive_directory() -> Path:
    return Path(getattr(settings, "AUDIT_ARCHIVE_DIR", Path(settings.VAR_DIR) / "audit-archive"))


@dataclass
class RetentionStatus:
    retention_days: int
    archive_count: int
    last_archive_at: datetime.datetime | None
    oldest_live_at: dict[str, datetime.datetime | None]
    evidence_retention_days: int
    files_purged: int
    next_run_at: datetime.datetime | None


def _chained_models():
    from .verify import CHAINED_MODELS

    return CHAINED_MODELS


def retention_status() -> RetentionStatus:
    """For the administrators' status page and the archive page: a few indexed queries."""
    from .schedule import pending_run

    waiting = pending_run()
    newest = AuditArchive.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    return RetentionStatus(
        retention_days=int(getattr(settings, "AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)),
        archive_count=AuditArchive.objects.count(),
        last_archive_at=newest,
        oldest_live_at={
            model._meta.label: model.objects.aggregate(oldest=Min("at"))["oldest"] for model in _chained_models()
        },
        evidence_retention_days=evidence_retention_days(),
        # Activity evidence, which the status pages show beside its period; import files deleted
        # by their own period are recorded on each import job.
        files_purged=policies.files_purged("activity_evidence"),
        next_run_at=waiting.run_after if waiting is not None else None,
    )


@dataclass
class RunOutcome:
    run: RetentionRun
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def retention_run(*, now: datetime.datetime | None = None) -> RunOutcome:
    """Archive the audit logs older than the window, then carry out every purging policy
    (core/retention.py). One failure is recorded and does not stop the others."""
    from .archiving import archive_all

    now = now or timezone.now()
    run = RetentionRun.objects.create(started_at=now)
    outcome = RunOutcome(run)
    try:
        for chain in archive_all(now=now):
            run.archived_rows += chain.rows
            run.archive_files += len(chain.archives)
            outcome.lines.append(f"{chain.label}: {chain.rows} rows archived in {len(chain.archives)} file(s)")
            if chain.problem:
                outcome.problems.append(f"{chain.label}: {chain.problem}")
    except ImproperlyConfigured as exc:
        outcome.problems.append(str(exc))
    for policy in policies.purging_policies():
        try:
            purged = policy.purge_function()(now=now)
        except Exception as exc:  # recorded; the other policies still run
            logger.exception("retention purge %s failed", policy.key)
            outcome.problems.append(f"{policy.key}: {type(exc).__name__}: {exc}")
            continue
        count = purged if isinstance(purged, int) else len(purged)
        run.files_purged += count
        outcome.lines.append(f"{policy.key}: {count} deleted (retention {policy.days()} days)")
    run.finished_at = timezone.now()
    run.problems = "\n".join(outcome.problems)
    run.save(update_fields=["archived_rows", "archive_files", "files_purged", "finished_at", "problems"])
    return outcome


def archive_overview() -> dict:
    """What the archive page shows beside the list of archives."""
    status = retention_status()
    try:
        window_ok = audit_retention_days() >= FLOOR_DAYS
    except ImproperlyConfigured:
        window_ok = False
    labels = {model._meta.label: model._meta.verbose_name for model in _chained_models()}
    return {
        "status": status,
        "window_ok": window_ok,
        "floor_days": FLOOR_DAYS,
        "archive_dir": archive_directory(),
        "oldest_live": [(labels[label], at) for label, at in status.oldest_live_at.items()],
        "last_run": RetentionRun.objects.first(),
        "policies": [(policy, policy.days()) for policy in policies.POLICIES],
    }
