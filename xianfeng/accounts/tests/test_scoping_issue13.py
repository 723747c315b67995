"""Issue 13's two new scoping rules, stated with explicit expectations (not computed by scoped()).

* 仅限本人 (own only): a 党员/志愿者 whose grant covers their branch reads their own dues, study
  record and 请战书 — never a colleague's in the same branch. Those who keep the branch's books
  (its secretary, the party office over the committee's subtree) read everyone's in their scope.
* Rows of the organizations above (``org_ancestors_view``): a member of a branch reads the
  emergency the committee above runs, its daily reports, working groups and duty roster, and the
  study items the committee pushes — and changes none of it. A sibling branch is not above; a
  committee's meeting is not pushed down.
* The one on duty always sees their own duty shift, wherever the emergency is run.

The world (xianfeng/core/tests/fixtures.py): 市医院党委 (committee) › 内科党支部 (branch_a) ›
内科第一党小组 (group_a), and 外科党支部 (branch_b) beside branch_a.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.accounts.scoping import CHANGE, EXPORT, VIEW, ancestor_paths, ensure_in_scope, get_scoped_or_404, scoped
from xianfeng.core.tests.factories import GrantFactory, user_with_grant
from xianfeng.emergencies.models import DailyReport, DutyShift, Emergency, Pledge, WorkingGroup
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.partylife.models import (
    ComplianceRule,
    DuesCategory,
    DuesPayment,
    DuesRate,
    Meeting,
    MeetingKind,
    Period,
    StudyCompletion,
    StudyItem,
)

TODAY = datetime.date(2026, 3, 16)


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def _member(name, branch, user=None):
    return MemberFactory(name=name, branch=branch, user=user, party_stage=Stage.FULL)


def _rows_of(member, tag: str):
    """One dues rate, one dues payment, one study record and one 请战书 of ``member``."""
    item = StudyItem.objects.create(org=member.branch, title=f"{tag}学习", published_on=TODAY)
    crisis = Emergency.objects.create(org=member.branch, name=f"{tag}事件", start_on=TODAY)
    return SimpleNamespace(
        rate=DuesRate.objects.create(
            member=member,
            start_month=TODAY.replace(day=1),
            category=DuesCategory.IN_SERVICE,
            monthly_base=Decimal("4000"),
            rate=Decimal("0.01"),
            amount=Decimal("40"),
        ),
        payment=DuesPayment.objects.create(
            member=member, month=TODAY.replace(day=1), amount=Decimal("40"), paid_on=TODAY
        ),
        completion=StudyCompletion.objects.create(item=item, member=member, completed_on=TODAY, hours=Decimal("1")),
        pledge=Pledge.objects.create(emergency=crisis, member=member, written_on=TODAY, text="请战"),
    )


@pytest.fixture
def party(world):
    """A volunteer of branch_a (org_only) with their Member, a colleague in branch_a, a member of
    branch_b, each with a dues rate, a payment, a study record and a 请战书."""
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="dangyuan13")
    mine = _member("本人党员", world.branch_a, user=volunteer)
    colleague = _member("同支部党员", world.branch_a)
    other = _member("外科党员", world.branch_b)
    return SimpleNamespace(
        world=world,
        volunteer=volunteer,
        mine=_rows_of(mine, "本人"),
        colleague=_rows_of(colleague, "同事"),
        other=_rows_of(other, "外科"),
    )


OWN_ROWS = [
    ("rate", DuesRate),
    ("payment", DuesPayment),
    ("completion", StudyCompletion),
    ("pledge", Pledge),
]


# --- 仅限本人 --------------------------------------------------------------------------------


@pytest.mark.parametrize(("attr", "model"), OWN_ROWS, ids=[a for a, _ in OWN_ROWS])
def test_a_member_sees_their_own_row_and_not_a_colleagues(party, attr, model):
    seen = ids(scoped(party.volunteer, model, VIEW))
    assert seen == {getattr(party.mine, attr).pk}


@pytest.mark.parametrize(("attr", "model"), OWN_ROWS, ids=[a for a, _ in OWN_ROWS])
def test_a_colleagues_row_is_a_404_for_a_member(party, attr, model):
    with pytest.raises(Http404):
        get_scoped_or_404(party.volunteer, model, VIEW, pk=getattr(party.colleague, attr).pk)
    assert get_scoped_or_404(party.volunteer, model, VIEW, pk=getattr(party.mine, attr).pk)


def test_a_member_keeps_their_own_study_and_pledge_but_never_their_dues(party):
    """Marking study done and writing or withdrawing a 请战书 are the member's own; the dues are
    booked by the branch: the volunteer changes or exports none, not even their own."""
    volunteer = party.volunteer
    assert ids(scoped(volunteer, StudyCompletion, CHANGE)) == {party.mine.completion.pk}
    assert ids(scoped(volunteer, Pledge, CHANGE)) == {party.mine.pledge.pk}
    for model in (DuesRate, DuesPayment):
        assert not scoped(volunteer, model, CHANGE).exists()
        assert not scoped(volunteer, model, EXPORT).exists()
    with pytest.raises(PermissionDenied):
        ensure_in_scope(volunteer, party.mine.payment, CHANGE)
    with pytest.raises(PermissionDenied):
        ensure_in_scope(volunteer, party.colleague.completion, CHANGE)


@pytest.mark.parametrize("scope", [Scope.ALL, Scope.ORG_SUBTREE, Scope.REGION, Scope.SELF])
def test_own_only_holds_whatever_the_members_scope(party, scope):
    """Even a volunteer granted over 全部 reads only their own dues, study and pledges."""
    user = party.volunteer
    user.grants.all().delete()
    GrantFactory(
        user=user,
        role=Role.MEMBER,
        scope=scope,
        org=party.world.branch_a if scope == Scope.ORG_SUBTREE else None,
        region_prefixes="210681" if scope == Scope.REGION else "",
    )
    user.refresh_from_db()
    for attr, model in OWN_ROWS:
        assert ids(scoped(user, model, VIEW)) == {getattr(party.mine, attr).pk}, model.__name__


def test_the_branch_secretary_sees_everyones_rows_of_the_branch(party):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_ONLY, party.world.branch_a)
    for attr, model in OWN_ROWS:
        assert ids(scoped(secretary, model, VIEW)) == {getattr(party.mine, attr).pk, getattr(party.colleague, attr).pk}
    # The secretary keeps the branch's dues and exports its statement.
    assert ids(scoped(secretary, DuesPayment, CHANGE)) == {party.mine.payment.pk, party.colleague.payment.pk}
    assert ids(scoped(secretary, DuesPayment, EXPORT)) == {party.mine.payment.pk, party.colleague.payment.pk}


def test_the_party_office_over_the_committee_sees_both_branches(party):
    clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, party.world.committee)
    for attr, model in OWN_ROWS:
        expected = {getattr(rows, attr).pk for rows in (party.mine, party.colleague, party.other)}
        assert ids(scoped(clerk, model, VIEW)) == expected, model.__name__


def test_nobody_sees_another_branchs_rows_without_a_grant_there(party):
    for role in (Role.SECRETARY, Role.CLERK, Role.LEADER, Role.MEMBER, Role.ADMIN):
        user = user_with_grant(role, Scope.ORG_SUBTREE, party.world.branch_a)
        for attr, model in OWN_ROWS:
            assert getattr(party.other, attr).pk not in ids(scoped(user, model, VIEW)), f"{role} {model.__name__}"


def test_own_only_does_not_leak_through_a_self_grant_or_another_role(party):
    """A 仅本人 grant opens the holder's own rows only; a second grant of another role over the
    branch (a leader's) opens the branch as that role allows — and the member's own-only rule does
    not narrow it, nor does it widen the member grant."""
    world = party.world
    self_only = user_with_grant(Role.SECRETARY, Scope.SELF, None)
    own = _member("仅本人党员", world.group_a, user=self_only)
    own_rows = _rows_of(own, "仅本人")
    for attr, model in OWN_ROWS:
        assert ids(scoped(self_only, model, VIEW)) == {getattr(own_rows, attr).pk}, model.__name__

    both = party.volunteer
    GrantFactory(user=both, role=Role.LEADER, scope=Scope.ORG_ONLY, org=world.branch_b)
    both.refresh_from_db()
    for attr, model in OWN_ROWS:
        assert ids(scoped(both, model, VIEW)) == {getattr(party.mine, attr).pk, getattr(party.other, attr).pk}
    # The leader reads, never changes: the second grant adds nothing to what the member may change.
    assert ids(scoped(both, Pledge, CHANGE)) == {party.mine.pledge.pk}
    assert not scoped(both, DuesPayment, CHANGE).exists()


def test_a_doctor_sees_none_of_it(party):
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, party.world.committee)
    for _attr, model in OWN_ROWS:
        assert not scoped(doctor, model, VIEW).exists(), model.__name__
    assert not scoped(doctor, Emergency, VIEW).exists()
    assert not scoped(doctor, StudyItem, VIEW).exists()


# --- rows of the organizations above ---------------------------------------------------------


def test_ancestor_paths_lists_the_organizations_above(world):
    assert ancestor_paths(world.group_a.path) == [world.committee.path, world.branch_a.path]
    assert ancestor_paths(world.committee.path) == []


@pytest.fixture
def above(world):
    """The committee's emergency with a report, a working group, a duty shift and a pushed study
    item; branch_b's emergency; a committee meeting; a volunteer of branch_a (org_only)."""
    committee = world.committee
    crisis = Emergency.objects.create(org=committee, name="党委应急事件", start_on=TODAY)
    starts = timezone.now()
    return SimpleNamespace(
        world=world,
        volunteer=user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a),
        emergency=crisis,
        report=DailyReport.objects.create(emergency=crisis, day=TODAY, counts={"screened": 3}),
        group=WorkingGroup.objects.create(emergency=crisis, name="医疗救治组"),
        shift=DutyShift.objects.create(
            emergency=crisis,
            site="党委隔离病区",
            member=_member("党委值班人", committee),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=8),
        ),
        item=StudyItem.objects.create(org=committee, title="党委微课堂", published_on=TODAY),
        rule=ComplianceRule.objects.create(
            org=committee, kind=MeetingKind.LECTURE, period=Period.MONTH, start_on=TODAY
        ),
        sibling_emergency=Emergency.objects.create(org=world.branch_b, name="外科应急事件", start_on=TODAY),
        meeting=Meeting.objects.create(org=committee, kind=MeetingKind.COMMITTEE, title="党委会", held_on=TODAY),
    )


