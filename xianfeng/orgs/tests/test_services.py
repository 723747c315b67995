import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.orgs import services
from xianfeng.orgs.models import Organization
from xianfeng.orgs.selectors import org_list


def test_create_builds_the_materialized_path(world):
    org = services.org_create(acting_user=world.owner, name="内科第二党小组", kind="group", parent=world.branch_a)
    assert org.path == f"{world.branch_a.path}{org.pk:06d}/"
    assert org.depth == 2
    assert list(world.branch_a.descendants()) == [world.group_a, org]


def test_create_writes_a_changelog_row_in_the_same_transaction(world):
    org = services.org_create(acting_user=world.owner, name="新小组", kind="group", parent=world.branch_a)
    log = ChangeLog.objects.get(model="orgs.Organization", object_id=str(org.pk))
    assert log.user == world.owner
    assert log.action == "create"
    assert log.after["name"] == "新小组"
    assert log.org_path == org.path


def test_cannot_create_outside_own_scope_and_nothing_is_saved(world):
    with pytest.raises(PermissionDenied):
        services.org_create(acting_user=world.owner, name="越权支部", kind="group", parent=world.branch_b)
    assert not Organization.objects.filter(name="越权支部").exists()
    assert not ChangeLog.objects.filter(object_repr="越权支部").exists()


def test_move_rehangs_the_whole_subtree(world):
    general = services.org_create(
        acting_user=world.admin, name="医技党总支", kind="general_branch", parent=world.committee
    )
    extra = services.org_create(acting_user=world.admin, name="外科第一党小组", kind="group", parent=world.branch_b)
    moved = services.org_move(acting_user=world.admin, org=world.branch_b, new_parent=general)
    extra.refresh_from_db()
    assert moved.parent == general
    assert moved.path.startswith(general.path)
    assert extra.path.startswith(moved.path)
    assert set(general.descendants()) == {moved, extra}


def test_move_under_own_descendant_is_a_cycle(world):
    with pytest.raises(ValidationError) as error:
        services.org_move(acting_user=world.admin, org=world.branch_a, new_parent=world.group_a)
    assert "循环" in str(error.value)
    world.branch_a.refresh_from_db()
    assert world.branch_a.parent == world.committee


def test_nobody_can_move_an_org_out_of_their_own_scope(world):
    with pytest.raises(PermissionDenied):
        services.org_move(acting_user=world.owner, org=world.group_a, new_parent=world.branch_b)
    world.group_a.refresh_from_db()
    assert world.group_a.parent == world.branch_a


def test_dissolved_org_cannot_be_a_parent(world):
    temp = services.org_create(
        acting_user=world.admin,
        name="援鄂医疗队临时党支部",
        kind="temp_branch",
        parent=world.committee,
        active_from=datetime.date(2020, 2, 8),
    )
    services.org_dissolve(acting_user=world.admin, org=temp, on_date=datetime.date(2020, 4, 12), reason="任务完成")
    with pytest.raises(ValidationError) as error:
        services.org_create(acting_user=world.admin, name="新小组", kind="group", parent=temp)
    assert "已撤销" in str(error.value)


def test_dissolved_temporary_branch_keeps_its_history(world):
    temp = services.org_create(
        acting_user=world.admin,
        name="援鄂医疗队临时党支部",
        kind="temp_branch",
        parent=world.committee,
        active_from=datetime.date(2020, 2, 8),
    )
    services.org_dissolve(acting_user=world.admin, org=temp, on_date=datetime.date(2020, 4, 12), reason="任务完成")
    temp.refresh_from_db()
    assert not temp.is_active
    assert temp.is_active_on(datetime.date(2020, 3, 1))
    assert temp not in org_list(user=world.admin)
    assert temp in org_list(user=world.admin, include_dissolved=True)
    actions = list(ChangeLog.objects.filter(object_id=str(temp.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["create", "dissolve"]


def test_dissolve_needs_children_dissolved_first(world):
    with pytest.raises(ValidationError) as error:
        services.org_dissolve(acting_user=world.admin, org=world.branch_a, on_date=datetime.date.today(), reason="x")
    assert "内科第一党小组" in str(error.value)


def test_dissolve_before_founding_is_refused(world):
    with pytest.raises(ValidationError):
        services.org_dissolve(acting_user=world.admin, org=world.group_a, on_date=datetime.date(2000, 1, 1), reason="x")


def test_update_records_before_and_after(world):
    services.org_update(acting_user=world.owner, org=world.group_a, name="内科一组")
    log = ChangeLog.objects.filter(action="update").latest("at")
    assert log.before["name"] == "内科第一党小组"
    assert log.after["name"] == "内科一组"


def test_search_by_traditional_characters_and_initials(world):
    assert [o.name for o in org_list(user=world.admin, query="內科黨支部")] == ["内科党支部"]
    assert [o.name for o in org_list(user=world.admin, query="wkdzb")] == ["外科党支部"]


def test_dissolve_refusal_does_not_name_children_outside_the_users_scope(world):
    """An 本组织 grant reaches the branch but not its groups: their names stay hidden."""
    clerk = user_with_grant(Role.CLERK, Scope.ORG_ONLY, world.branch_a, username="org-only-clerk")
    with pytest.raises(ValidationError) as refused:
        services.org_dissolve(acting_user=clerk, org=world.branch_a, on_date=datetime.date.today(), reason="x")
    message = " ".join(refused.value.messages)
    assert world.group_a.name not in message
    assert "另有 1 个不在您权限范围内的下级组织" in message
    with pytest.raises(ValidationError) as refused:
        services.org_dissolve(acting_user=world.admin, org=world.branch_a, on_date=datetime.date.today(), reason="x")
    assert world.group_a.name in " ".join(refused.value.messages)
