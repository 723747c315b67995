"""Activities through their services: create and replay, parts kept in step, status, void,
participants' hours, quantities' units, named attendees all or nothing, evidence."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, VILLAGE_B, ResidentFactory, county_regions
from xianfeng.servicelog import services_activities as services
from xianfeng.servicelog import services_attendees, services_evidence
from xianfeng.servicelog.models import Activity, ActivityFile, ActivityParticipant, ActivityQuantity, ServiceRecord
from xianfeng.teams.models import Team, TeamMembership

from .factories import service_type

NOW = timezone.now()
YESTERDAY = NOW - datetime.timedelta(days=1)


@pytest.fixture
def setup(world):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    leader = MemberFactory(name="张书记", branch=world.branch_a, user=secretary)
    mate = MemberFactory(name="李医生", branch=world.branch_a)
    stranger = MemberFactory(name="外人", branch=world.branch_b)
    team = Team.objects.create(name="内科先锋队", kind=Team.Kind.VANGUARD, owner_org=world.group_a)
    TeamMembership.objects.create(team=team, member=leader, start_on=datetime.date(2020, 1, 1))
    world.regions = regions
    return world, secretary, leader, mate, stranger, team


def create(user, **kwargs):
    fields = dict(title="孤山镇义诊", kind=Activity.Kind.FREE_CLINIC, start_at=YESTERDAY, status="held")
    fields.update(kwargs)
    return services.activity_create(acting_user=user, **fields)


def test_a_secretary_records_a_held_free_clinic_with_hours_and_quantities(setup):
    world, secretary, leader, mate, _stranger, team = setup
    saved = create(
        secretary,
        teams=[team],
        region=world.regions[VILLAGE_A],
        headcount=40,
        service_types=[service_type("free_clinic")],
        participants=[(leader, "3.5"), (mate, Decimal("4"), "问诊")],
        quantities=[(service_type("leaflet"), 200, "份")],
    )
    activity = saved.activity
    assert saved.created and activity.counts
    assert activity.org == world.group_a  # the first team's organization
    assert (activity.village_code, activity.township_code, activity.county_code) == (VILLAGE_A, TOWN_A, "210681")
    parts = list(ActivityParticipant.objects.filter(activity=activity).order_by("id"))
    assert [(p.member, p.hours, p.counted, p.village_code) for p in parts] == [
        (leader, Decimal("3.5"), True, VILLAGE_A),
        (mate, Decimal("4.0"), True, VILLAGE_A),
    ]
    quantity = ActivityQuantity.objects.get(activity=activity)
    assert (quantity.quantity, quantity.unit, quantity.counted) == (Decimal("200"), "份", True)
    assert ChangeLog.objects.filter(model="servicelog.Activity", object_id=str(activity.pk), action="create").exists()


def test_the_same_idempotency_key_makes_one_activity(setup):
    _world, secretary, *_rest, team = setup
    first = create(secretary, teams=[team], idempotency_key="act-1")
    second = create(secretary, teams=[team], idempotency_key="act-1", title="另一个名字")
    assert second.activity.pk == first.activity.pk and not second.created
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("title", {"title": "  "}),
        ("start_at", {"start_at": None}),
        ("start_at", {"start_at": datetime.datetime(1999, 12, 31, 8, tzinfo=datetime.UTC)}),
        ("end_at", {"end_at": YESTERDAY - datetime.timedelta(hours=1)}),
        ("start_at", {"start_at": NOW + datetime.timedelta(days=2)}),  # held but not yet begun
        ("headcount", {"headcount": 10**12}),
        ("headcount", {"headcount": -1}),
        ("region", {"region": "210681"}),  # a county is not a township or village
        ("region", {"region": "999999999"}),
        ("kind", {"kind": "party"}),
        ("service_types", {"service_types": ["followup_home"]}),  # health type without the health level
        ("quantities", {"quantities": [("leaflet", "5", "元")]}),  # a unit the type does not take
        ("quantities", {"quantities": [("leaflet", "0", "")]}),
        ("participants", {"participants": [("mate", "25")]}),  # more than 24 h in one day
        ("participants", {"participants": [("stranger", "1")]}),  # outside the user's scope
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(setup, field, kwargs):
    world, secretary, leader, mate, stranger, team = setup
    names = {"mate": mate, "stranger": stranger}
    if "service_types" in kwargs:
        kwargs = {"service_types": [service_type(c) for c in kwargs["service_types"]]}
    if "quantities" in kwargs:
        kwargs = {"quantities": [(service_type(c), q, u) for c, q, u in kwargs["quantities"]]}
    if "participants" in kwargs:
        kwargs = {"participants": [(names[n], h) for n, h in kwargs["participants"]]}
    if kwargs.get("region") == "210681":
        kwargs = {"region": world.regions["210681"]}
    with pytest.raises(ValidationError) as exc:
        create(secretary, teams=[team], **kwargs)
    assert field in exc.value.message_dict
    assert Activity.objects.count() == 0 and ActivityParticipant.objects.count() == 0


def test_an_activity_outside_the_users_scope_is_refused(setup):
    world, secretary, *_rest = setup
    with pytest.raises(PermissionDenied):
        create(secretary, org=world.branch_b)
    assert Activity.objects.count() == 0


def test_hours_may_reach_24_per_day_of_a_longer_activity(setup):
    _world, secretary, leader, *_rest, team = setup
    start = YESTERDAY - datetime.timedelta(days=2)
    activity = create(secretary, teams=[team], start_at=start, end_at=start + datetime.timedelta(days=2)).activity
    services.activity_set_participants(acting_user=secretary, activity=activity, participants=[(leader, "72")])
    with pytest.raises(ValidationError):
        services.activity_set_participants(acting_user=secretary, activity=activity, participants=[(leader, "72.5")])
    assert ActivityParticipant.objects.get(activity=activity).hours == Decimal("72")


def test_parts_follow_status_changes_and_the_void(setup):
    world, secretary, leader, *_rest, team = setup
    activity = create(
        secretary, teams=[team], status="planned", start_at=NOW + datetime.timedelta(days=3), participants=[(leader, 2)]
    ).activity
    part = ActivityParticipant.objects.get(activity=activity)
    assert not part.counted  # planned: nothing counts yet
    with pytest.raises(ValidationError) as exc:
        services.activity_set_status(acting_user=secretary, activity=activity, status="held")
    assert "status" in exc.value.message_dict  # not begun yet
    services.activity_update(acting_user=secretary, activity=activity, start_at=YESTERDAY)
    services.activity_set_status(acting_user=secretary, activity=activity, status="held")
    part.refresh_from_db()
    assert part.counted and part.served_on == timezone.localtime(YESTERDAY).date()
    services.activity_update(acting_user=secretary, activity=activity, region=world.regions[VILLAGE_A])
    part.refresh_from_db()
    assert part.village_code == VILLAGE_A
    with pytest.raises(ValidationError):
        services.activity_set_status(acting_user=secretary, activity=activity, status="planned")
    with pytest.raises(ValidationError):
        services.activity_void(acting_user=secretary, activity=activity, reason=" ")
    services.activity_void(acting_user=secretary, activity=activity, reason="重复录入")
    activity.refresh_from_db()
    part.refresh_from_db()
    assert activity.is_voided and not activity.counts and not part.counted
    with pytest.raises(ValidationError):
        services.activity_update(acting_user=secretary, activity=activity, headcount=5)
    assert ChangeLog.objects.filter(model="servicelog.Activity", object_id=str(activity.pk), action="void").exists()


def test_named_attendees_make_one_record_each_all_or_nothing(setup):
    world, secretary, leader, mate, _stranger, team = setup
    activity = create(secretary, teams=[team], region=world.regions[VILLAGE_A], participants=[(leader, 3)]).activity
    people = [ResidentFactory(name=f"居民{i}", village_id=VILLAGE_A) for i in range(5)]
    consult = service_type("health_consult")
    records = services_attendees.activity_add_attendees(
        acting_user=secretary,
        activity=activity,
        residents=people + people[:2],
        service_type=consult,
        idempotency_key="k",
    )
    assert len(records) == 5
    assert {r.resident_id for r in records} == {p.pk for p in people}
    record = records[0]
    assert record.activity == activity and record.org == activity.org and record.team == team
    assert [(p.member, p.hours) for p in record.providers.all()] == [(leader, Decimal("0"))]  # hours count once
    again = services_attendees.activity_add_attendees(
        acting_user=secretary, activity=activity, residents=people, service_type=consult, idempotency_key="k2"
    )
    assert again == [] and ServiceRecord.objects.count() == 5  # already recorded: nothing twice
    outsider = ResidentFactory(name="外村人", village_id=VILLAGE_B)  # not in the secretary's scope
    newcomer = ResidentFactory(name="新来的", village_id=VILLAGE_A)
    with pytest.raises(ValidationError) as exc:
        services_attendees.activity_add_attendees(
            acting_user=secretary, activity=activity, residents=[newcomer, outsider], service_type=consult
        )
    assert "外村人" in str(exc.value.message_dict["residents"])
    assert ServiceRecord.objects.count() == 5  # the newcomer was not saved either


def test_attendees_need_a_held_or_past_activity(setup):
    world, secretary, leader, *_rest, team = setup
    activity = create(secretary, teams=[team], status="planned", start_at=NOW + datetime.timedelta(days=2)).activity
    resident = ResidentFactory(name="王五", village_id=VILLAGE_A)
    with pytest.raises(ValidationError) as exc:
        services_attendees.activity_add_attendees(
            acting_user=secretary, activity=activity, residents=[resident], service_type=service_type("free_clinic")
        )
    assert "residents" in exc.value.message_dict


def test_evidence_is_added_and_removed_through_its_own_services(setup):
    world, secretary, *_rest, team = setup
    activity = create(secretary, teams=[team], region=world.regions[VILLAGE_A]).activity
    item = services_evidence.activity_file_add(
        acting_user=secretary, activity=activity, name="签到表.pdf", data=b"%PDF-1.4 sign-in", caption=" 签到 "
    )
    assert (item.kind, item.original_name, item.caption) == (ActivityFile.Kind.ATTACHMENT, "签到表.pdf", "签到")
    with pytest.raises(ValidationError) as caught:
        services_evidence.activity_file_add(
            acting_user=secretary, activity=activity, name="a.pdf", data=b"%PDF-1.4", caption="长" * 201
        )
    assert "caption" in caught.value.message_dict
    outsider = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_b, username="other")
    with pytest.raises(PermissionDenied):
        services_evidence.activity_file_delete(acting_user=outsider, item=item)
    services.activity_void(acting_user=secretary, activity=activity, reason="重复登记")
    with pytest.raises(ValidationError):
        services_evidence.activity_file_delete(acting_user=secretary, item=item)
    with pytest.raises(ValidationError):
        services_evidence.activity_file_add(acting_user=secretary, activity=activity, name="b.pdf", data=b"%PDF-1.4")
    assert ActivityFile.objects.count() == 1
    assert ChangeLog.objects.filter(model="servicelog.ActivityFile", action="create").count() == 1


def test_evidence_of_a_live_activity_is_removed_with_a_changelog_row(setup):
    world, secretary, *_rest, team = setup
    activity = create(secretary, teams=[team], region=world.regions[VILLAGE_A]).activity
    item = services_evidence.activity_file_add(
        acting_user=secretary, activity=activity, name="签到表.pdf", data=b"%PDF-1.4 sign-in"
    )
    services_evidence.activity_file_delete(acting_user=secretary, item=item)
    assert ActivityFile.objects.count() == 0
    assert ChangeLog.objects.filter(model="servicelog.ActivityFile", object_id=str(item.pk), action="delete").exists()