def _committee_rows(above):
    return [above.emergency, above.report, above.group, above.shift, above.item, above.rule]


def test_a_member_reads_what_the_committee_above_runs_and_pushes(above):
    for row in _committee_rows(above):
        assert get_scoped_or_404(above.volunteer, type(row), VIEW, pk=row.pk) == row


def test_a_member_changes_none_of_what_the_committee_runs(above):
    for row in _committee_rows(above):
        assert not scoped(above.volunteer, type(row), CHANGE).exists(), type(row).__name__
        with pytest.raises(PermissionDenied):
            get_scoped_or_404(above.volunteer, type(row), CHANGE, pk=row.pk)


def test_a_secretary_below_reads_but_neither_changes_nor_exports_the_committees_emergency(above):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, above.world.branch_a)
    clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, above.world.branch_a)
    for user in (secretary, clerk):
        assert above.emergency.pk in ids(scoped(user, Emergency, VIEW))
        assert above.emergency.pk not in ids(scoped(user, Emergency, CHANGE))
    assert above.emergency.pk not in ids(scoped(clerk, Emergency, EXPORT))


def test_a_sibling_is_not_above(above):
    assert above.sibling_emergency.pk not in ids(scoped(above.volunteer, Emergency, VIEW))
    with pytest.raises(Http404):
        get_scoped_or_404(above.volunteer, Emergency, VIEW, pk=above.sibling_emergency.pk)


