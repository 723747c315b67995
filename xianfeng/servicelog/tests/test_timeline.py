"""Service records on the resident's and household's timelines: newest first, linked to the
record, voided ones struck and marked, activity attendance named, health-level records only
for users holding the health level, a household's page showing its members' records."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.models import Household
from xianfeng.residents.tests.factories import (
    TOWN_A,
    VILLAGE_A,
    VILLAGE_B,
    HouseholdFactory,
    ResidentFactory,
    county_regions,
)
from xianfeng.residents.timeline import household_timeline, resident_timeline

from .factories import ActivityFactory, ServiceRecordFactory, service_type

TODAY = timezone.localdate()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def scene(world):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doc")
    member = MemberFactory(name="王志愿", branch=world.branch_a, user=volunteer)
    household = HouseholdFactory(village_id=VILLAGE_A, number="DG0001")
    head = ResidentFactory(
        name="李大爷", village_id=VILLAGE_A, household=household, birth_date=datetime.date(1950, 1, 1)
    )
    wife = ResidentFactory(
        name="张大娘", village_id=VILLAGE_A, household=household, birth_date=datetime.date(1952, 1, 1)
    )
    Household.objects.filter(pk=household.pk).update(head=head)
    other = ResidentFactory(name="外人甲", village_id=VILLAGE_A)
    common = dict(org=world.branch_a, created_by=volunteer)
    records = {
        "delivery": ServiceRecordFactory(
            service_type=service_type("medicine_delivery"), resident=head, served_on=ago(5), provider=member, **common
        ),
        "meals": ServiceRecordFactory(
            service_type=service_type("meal_delivery"), resident=head, served_on=ago(3), quantity=Decimal("2"), **common
        ),
        "followup": ServiceRecordFactory(
            service_type=service_type("followup_home"),
            resident=head,
            served_on=ago(2),
            result={"stability": "stable"},
            **common,
        ),
        "voided": ServiceRecordFactory(
            service_type=service_type("errands"),
            resident=head,
            served_on=ago(4),
            voided_at=timezone.now(),
            void_reason="重复登记",
            **common,
        ),
        "visit": ServiceRecordFactory(
            service_type=service_type("household_visit"), household=household, served_on=ago(1), **common
        ),
        "wife": ServiceRecordFactory(
            service_type=service_type("home_nursing_edu"), resident=wife, served_on=ago(6), **common
        ),
        "other": ServiceRecordFactory(service_type=service_type("errands"), resident=other, served_on=ago(1), **common),
    }
    clinic = ActivityFactory(title="孤山镇冯家屯义诊", org=world.branch_a, region_id=VILLAGE_A)
    records["clinic"] = ServiceRecordFactory(
        service_type=service_type("health_consult"), resident=head, activity=clinic, served_on=ago(7), **common
    )
    return world, volunteer, doctor, head, household, records


def _services(events):
    return [e for e in events if e.kind in ("service", "service_voided", "activity")]


def test_the_resident_timeline_lists_their_records_newest_first_with_links(scene):
    _world, volunteer, _doctor, head, _household, records = scene
    events = _services(resident_timeline(user=volunteer, resident=head))
    titles = [e.title for e in events]
    assert titles == ["送餐上门", "代办代购", "送药上门", "参加活动：孤山镇冯家屯义诊"]
    meals, voided, delivery, clinic = events
    assert meals.url == reverse("servicelog:record_detail", args=[records["meals"].pk])
    assert "2 份" in meals.detail
    assert "服务人员：王志愿" in delivery.detail
    assert voided.struck and voided.detail.startswith("已作废（重复登记）")
    assert clinic.kind == "activity" and "健康咨询" in clinic.detail


def test_health_level_records_appear_only_to_the_health_level(scene, login):
    _world, volunteer, doctor, head, _household, _records = scene
    assert "入户随访" not in [e.title for e in resident_timeline(user=volunteer, resident=head)]
    doctor_events = _services(resident_timeline(user=doctor, resident=head))
    assert doctor_events[0].title == "入户随访" and "病情：稳定" in doctor_events[0].detail
    page = login(volunteer).get(reverse("residents:detail", args=[head.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "送药上门" in text and "参加活动：孤山镇冯家屯义诊" in text and "入户随访" not in text


def test_the_resident_page_strikes_voided_records_through(scene, login):
    _world, volunteer, _doctor, head, _household, records = scene
    text = login(volunteer).get(reverse("residents:detail", args=[head.pk])).content.decode()
    voided = reverse("servicelog:record_detail", args=[records["voided"].pk])
    assert f'<del><a href="{voided}">代办代购</a></del> · 已作废（重复登记）' in text
    delivery = reverse("servicelog:record_detail", args=[records["delivery"].pk])
    assert f'<a href="{delivery}">送药上门</a>' in text and f'<del><a href="{delivery}">' not in text


def test_the_household_page_shows_its_records_and_its_members_records(scene, login):
    _world, volunteer, doctor, _head, household, records = scene
    titles = [e.title for e in household_timeline(user=volunteer, household=household)]
    assert titles[0] == "入户走访"  # the household's own, newest
    assert "送药上门 · 李大爷" in titles and "居家护理指导 · 张大娘" in titles
    assert not any("外人甲" in t for t in titles)
    assert not any("入户随访" in t for t in titles)
    assert "入户随访 · 李大爷" in [e.title for e in household_timeline(user=doctor, household=household)]
    page = login(volunteer).get(reverse("residents:household_detail", args=[household.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "时间线" in text and "居家护理指导 · 张大娘" in text
    assert "<del>" in text and "已作废（重复登记）" in text
    assert reverse("servicelog:record_detail", args=[records["visit"].pk]) in text


def test_records_out_of_scope_stay_off_the_timeline(scene, world):
    _world, volunteer, _doctor, head, _household, _records = scene
    county_regions()
    ServiceRecordFactory(
        service_type=service_type("medicine_delivery"), resident=head, org=world.branch_b, place=VILLAGE_B
    )
    assert len(_services(resident_timeline(user=volunteer, resident=head))) == 4  # not branch B's record
    assert len(_services(resident_timeline(user=world.outsider, resident=head))) == 1  # only branch B's
