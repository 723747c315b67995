"""The one scoping rule, with explicit expectations (the access matrix then checks that
every view follows it)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from xianfeng.accounts.roles import Role, Scope
from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, get_scoped_or_404, scoped
from xianfeng.core.tests.factories import GrantFactory, UserFactory, user_with_grant
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region


def names(qs):
    return sorted(o.name for o in qs)


def test_subtree_grant_sees_its_branch_and_below_only(world):
    assert names(scoped(world.owner, Organization)) == ["内科党支部", "内科第一党小组"]


def test_org_only_grant_excludes_children(world):
    user = user_with_grant(Role.SECRETARY, Scope.ORG_ONLY, world.branch_a)
    assert names(scoped(user, Organization)) == ["内科党支部"]


def test_grants_are_or_combined(world):
    user = user_with_grant(Role.CLERK, Scope.ORG_ONLY, world.branch_a)
    GrantFactory(user=user, role=Role.LEADER, scope=Scope.ORG_ONLY, org=world.branch_b)
    assert names(scoped(user, Organization, VIEW)) == ["内科党支部", "外科党支部"]
    # Only the clerk grant allows changes.
    assert names(scoped(user, Organization, CHANGE)) == ["内科党支部"]


def test_read_only_role_sees_but_cannot_change(world):
    assert scoped(world.reader, Organization, VIEW).filter(pk=world.branch_a.pk).exists()
    assert not scoped(world.reader, Organization, CHANGE).exists()


def test_region_grant_reaches_orgs_serving_that_region(world):
    township = Region.objects.create(code="210681101", name="孤山镇", level="township")
    world.branch_b.regions.add(township)
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes="210681")
    assert names(scoped(doctor, Organization)) == ["外科党支部"]


def test_all_scope_and_superuser_see_everything(world):
    leader = user_with_grant(Role.LEADER, Scope.ALL)
    assert scoped(leader, Organization).count() == 4
    assert scoped(world.admin, Organization).count() == 4


def test_no_grant_or_inactive_grant_sees_nothing(world):
    assert not scoped(UserFactory(), Organization).exists()
    user = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.branch_a)
    user.grants.update(active=False)
    user.refresh_from_db()
    assert not scoped(user, Organization).exists()


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not scoped(AnonymousUser(), Organization).exists()


def test_out_of_scope_is_404_and_read_only_is_403(world):
    with pytest.raises(Http404):
        get_scoped_or_404(world.outsider, Organization, VIEW, pk=world.branch_a.pk)
    with pytest.raises(PermissionDenied):
        get_scoped_or_404(world.reader, Organization, CHANGE, pk=world.branch_a.pk)
    assert get_scoped_or_404(world.owner, Organization, CHANGE, pk=world.group_a.pk) == world.group_a


def test_ensure_in_scope_refuses_objects_outside(world):
    with pytest.raises(PermissionDenied):
        ensure_in_scope(world.owner, world.branch_b, CHANGE)


def test_reference_regions_are_readable_by_everyone_signed_in(world):
    assert scoped(world.outsider, Region).filter(code="210681").exists()
    assert not scoped(world.outsider, Region, CHANGE).exists()