def test_a_committee_meeting_is_not_read_below(above):
    """Meetings, dues, funds and honours are the grant's organization's and below only."""
    assert not scoped(above.volunteer, Meeting, VIEW).filter(pk=above.meeting.pk).exists()


def test_a_group_member_reads_the_branchs_and_the_committees_rows(above):
    """Every organization above counts, not only the parent: a 党小组's member reads the
    committee's emergency and the branch's study items."""
    world = above.world
    grouped = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.group_a)
    branch_item = StudyItem.objects.create(org=world.branch_a, title="支部文件", published_on=TODAY)
    assert {above.item.pk, branch_item.pk} <= ids(scoped(grouped, StudyItem, VIEW))
    assert above.emergency.pk in ids(scoped(grouped, Emergency, VIEW))


def test_a_region_or_self_grant_opens_nothing_above(above):
    regional = user_with_grant(Role.LEADER, Scope.REGION, None, region_prefixes="210681")
    self_only = user_with_grant(Role.LEADER, Scope.SELF, None)
    for user in (regional, self_only):
        for row in _committee_rows(above):
            assert not scoped(user, type(row), VIEW).filter(pk=row.pk).exists(), type(row).__name__


# --- one's own duty ----------------------------------------------------------------------------


def test_the_one_on_duty_sees_their_own_shift_on_a_siblings_emergency(world):
    """branch_b runs an emergency the volunteer of branch_a cannot read; their own shift on it they
    see, and only see: the roster stays the branch_b managers'."""
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a)
    mine = _member("本人值班", world.branch_a, user=volunteer)
    crisis = Emergency.objects.create(org=world.branch_b, name="外科应急事件", start_on=TODAY)
    starts = timezone.now()

    def shift(member, site):
        return DutyShift.objects.create(
            emergency=crisis, site=site, member=member, starts_at=starts, ends_at=starts + datetime.timedelta(hours=8)
        )

    own = shift(mine, "外科隔离病区一")
    colleague = shift(_member("外科值班人", world.branch_b), "外科隔离病区二")
    assert ids(scoped(volunteer, DutyShift, VIEW)) == {own.pk}
    assert not scoped(volunteer, Emergency, VIEW).filter(pk=crisis.pk).exists()
    assert not scoped(volunteer, DutyShift, CHANGE).exists()
    assert colleague.pk not in ids(scoped(volunteer, DutyShift, VIEW))
    # A secretary's grant elsewhere still gives view only of their own shift, never its change.
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.group_a)
    _member("书记本人", world.group_a, user=secretary)
    DutyShift.objects.filter(pk=own.pk).update(member=secretary.member)
    assert own.pk in ids(scoped(secretary, DutyShift, VIEW))
    assert own.pk not in ids(scoped(secretary, DutyShift, CHANGE))


