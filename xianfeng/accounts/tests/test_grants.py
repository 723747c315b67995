import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from xianfeng.accounts import services
from xianfeng.accounts.models import Grant
from xianfeng.accounts.roles import Role, Scope, role_allows
from xianfeng.core.tests.factories import UserFactory


def test_seven_roles_exist_with_read_only_leader():
    assert len(Role.choices) == 7
    assert role_allows(Role.LEADER, "orgs.view") and not role_allows(Role.LEADER, "orgs.change")
    assert role_allows(Role.AUDITOR, "audit.view") and not role_allows(Role.CLERK, "audit.view")
    assert role_allows(Role.ADMIN, "anything.change")


def test_clerk_grants_a_role_within_their_subtree(world, login):
    member = UserFactory(org=world.group_a)
    response = login(world.owner).post(
        reverse("accounts:grant_create", args=[member.pk]),
        {
            "role": Role.SECRETARY,
            "scope": Scope.ORG_SUBTREE,
            "org": world.group_a.pk,
        },
    )
    assert response.status_code == 302
    assert member.grants.get().role == Role.SECRETARY


def test_clerk_cannot_escalate_to_administrator(world):
    member = UserFactory(org=world.group_a)
    with pytest.raises(PermissionDenied):
        services.grant_create(acting_user=world.owner, user=member, role=Role.ADMIN, scope=Scope.ALL)
    with pytest.raises(PermissionDenied):
        services.grant_create(acting_user=world.owner, user=member, role=Role.CLERK, scope=Scope.ALL)
    assert not Grant.objects.filter(user=member).exists()


def test_org_scope_needs_an_org_and_region_scope_valid_codes(world):
    from django.core.exceptions import ValidationError

    member = UserFactory(org=world.group_a)
    with pytest.raises(ValidationError):
        services.grant_create(acting_user=world.admin, user=member, role=Role.CLERK, scope=Scope.ORG_SUBTREE)
    with pytest.raises(ValidationError) as error:
        services.grant_create(
            acting_user=world.admin, user=member, role=Role.DOCTOR, scope=Scope.REGION, region_prefixes="21068x"
        )
    assert "21068x" in str(error.value)


def test_revoked_grant_stops_giving_access(world, login):
    from xianfeng.accounts.scoping import scoped
    from xianfeng.orgs.models import Organization

    member = UserFactory(org=world.group_a)
    grant = services.grant_create(acting_user=world.admin, user=member, role=Role.LEADER, scope=Scope.ALL)
    login(world.admin).post(reverse("accounts:grant_revoke", args=[grant.pk]))
    member.refresh_from_db()
    assert not scoped(member, Organization).exists()


def test_admin_reset_makes_the_password_temporary(world, login):
    member = UserFactory(org=world.group_a)
    login(world.owner).post(reverse("accounts:password_reset", args=[member.pk]), {"password": "Linshi-mima-9"})
    member.refresh_from_db()
    assert member.must_change_password and member.check_password("Linshi-mima-9")


def test_nobody_but_an_administrator_grants_to_themselves(world):
    with pytest.raises(PermissionDenied):
        services.grant_create(
            acting_user=world.owner, user=world.owner, role=Role.CLERK, scope=Scope.ORG_SUBTREE, org=world.group_a
        )


def test_clerk_form_offers_no_administrator_role_or_unbounded_scope(world, login):
    member = UserFactory(org=world.group_a)
    page = login(world.owner).get(reverse("accounts:user_detail", args=[member.pk])).content.decode()
    assert 'value="clerk"' in page
    assert 'value="admin"' not in page and 'value="all"' not in page
