from xianfeng.audit.models import AccessLog, ChangeLog, LoginLog
from xianfeng.core.tests.access import object_maker


@object_maker(ChangeLog)
def changelog(world, inside: bool):
    org = world.group_a if inside else world.branch_b
    return ChangeLog.objects.create(
        action="update",
        model="orgs.Organization",
        object_id=str(org.pk),
        object_repr=f"changed {org.name}",
        org_path=org.path,
    )


@object_maker(AccessLog)
def accesslog(world, inside: bool):
    org = world.group_a if inside else world.branch_b
    return AccessLog.objects.create(
        kind="reveal",
        model="orgs.Organization",
        object_id=str(org.pk),
        object_repr=f"revealed {org.name}",
        org_path=org.path,
    )


@object_maker(LoginLog)
def loginlog(world, inside: bool):
    return LoginLog.objects.create(username="inside-user" if inside else "outside-user", success=False)
