"""The grants cache (accounts/scoping.active_grants): grants are read once and reused across
requests, and every change that alters what they open takes effect on the very next request."""

from django.urls import reverse

from xianfeng.accounts import services
from xianfeng.accounts.models import User
from xianfeng.accounts.roles import Role, Scope
from xianfeng.accounts.scoping import active_grants, scoped
from xianfeng.core.tests.factories import OrganizationFactory, UserFactory
from xianfeng.orgs.models import Organization
from xianfeng.orgs.services import org_move
from xianfeng.regions.models import Region
from xianfeng.residents.models import Resident


def fresh(user) -> User:
    """The user as the next request loads them."""
    return User.objects.get(pk=user.pk)


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_grants_are_read_once_for_many_requests(world, django_assert_num_queries):
    active_grants(fresh(world.owner))
    user = fresh(world.owner)
    with django_assert_num_queries(0):
        grants = active_grants(user)
    assert [(g.role, g.org.name) for g in grants] == [(Role.CLERK, "内科党支部")]


def test_a_revoked_grant_stops_access_on_the_very_next_request(world, login):
    member = UserFactory(org=world.group_a)
    grant = services.grant_create(acting_user=world.admin, user=member, role=Role.LEADER, scope=Scope.ALL)
    client = login(member)
    assert client.get(reverse("orgs:list")).status_code == 200
    services.grant_revoke(acting_user=world.admin, grant=grant)
    assert client.get(reverse("orgs:list")).status_code == 403


def test_a_new_grant_opens_access_on_the_very_next_request(world, login):
    member = UserFactory(org=world.group_a)
    client = login(member)
    assert client.get(reverse("orgs:list")).status_code == 403
    services.grant_create(acting_user=world.admin, user=member, role=Role.LEADER, scope=Scope.ALL)
    assert client.get(reverse("orgs:list")).status_code == 200


def test_a_deleted_grant_stops_access(world):
    assert names(scoped(fresh(world.outsider), Organization)) == ["外科党支部"]
    world.outsider.grants.get().delete()
    assert not scoped(fresh(world.outsider), Organization).exists()


def test_moving_an_organization_moves_what_cached_grants_open(world):
    assert names(scoped(fresh(world.outsider), Organization)) == ["外科党支部"]
    assert "内科第一党小组" in names(scoped(fresh(world.owner), Organization))
    org_move(acting_user=world.admin, org=world.group_a, new_parent=world.branch_b)
    assert names(scoped(fresh(world.outsider), Organization)) == ["内科第一党小组", "外科党支部"]
    assert "内科第一党小组" not in names(scoped(fresh(world.owner), Organization))


def test_moving_the_granted_organization_keeps_its_subtree_in_scope(world):
    assert names(scoped(fresh(world.owner), Organization)) == ["内科党支部", "内科第一党小组"]
    other = OrganizationFactory(name="县卫健局党委", kind=Organization.Kind.COMMITTEE)
    org_move(acting_user=world.admin, org=world.branch_a, new_parent=other)
    assert names(scoped(fresh(world.owner), Organization)) == ["内科党支部", "内科第一党小组"]


def test_regions_given_to_an_organization_open_their_residents_at_once(world):
    village = Region.objects.create(code="210681101001", name="东村", level="village")
    Resident.objects.create(name="张三", village=village)
    assert not scoped(fresh(world.owner), Resident).exists()
    world.branch_a.regions.add(village)
    assert names(scoped(fresh(world.owner), Resident)) == ["张三"]
    world.branch_a.regions.remove(village)
    assert not scoped(fresh(world.owner), Resident).exists()
