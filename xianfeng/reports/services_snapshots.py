"""Publishing a report's figures and verifying them later (snapshots.py holds the logic)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import EXPORT, can, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write
from xianfeng.orgs.models import Organization

from . import snapshots
from .facts import facts_for
from .filters import ReportFilter
from .metrics import metrics_for, metrics_for_reach, to_json
from .models import ReportTemplate, Snapshot, SnapshotFigure
from .reach import reach_of

TITLE_MAX = Snapshot._meta.get_field("title").max_length


def _home_org(reach: list[dict]) -> Organization | None:
    """Whose readers see a snapshot without an organization filter: the publisher's first
    organization grant (none for 全部 or region grants: then the publisher and 全部 readers)."""
    for item in reach:
        if item.get("org_id"):
            return Organization.objects.get(pk=item["org_id"])
    return None


@transaction.atomic
def snapshot_publish(
    *, acting_user, flt: ReportFilter, title: str, template: ReportTemplate | None = None, text: str = ""
) -> Snapshot:
    """Freeze the figures of ``flt`` as ``acting_user`` reads them, with the rows behind each."""
    if not can(acting_user, EXPORT, Snapshot):
        raise PermissionDenied(_("发布报告需要“统计报表·导出”权限"))
    reach = reach_of(acting_user)
    if not reach:
        raise PermissionDenied(_("您没有统计报表权限"))
    result = metrics_for(acting_user, flt)
    now = timezone.now()
    snapshot = Snapshot(
        title=(title or "").strip()[:TITLE_MAX] or flt.describe()[:TITLE_MAX],
        params=flt.params(),
        reach=reach,
        metrics=to_json(result),
        template=template,
        text=text or "",
        org=flt.org or _home_org(reach),
        published_by=acting_user,
        # The rows are fingerprinted now: the snapshot is, by construction, intact.
        status=Snapshot.Status.INTACT,
        verified_at=now,
    )
    snapshot.full_clean(exclude=["org", "template", "published_by"])
    snapshot.save()
    frozen = snapshots.freeze(facts_for(flt, reach), result)
    SnapshotFigure.objects.bulk_create(
        [
            SnapshotFigure(
                snapshot=snapshot,
                key=f.key,
                label=f.label[:80],
                value=f.value,
                record_count=f.record_count,
                digest=f.digest,
                rows=f.rows,
            )
            for f in frozen
        ],
        batch_size=100,
    )
    ensure_in_scope(acting_user, snapshot, EXPORT)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=snapshot,
        after={
            "title": snapshot.title,
            "params": snapshot.params,
            "org": snapshot.org_id,
            "template": snapshot.template_id,
            "figures": {f.key: str(f.value) for f in frozen},
            "digests": {f.key: f.digest for f in frozen},
        },
    )
    return snapshot


def snapshot_check(snapshot: Snapshot) -> dict[str, dict]:
    """What changed since publication ({} = nothing), without saving it."""
    flt = snapshots.filter_from_params(snapshot.params)
    result = metrics_for_reach(flt, snapshot.reach)
    return snapshots.compare(snapshot, facts_for(flt, snapshot.reach), result)


@transaction.atomic
def snapshot_verify(*, snapshot: Snapshot) -> Snapshot:
    """Re-check a snapshot against the rows now and store the result (status, changes).

    A system check, not an edit: whoever triggers it, the answer is the same (the frozen
    reach), and only the verification fields change, so no ChangeLog row is written.
    Raises snapshots.SnapshotError when the filter can no longer be rebuilt.
    """
    changes = snapshot_check(snapshot)
    snapshot.status = Snapshot.Status.CHANGED if changes else Snapshot.Status.INTACT
    snapshot.changes = changes
    snapshot.verified_at = timezone.now()
    snapshot.save(update_fields=["status", "changes", "verified_at"])
    return snapshot
