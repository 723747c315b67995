"""Grants that cannot escalate (DESIGN.md §3, issue 7).

The clerk scenario of the issue: 党办干事 over the committee tried to take over the
administrator (reset their password, revoke their grant) and to hand out 精防医生, whose
permissions (reveal ID numbers of residents) the clerk does not hold.
"""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from xianfeng.accounts import services
from xianfeng.accounts.models import Grant, User
from xianfeng.accounts.roles import Role, Scope, role_allows
from xianfeng.accounts.scoping import scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.access import ELSEWHERE, IN_CHILD, IN_ORG, IN_SIBLING, load_makers
from xianfeng.core.tests.factories import GrantFactory, UserFactory, user_with_grant
from xianfeng.hotline.models import Call
from xianfeng.orgs.models import Organization
from xianfeng.residents.models import Resident
from xianfeng.servicelog.models import ServiceRecord

from . import matrix

PASSWORD = "Xianfeng-test-1"


@pytest.fixture
def demo(world):
    """As in the demo: 系统管理员 (全部) and 审计员 belong to the committee, 党办干事 manages its subtree."""
    administrator = user_with_grant(Role.ADMIN, Scope.ALL, None, username="sysadmin")
    User.objects.filter(pk=administrator.pk).update(org=world.committee)
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, None, username="shenji")
    User.objects.filter(pk=auditor.pk).update(org=world.committee)
    clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.committee, username="dangban")
    return SimpleNamespace(
        administrator=User.objects.get(pk=administrator.pk),
        auditor=User.objects.get(pk=auditor.pk),
        clerk=clerk,
        plain=UserFactory(org=world.group_a, username="putong"),
    )


def test_eight_roles_exist_with_read_only_leader():
    """The seven roles of DESIGN.md §3 and, since issue 12, the hotline's duty staff 热线值守员."""
    assert len(Role.choices) == 8 and Role.HOTLINE.label == "热线值守员"
    assert role_allows(Role.LEADER, "orgs.view") and not role_allows(Role.LEADER, "orgs.change")
    assert role_allows(Role.AUDITOR, "audit.view") and not role_allows(Role.CLERK, "audit.view")
    assert role_allows(Role.ADMIN, "anything.change")


# --- the reproduction ---------------------------------------------------------------


def test_clerk_cannot_set_the_administrators_password(demo, login):
    client = login(demo.clerk)
    assert client.get(reverse("accounts:user_detail", args=[demo.administrator.pk])).status_code == 200
    response = client.post(
        reverse("accounts:password_reset", args=[demo.administrator.pk]), {"password": "Jieguan-9x!"}
    )
    assert response.status_code == 403
    demo.administrator.refresh_from_db()
    assert demo.administrator.check_password(PASSWORD) and not demo.administrator.check_password("Jieguan-9x!")


def test_clerk_cannot_revoke_the_administrators_or_auditors_grant(demo, login):
    client = login(demo.clerk)
    for protected in (demo.administrator, demo.auditor):
        grant = protected.grants.get()
        response = client.post(reverse("accounts:grant_revoke", args=[grant.pk]))
        assert response.status_code == 403
        grant.refresh_from_db()
        assert grant.active
    assert not ChangeLog.objects.filter(model="accounts.Grant", action=ChangeLog.Action.UPDATE).exists()


def test_clerk_cannot_grant_the_doctor_role_whose_reveal_permission_they_lack(world, demo, login):
    client = login(demo.clerk)
    response = client.post(reverse("accounts:user_create"), {
        "username": "weizao", "display_name": "伪造医生", "org": world.committee.pk, "password": "Chushi-mima-1",
    })  # fmt: skip
    assert response.status_code == 302
    created = User.objects.get(username="weizao")
    response = client.post(
        reverse("accounts:grant_create", args=[created.pk]),
        {"role": Role.DOCTOR, "scope": Scope.ORG_SUBTREE, "org": world.committee.pk},
    )
    assert response.status_code in (400, 403)
    assert not created.grants.exists()
    with pytest.raises(PermissionDenied):
        services.grant_create(
            acting_user=demo.clerk, user=created, role=Role.DOCTOR, scope=Scope.ORG_SUBTREE, org=world.committee
        )
    assert not created.grants.exists()
    assert not scoped(created, Organization).exists()


