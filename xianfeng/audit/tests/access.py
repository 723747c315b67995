"""Objects for the generated access matrix (see xianfeng/core/tests/access.py)."""

from xianfeng.audit.models import AccessLog, ChangeLog, LoginLog
from xianfeng.core.tests.access import ELSEWHERE, LABELS, OWN, object_maker


def _log_place(world, relation, user):
    org = world.orgs.get(relation)
    return org, (user if relation == OWN else None)


@object_maker(ChangeLog, marker=lambda row: row.object_repr)
def changelog(world, relation, user):
    org, owner = _log_place(world, relation, user)
    if org is None:
        return None
    return ChangeLog.objects.create(
        user=owner,
        action="update",
        model="orgs.Organization",
        object_id=str(org.pk),
        object_repr=f"{LABELS[relation]}变更记录",
        org_path=org.path,
    )


@object_maker(AccessLog, marker=lambda row: row.object_repr)
def accesslog(world, relation, user):
    org, owner = _log_place(world, relation, user)
    if org is None:
        return None
    return AccessLog.objects.create(
        user=owner,
        kind="reveal",
        model="orgs.Organization",
        object_id=str(org.pk),
        object_repr=f"{LABELS[relation]}访问记录",
        org_path=org.path,
    )


@object_maker(LoginLog, marker=lambda row: row.username)
def loginlog(world, relation, user):
    # A login record belongs to a user, not to an organization: only "own" and "elsewhere".
    if relation == OWN:
        return LoginLog.objects.create(user=user, username=f"{LABELS[OWN]}登录名", success=False)
    if relation == ELSEWHERE:
        return LoginLog.objects.create(username=f"{LABELS[ELSEWHERE]}登录名", success=False)
    return None
