"""结对帮扶 against the database: pairing, contacts moving the due date, the compliance table
against hand-computed figures (one aggregate query), the one-click pairing of a medical team's
families (all or nothing, never twice) and scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.accounts.scoping import scoped
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs.compliance import WEEK, compliance_table
from xianfeng.programs.models import Enrollment, Status
from xianfeng.programs.services_pairing import (
    pairing_create,
    pairing_for_team_families,
    pairing_record_contact,
    team_families,
)
from xianfeng.residents.models import HouseholdTag, HouseholdTagKind
from xianfeng.residents.tests.factories import VILLAGE_A, VILLAGE_B, HouseholdFactory, ResidentFactory
from xianfeng.servicelog.services import record_void
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
# The Monday three weeks before this week's: weeks W0, W1, W2 are over, W3 is this one.
MON = TODAY - datetime.timedelta(days=TODAY.weekday()) - 21 * DAY


def d(offset: int) -> datetime.date:
    return MON + offset * DAY


def family(head_name="孙大妈", village=VILLAGE_A):
    head = ResidentFactory(name=head_name, village_id=village)
    household = HouseholdFactory(village_id=village, head=head)
    head.household = household
    head.save(update_fields=["household"])
    return household


def contact(user, pair, on, **data):
    return pairing_record_contact(acting_user=user, enrollment=pair, visited_on=on, **data)


@pytest.fixture
def pairs(people):
    """A: a family, 2 a week from W0's Monday. B: a resident, 1 a week from W1's Wednesday."""
    a = pairing_create(
        acting_user=people.volunteer,
        household=family(),
        responsible_member=people.member,
        enrolled_on=MON,
        kind="family_of_staff",
    )
    b = pairing_create(
        acting_user=people.volunteer,
        resident=people.resident,
        responsible_member=people.member,
        target_count=1,
        enrolled_on=d(9),
    )
    return people, a, b


def test_a_pair_needs_a_member_or_a_team_and_gets_its_defaults(people):
    with pytest.raises(ValidationError) as exc:
        pairing_create(acting_user=people.volunteer, household=family())
    assert "responsible_member" in exc.value.message_dict
    pair = pairing_create(acting_user=people.volunteer, household=family("周大爷"), responsible_member=people.member)
    assert pair.data == {"target_count": 2, "target_period": "week"}
    assert pair.next_due_on == TODAY  # the first contact is due at once
    assert pair.org == people.member.branch


def test_contacts_move_the_due_date_two_a_week(pairs):
    people, a, _b = pairs
    contact(people.volunteer, a, d(0))
    a.refresh_from_db()
    assert (a.status, a.next_due_on) == (Status.ACTIVE, d(3))
    visit = contact(people.volunteer, a, d(3), needs="买药", need_raised=True)
    a.refresh_from_db()
    assert a.next_due_on == d(6)
    assert visit.record.service_type.code == "family_support"
    assert visit.record.result == {"mode": "phone", "reached": True, "needs": "买药", "need_raised": True}
    for day in (8, 9, 10):  # three calls nobody answered: lost
        contact(people.volunteer, a, d(day), reached=False)
    a.refresh_from_db()
    assert (a.status, a.misses) == (Status.LOST, 3)


def test_a_township_pairs_contacts_fit_the_service_types(people):
    pair = pairing_create(
        acting_user=people.volunteer,
        region=people.regions["210681101"],
        responsible_member=people.member,
        target_count=1,
        target_period="month",
        kind="poor_patients",
    )
    assert pair.township_code == "210681101"
    anonymous = contact(people.volunteer, pair, TODAY)
    named = contact(people.volunteer, pair, TODAY, mode="visit", resident=people.resident)
    assert anonymous.record.service_type.code == "health_consult" and anonymous.record.resident is None
    assert named.record.service_type.code == "home_nursing_edu" and named.record.resident == people.resident
    pair.refresh_from_db()
    assert pair.status == Status.ACTIVE


def test_compliance_per_week_against_hand_computed_figures(pairs, django_assert_max_num_queries):
    people, a, b = pairs
    # A (2 a week): W0 Mon+Thu = 2 met; W1 Tue reached, Wed unanswered, Fri voided = 1 missed;
    # W2 Mon+Wed+Fri = 3 met.
    for day in (0, 3, 8, 14, 16, 18):
        contact(people.volunteer, a, d(day))
    contact(people.volunteer, a, d(9), reached=False)
    voided = contact(people.volunteer, a, d(11))
    record_void(acting_user=people.volunteer, record=voided.record, reason="登记错了")
    # B (1 a week, paired W1's Wednesday: W1's target prorated 5/7 → 1): W1 Thu = met; W2 none = missed.
    contact(people.volunteer, b, d(10))

    people.volunteer = type(people.volunteer).objects.get(pk=people.volunteer.pk)  # no cached grants
    with django_assert_max_num_queries(4):
        table = compliance_table(people.volunteer, period=WEEK, start=MON, end=d(20))
    cells = {row.enrollment.pk: [(c.made, c.target, c.status) if c else None for c in row.cells] for row in table.rows}
    assert cells[a.pk] == [(2, 2, "met"), (1, 2, "missed"), (3, 2, "met")]
    assert cells[b.pk] == [None, (1, 1, "met"), (0, 1, "missed")]
    assert (table.met, table.missed, table.rate) == (3, 2, 60.0)


def test_the_table_costs_the_same_queries_for_more_pairs(pairs):
    people, a, _b = pairs
    contact(people.volunteer, a, d(0))

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            compliance_table(people.volunteer, period=WEEK, start=MON, end=d(20))
        return len(ctx)

    before = queries()
    for name in ("钱大妈", "吴大爷", "郑奶奶"):
        pair = pairing_create(
            acting_user=people.volunteer, household=family(name), responsible_member=people.member, enrolled_on=MON
        )
        contact(people.volunteer, pair, d(1))
    assert queries() == before


def test_monthly_pairs_are_counted_per_calendar_month(people):
    start = (TODAY.replace(day=1) - 70 * DAY).replace(day=1)  # the first of a month 2–3 months ago
    pair = pairing_create(
        acting_user=people.volunteer,
        household=family(),
        responsible_member=people.member,
        target_count=1,
        target_period="month",
        enrolled_on=start,
    )
    contact(people.volunteer, pair, start + 3 * DAY, mode="visit")
    second = (start + 32 * DAY).replace(day=1)
    table = compliance_table(people.volunteer, period="month", start=start, end=second + 27 * DAY)
    row = table.rows[0]
    assert [(c.made, c.target, c.status) for c in row.cells] == [(1, 1, "met"), (0, 1, "missed")]
    # A weekly table leaves the monthly pair out.
    assert compliance_table(people.volunteer, period=WEEK, start=start, end=second).rows == []


def test_nobody_outside_scope_sees_the_pairs(pairs, world):
    people, a, b = pairs
    assert not scoped(world.outsider, Enrollment).filter(pk__in=[a.pk, b.pk]).exists()
    assert compliance_table(world.outsider, period=WEEK, start=MON, end=d(20)).rows == []
    # A pair of branch B's is not in branch A's volunteer's table either.
    member_b = MemberFactory(name="外科志愿者", branch=world.branch_b)
    other = pairing_create(acting_user=world.admin, household=family("外村户", VILLAGE_B), responsible_member=member_b)
    rows = compliance_table(people.volunteer, period=WEEK, start=MON, end=TODAY).rows
    assert other.pk not in {r.enrollment.pk for r in rows}


# --- one click from a medical team -----------------------------------------------------------


@pytest.fixture
def medical_team(people, world):
    """医疗队 of branch A: 张医生 (V001), 李护士, 赵医生; their families tagged 援鄂医务人员家庭."""
    team = TeamFactory(name="援鄂医疗队", kind=Team.Kind.MEDICAL, owner_org=world.branch_a)
    staff = {
        "张医生": MemberFactory(name="张医生", branch=world.branch_a, volunteer_no="V001"),
        "李护士": MemberFactory(name="李护士", branch=world.branch_a),
        "赵医生": MemberFactory(name="赵医生", branch=world.branch_a),
    }
    for member in staff.values():
        MembershipFactory(team=team, member=member, start_on=TODAY - 30 * DAY)

    def tagged(name, note, **dates):
        household = family(name)
        HouseholdTag.objects.create(household=household, tag=HouseholdTagKind.MEDICAL_FAMILY, note=note, **dates)
        return household

    homes = {
        "zhang": tagged("张父", "队员志愿者编号 V001 的父母"),
        "li": tagged("李母", "李护士之母"),
        "nobody": tagged("无名户", ""),  # no staff member named: not the team's
        "ended": tagged("赵家", "赵医生家属", valid_to=TODAY - DAY),  # no longer a medical family
    }
    clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.branch_a, username="dangban")
    return team, staff, homes, clerk


def test_the_team_families_follow_the_documented_rule(medical_team):
    team, staff, homes, clerk = medical_team
    found = {f.household.pk: f.staff.name for f in team_families(clerk, team)}
    assert found == {homes["zhang"].pk: "张医生", homes["li"].pk: "李护士"}


def test_one_click_pairs_every_family_once(people, medical_team):
    team, _staff, homes, clerk = medical_team
    made = pairing_for_team_families(acting_user=clerk, team=team, member=people.member)
    assert sorted(p.household_id for p in made) == sorted([homes["zhang"].pk, homes["li"].pk])
    assert {p.data["staff"] for p in made} == {"张医生", "李护士"}
    assert all(p.data["kind"] == "family_of_staff" and p.responsible_member == people.member for p in made)
    assert pairing_for_team_families(acting_user=clerk, team=team, member=people.member) == []  # second click
    assert Enrollment.objects.filter(program="pairing").count() == 2
    assert all(f.pairing is not None for f in team_families(clerk, team))


def test_one_click_is_all_or_nothing(people, medical_team, world):
    team, _staff, homes, clerk = medical_team
    with pytest.raises(ValidationError) as exc:  # no volunteer for 李护士's family
        pairing_for_team_families(acting_user=clerk, team=team, volunteers={homes["zhang"].pk: people.member})
    assert list(exc.value.message_dict) == [f"family_{homes['li'].pk}"]
    outside = MemberFactory(name="外科队员", branch=world.branch_b)
    with pytest.raises(ValidationError):  # a volunteer outside the clerk's scope for one family
        pairing_for_team_families(
            acting_user=clerk, team=team, volunteers={homes["zhang"].pk: people.member, homes["li"].pk: outside}
        )
    assert not Enrollment.objects.filter(program="pairing").exists()


def test_one_click_needs_a_medical_team_in_scope(people, medical_team, world):
    team, _staff, _homes, clerk = medical_team
    commando = TeamFactory(kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    with pytest.raises(ValidationError, match="医疗队"):
        pairing_for_team_families(acting_user=clerk, team=commando, member=people.member)
    with pytest.raises(ValidationError) as exc:
        pairing_for_team_families(acting_user=world.outsider, team=team, member=people.member)
    assert "team" in exc.value.message_dict