def test_clerk_cannot_grant_to_or_reset_an_administrator_or_auditor(world, demo):
    for protected in (demo.administrator, demo.auditor):
        with pytest.raises(PermissionDenied):
            services.grant_create(
                acting_user=demo.clerk, user=protected, role=Role.LEADER, scope=Scope.ORG_SUBTREE, org=world.committee
            )
        with pytest.raises(PermissionDenied):
            services.user_set_password(acting_user=demo.clerk, user=protected, password="Jieguan-9x!", temporary=True)
    assert demo.administrator.grants.count() == 1 and demo.auditor.grants.count() == 1


def test_administrator_page_is_visible_to_the_clerk_without_controls(demo, login):
    page = login(demo.clerk).get(reverse("accounts:user_detail", args=[demo.administrator.pk])).content.decode()
    assert demo.administrator.username in page
    assert reverse("accounts:password_reset", args=[demo.administrator.pk]) not in page
    assert reverse("accounts:grant_create", args=[demo.administrator.pk]) not in page
    assert reverse("accounts:grant_revoke", args=[demo.administrator.grants.get().pk]) not in page


# --- what a clerk may grant ------------------------------------------------------------------


def test_clerk_grants_a_role_whose_permissions_they_hold_within_their_subtree(world, login):
    member = UserFactory(org=world.group_a)
    response = login(world.owner).post(
        reverse("accounts:grant_create", args=[member.pk]),
        {"role": Role.LEADER, "scope": Scope.ORG_SUBTREE, "org": world.group_a.pk},
    )
    assert response.status_code == 302
    grant = member.grants.get()
    assert grant.role == Role.LEADER
    log = ChangeLog.objects.get(model="accounts.Grant", object_id=str(grant.pk))
    assert log.action == ChangeLog.Action.CREATE and log.user == world.owner and log.after["role"] == Role.LEADER


def test_clerk_form_offers_only_roles_whose_permissions_the_clerk_holds(world, login):
    member = UserFactory(org=world.group_a)
    page = login(world.owner).get(reverse("accounts:user_detail", args=[member.pk])).content.decode()
    for role in (Role.CLERK, Role.LEADER, Role.SECRETARY, Role.MEMBER):
        assert f'value="{role}"' in page
    # 精防医生 reveals residents' ID numbers and sees health data: the clerk holds neither.
    for role in (Role.ADMIN, Role.AUDITOR, Role.DOCTOR):
        assert f'value="{role}"' not in page
    assert 'value="all"' not in page and 'value="region"' not in page


def test_grantable_roles_are_those_whose_every_permission_is_held(world):
    assert services.grantable_roles(world.owner) == [Role.CLERK, Role.SECRETARY, Role.MEMBER, Role.LEADER]
    assert services.grantable_roles(world.admin) == list(Role.values)


def test_clerk_cannot_grant_outside_their_own_scope(world):
    member = UserFactory(org=world.group_a)
    for scope, org in ((Scope.ORG_SUBTREE, world.committee), (Scope.ORG_SUBTREE, world.branch_b)):
        with pytest.raises(PermissionDenied):
            services.grant_create(acting_user=world.owner, user=member, role=Role.LEADER, scope=scope, org=org)
    for role, scope in ((Role.ADMIN, Scope.ALL), (Role.CLERK, Scope.ALL), (Role.LEADER, Scope.ALL)):
        with pytest.raises(PermissionDenied):
            services.grant_create(acting_user=world.owner, user=member, role=role, scope=scope)
    with pytest.raises(PermissionDenied):
        services.grant_create(
            acting_user=world.owner, user=member, role=Role.LEADER, scope=Scope.REGION, region_prefixes="2106"
        )
    assert not Grant.objects.filter(user=member).exists()


def test_an_org_only_grant_does_not_cover_a_subtree(world):
    narrow = user_with_grant(Role.CLERK, Scope.ORG_ONLY, world.branch_a)
    member = UserFactory(org=world.branch_a)
    with pytest.raises(PermissionDenied):
        services.grant_create(
            acting_user=narrow, user=member, role=Role.LEADER, scope=Scope.ORG_SUBTREE, org=world.branch_a
        )
    grant = services.grant_create(
        acting_user=narrow, user=member, role=Role.LEADER, scope=Scope.ORG_ONLY, org=world.branch_a
    )
    assert grant.active