# --- the access table says the same (access_expectations.md, read by the access matrix) ----------


def test_the_access_table_states_the_issue_13_rules():
    from xianfeng.accounts.tests import expectations
    from xianfeng.emergencies.models import FrontLineApplication

    exp = expectations.load()
    # 仅限本人: a volunteer reads only their own dues, study and pledges, whatever the scope.
    for area in ("dues", "study", "pledges"):
        for scope in expectations.SCOPES:
            assert not exp.allowed("member", area, VIEW, scope, "in_org"), (area, scope)
            assert exp.allowed("member", area, VIEW, scope, "own"), (area, scope)
    assert exp.allowed("member", "pledges", CHANGE, "org_only", "own")
    assert not exp.allowed("member", "dues", CHANGE, "org_only", "own")
    assert exp.allowed("secretary", "dues", VIEW, "org_only", "in_org")
    # Rows of the organization above: read, never changed; meetings are not among them.
    assert exp.allowed("member", "emergencies", VIEW, "org_only", "elsewhere")
    assert not exp.allowed("member", "emergencies", CHANGE, "org_only", "elsewhere")
    assert not exp.allowed("clerk", "emergencies", EXPORT, "org_subtree", "elsewhere")
    assert exp.allowed("member", "partylifepushed", VIEW, "org_only", "elsewhere")
    assert not exp.allowed("member", "partylife", VIEW, "org_only", "elsewhere")
    assert not exp.allowed("member", "emergencies", VIEW, "org_only", "in_sibling")
    # The areas of the new models.
    assert exp.area_of(StudyItem) == exp.area_of(ComplianceRule) == "partylifepushed"
    assert exp.area_of(Meeting) == "partylife" and exp.area_of(StudyCompletion) == "study"
    assert exp.area_of(DuesPayment) == exp.area_of(DuesRate) == "dues"
    assert exp.area_of(Pledge) == "pledges" and exp.area_of(DutyShift) == "emergencies"
    assert exp.area_of(FrontLineApplication) == "members"
