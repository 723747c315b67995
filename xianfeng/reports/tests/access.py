"""Objects of the reports areas for the generated access matrix (xianfeng/core/tests/access.py).

Snapshot (reports): published for the relation's organization by someone else; OWN: published by
the user under test, for an organization nobody is granted (表三: a publisher always reaches their
own reports). A snapshot belongs to an organization, not to a place: none in IN_REGION.

ReportJob (reportjobs, 表七): belongs to whoever asked for it, in no organization or place. For
the organization relations it is asked by someone of that organization (reached by 全部 only:
a colleague's job is not one's own); OWN: the user's own. None in IN_REGION (a job has no place).
A failed job, so its page shows its message (the marker) and no file is needed.

ReportTemplate (reporttemplates): configuration in no organization or place, one per relation
(read by report readers, edited by administrators over 全部).

Written directly, without services: the matrix needs objects where no user may put them.
"""

import itertools

from django.utils import timezone

from xianfeng.core.tests.access import IN_REGION, LABELS, OWN, object_maker
from xianfeng.core.tests.factories import UserFactory
from xianfeng.reports.models import ReportJob, ReportTemplate, Snapshot

_numbers = itertools.count(1)


def _someone_else(org=None):
    return UserFactory(username=f"matrix-reports-{next(_numbers)}", display_name="报表发布人", org=org)


def _period() -> dict:
    today = timezone.localdate()
    return {"from": today.replace(month=1, day=1).isoformat(), "to": today.isoformat()}


@object_maker(Snapshot, marker=lambda s: s.title)
def snapshot(world, relation, user):
    if relation == IN_REGION or (relation == OWN and user is None):
        return None
    org = world.orgs[relation]
    return Snapshot.objects.create(
        title=f"{LABELS[relation]}工作报告{next(_numbers)}",
        params={**_period(), "org": str(org.pk)},
        reach=[{"scope": "all"}],
        metrics={},
        org=org,
        published_by=user if relation == OWN else _someone_else(),
    )


@object_maker(ReportJob, marker=lambda j: j.message)
def report_job(world, relation, user):
    if relation == IN_REGION or (relation == OWN and user is None):
        return None
    return ReportJob.objects.create(
        kind=ReportJob.Kind.METRICS_XLSX,
        params=_period(),
        status=ReportJob.Status.FAILED,
        message=f"{LABELS[relation]}任务说明{next(_numbers)}",
        created_by=user if relation == OWN else _someone_else(world.orgs[relation]),
        finished_at=timezone.now(),
    )


@object_maker(ReportTemplate, marker=lambda t: t.name)
def report_template(world, relation, user):
    if relation == OWN:
        return None
    row, _created = ReportTemplate.objects.get_or_create(
        name=f"{LABELS[relation]}报告模板",
        defaults={"title": "{期间}工作总结", "body": "本期共服务{人次}人次。"},
    )
    return row