def test_each_permission_must_be_held_where_the_grant_applies(world):
    """Holding the permissions in two places does not add up: a clerk over B who is a leader
    over A may not make someone a clerk over A."""
    mixed = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.branch_b)
    GrantFactory(user=mixed, role=Role.LEADER, scope=Scope.ORG_SUBTREE, org=world.committee)
    member = UserFactory(org=world.branch_b)
    with pytest.raises(PermissionDenied):
        services.grant_create(
            acting_user=mixed, user=member, role=Role.CLERK, scope=Scope.ORG_SUBTREE, org=world.branch_a
        )
    services.grant_create(acting_user=mixed, user=member, role=Role.CLERK, scope=Scope.ORG_SUBTREE, org=world.branch_b)


def test_unbounded_scopes_need_an_unbounded_grant(world):
    broad = user_with_grant(Role.CLERK, Scope.ALL)
    member = UserFactory(org=world.group_a)
    services.grant_create(acting_user=broad, user=member, role=Role.LEADER, scope=Scope.REGION, region_prefixes="2106")
    services.grant_create(acting_user=broad, user=member, role=Role.LEADER, scope=Scope.ALL)
    with pytest.raises(PermissionDenied):
        services.grant_create(acting_user=broad, user=member, role=Role.AUDITOR, scope=Scope.ALL)
    assert member.grants.count() == 2


def test_org_scope_needs_an_org_and_region_scope_valid_codes(world):
    member = UserFactory(org=world.group_a)
    with pytest.raises(ValidationError):
        services.grant_create(acting_user=world.admin, user=member, role=Role.CLERK, scope=Scope.ORG_SUBTREE)
    with pytest.raises(ValidationError) as error:
        services.grant_create(
            acting_user=world.admin, user=member, role=Role.DOCTOR, scope=Scope.REGION, region_prefixes="21068x"
        )
    assert "21068x" in str(error.value)


# --- self, revocation, passwords -------------------------------------------------------------


def test_nobody_grants_to_themselves(world, demo):
    for user in (world.owner, demo.administrator):
        with pytest.raises(PermissionDenied):
            services.grant_create(
                acting_user=user, user=user, role=Role.CLERK, scope=Scope.ORG_SUBTREE, org=world.group_a
            )


def test_clerk_cannot_revoke_their_own_grant(world, login):
    grant = world.owner.grants.get()
    assert login(world.owner).post(reverse("accounts:grant_revoke", args=[grant.pk])).status_code == 403
    grant.refresh_from_db()
    assert grant.active


def test_revoked_grant_stops_giving_access_and_is_logged(world, login):
    member = UserFactory(org=world.group_a)
    grant = services.grant_create(acting_user=world.admin, user=member, role=Role.LEADER, scope=Scope.ALL)
    response = login(world.admin).post(reverse("accounts:grant_revoke", args=[grant.pk]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not scoped(member, Organization).exists()
    log = ChangeLog.objects.get(model="accounts.Grant", object_id=str(grant.pk), action=ChangeLog.Action.UPDATE)
    assert log.before["active"] is True and log.after["active"] is False and log.user == world.admin


def test_clerk_revokes_a_plain_users_grant_in_their_subtree(world, login):
    member = user_with_grant(Role.LEADER, Scope.ORG_SUBTREE, world.group_a)
    grant = member.grants.get()
    assert login(world.owner).post(reverse("accounts:grant_revoke", args=[grant.pk])).status_code == 302
    grant.refresh_from_db()
    assert not grant.active


def test_administrator_reset_makes_the_password_temporary(world, login):
    member = UserFactory(org=world.group_a)
    response = login(world.admin).post(
        reverse("accounts:password_reset", args=[member.pk]), {"password": "Linshi-mima-9"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.must_change_password and member.check_password("Linshi-mima-9")
    assert ChangeLog.objects.filter(model="accounts.User", object_id=str(member.pk), user=world.admin).exists()


def test_only_administrators_reset_other_users_passwords(world, login):
    member = UserFactory(org=world.group_a)
    client = login(world.owner)
    page = client.get(reverse("accounts:user_detail", args=[member.pk])).content.decode()
    assert reverse("accounts:password_reset", args=[member.pk]) not in page
    response = client.post(reverse("accounts:password_reset", args=[member.pk]), {"password": "Linshi-mima-9"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert not member.must_change_password and member.check_password(PASSWORD)


def test_password_reset_is_not_a_way_round_the_current_password(world, login):
    """One's own password is changed at /accounts/password/, which asks for the current one."""
    response = login(world.admin).post(
        reverse("accounts:password_reset", args=[world.admin.pk]), {"password": "Ziji-mima-77"}
    )
    assert response.status_code == 403
    world.admin.refresh_from_db()
    assert world.admin.check_password(PASSWORD)


def test_only_administrators_create_superusers(world):
    with pytest.raises(PermissionDenied):
        services.user_create(
            acting_user=world.owner, username="chaoji", password="Chushi-mima-1", org=world.group_a, is_superuser=True
        )
    assert not User.objects.filter(username="chaoji").exists()


def test_a_clerk_on_an_auditors_page_is_told_why_there_are_no_controls(world, login):
    auditor = UserFactory(org=world.group_a, username="group-auditor")
    GrantFactory(user=auditor, role=Role.AUDITOR, scope=Scope.ALL, org=None)
    page = login(world.owner).get(reverse("accounts:user_detail", args=[auditor.pk])).content.decode()
    assert "系统管理员和审计员只能由系统管理员管理" in page
    assert reverse("accounts:password_reset", args=[auditor.pk]) not in page
    assert reverse("accounts:grant_create", args=[auditor.pk]) not in page


# --- the hotline's duty staff (issue 12) -------------------------------------------------------


def test_clerk_cannot_grant_the_hotline_role_whose_call_permissions_they_lack(world, login):
    """Hotline calls are health data the party office does not read: it may not hand them out."""
    duty = UserFactory(org=world.group_a, username="zhiban")
    assert Role.HOTLINE not in services.grantable_roles(world.owner)
    page = login(world.owner).get(reverse("accounts:user_detail", args=[duty.pk])).content.decode()
    assert f'value="{Role.HOTLINE}"' not in page
    response = login(world.owner).post(
        reverse("accounts:grant_create", args=[duty.pk]),
        {"role": Role.HOTLINE, "scope": Scope.ORG_ONLY, "org": world.group_a.pk},
    )
    assert response.status_code in (400, 403)
    with pytest.raises(PermissionDenied):
        services.grant_create(
            acting_user=world.owner, user=duty, role=Role.HOTLINE, scope=Scope.ORG_ONLY, org=world.group_a
        )
    assert not duty.grants.exists()


def test_administrator_grants_the_hotline_role(world, login):
    duty = UserFactory(org=world.branch_a, username="zhiban")
    response = login(world.admin).post(
        reverse("accounts:grant_create", args=[duty.pk]),
        {"role": Role.HOTLINE, "scope": Scope.ORG_ONLY, "org": world.branch_a.pk},
    )
    assert response.status_code == 302
    grant = duty.grants.get()
    assert (grant.role, grant.scope, grant.org) == (Role.HOTLINE, Scope.ORG_ONLY, world.branch_a)
    assert ChangeLog.objects.filter(model="accounts.Grant", object_id=str(grant.pk), user=world.admin).exists()


def test_doctor_who_supervises_the_hotline_cannot_grant_its_role(world, login):
    """The 精防医生 holds every permission of 热线值守员 but manages no accounts (no accounts.change)."""
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, world.branch_a, username="dudao")
    duty = UserFactory(org=world.branch_a, username="zhiban")
    with pytest.raises(PermissionDenied):
        services.grant_create(
            acting_user=doctor, user=duty, role=Role.HOTLINE, scope=Scope.ORG_ONLY, org=world.branch_a
        )
    response = login(doctor).post(
        reverse("accounts:grant_create", args=[duty.pk]),
        {"role": Role.HOTLINE, "scope": Scope.ORG_ONLY, "org": world.branch_a.pk},
    )
    assert response.status_code in (403, 404)
    assert not duty.grants.exists()


def test_hotline_role_over_its_organization_sees_that_organizations_calls_only(world):
    """Granted by an administrator over 本组织 (内科党支部): the branch's calls, not those of the
    group below it, of the sibling branch or of the committee; and no residents or service log."""
    makers = load_makers()
    matrix.build_world(world)
    calls = {r: makers[Call].make(world, r, None) for r in (IN_ORG, IN_CHILD, IN_SIBLING, ELSEWHERE)}
    makers[Resident].make(world, IN_ORG, None)
    makers[ServiceRecord].make(world, IN_ORG, None)
    duty = UserFactory(org=world.branch_a, username="zhiban")
    services.grant_create(
        acting_user=world.admin, user=duty, role=Role.HOTLINE, scope=Scope.ORG_ONLY, org=world.branch_a
    )
    assert list(scoped(duty, Call)) == [calls[IN_ORG]]
    assert list(scoped(duty, Call, "change")) == [calls[IN_ORG]]
    assert not scoped(duty, Call, "export").exists()  # exporting the call log is the supervisor's
    assert not scoped(duty, Resident).exists() and not scoped(duty, ServiceRecord).exists()
