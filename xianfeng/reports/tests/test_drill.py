"""Drill-down pages: every figure equals what its drill-down lists plus what it counts without
listing (health rows for a leader), with the same filter; rows outside ``scoped()`` never appear."""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.reports.drill import DRILLABLE
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for
from xianfeng.residents.tests.factories import (
    TOWN_A,
    TOWN_B,
    VILLAGE_A,
    VILLAGE_A2,
    VILLAGE_B,
    HouseholdFactory,
    ResidentFactory,
    county_regions,
)
from xianfeng.servicelog.models import ActivityParticipant, ActivityQuantity
from xianfeng.servicelog.tests.factories import ActivityFactory, ServiceRecordFactory, service_type

D = datetime.date
FILTER = "from=2024-01-01&to=2024-12-31"
SERVED = D(2024, 3, 1)


HELD_ON = D(2024, 5, 1)


def _activity(org, region_code, headcount, *, status="held"):
    start = timezone.make_aware(datetime.datetime.combine(HELD_ON, datetime.time(9)))
    return ActivityFactory(org=org, region_id=region_code, headcount=headcount, start_at=start, status=status)


@pytest.fixture
def facts(world):
    """Branch A (serving 孤山镇) and its group record ordinary and health services, an activity
    with a headcount, hours and quantities; branch B records one service elsewhere."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    member = MemberFactory(name="王志愿", branch=world.branch_a)
    zhang = ResidentFactory(name="张三", village_id=VILLAGE_A)
    li = ResidentFactory(name="李四", village_id=VILLAGE_A2)
    wang = ResidentFactory(name="王五", village_id=VILLAGE_A)  # only a psychiatric follow-up
    home = HouseholdFactory(village_id=VILLAGE_A)
    zhang.household = home
    zhang.save(update_fields=["household"])
    a, g = world.branch_a, world.group_a
    drug = service_type("medicine_delivery")
    ServiceRecordFactory(
        org=a, service_type=drug, resident=zhang, served_on=SERVED, provider=member, provider__hours=Decimal("1.5")
    )
    ServiceRecordFactory(org=g, service_type=drug, resident=zhang, served_on=D(2024, 4, 1))
    ServiceRecordFactory(org=g, service_type=service_type("physical_exam"), resident=li, served_on=SERVED)
    ServiceRecordFactory(
        org=a, service_type=service_type("followup_home"), resident=wang, served_on=SERVED, provider=member
    )
    ServiceRecordFactory(org=a, service_type=service_type("household_visit"), household=home, served_on=SERVED)
    ServiceRecordFactory(
        org=a, service_type=service_type("leaflet"), place=VILLAGE_A2, quantity=Decimal("30"), served_on=SERVED
    )
    voided = ServiceRecordFactory(org=a, service_type=drug, resident=li, served_on=SERVED)
    voided.voided_at = timezone.now()
    voided.save(update_fields=["voided_at"])
    ServiceRecordFactory(org=a, service_type=drug, resident=li, served_on=D(2023, 12, 31))  # before the period
    elsewhere = ResidentFactory(name="赵六", village_id=VILLAGE_B)
    ServiceRecordFactory(org=world.branch_b, service_type=drug, resident=elsewhere, served_on=SERVED)
    lecture = _activity(a, TOWN_A, 40)
    lecture.service_types.add(service_type("health_lecture"))
    part = ActivityParticipant(activity=lecture, member=member, hours=Decimal("3.0"), counted=True)
    part.copy_place(lecture)
    part.save()
    qty = ActivityQuantity(
        activity=lecture, service_type=service_type("leaflet"), quantity=Decimal("100"), unit="份", counted=True
    )
    qty.copy_place(lecture)
    qty.save()
    _activity(a, VILLAGE_A2, 15, status="planned")  # not held: counts nothing
    _activity(world.branch_b, TOWN_B, 7)
    return SimpleNamespace(world=world, zhang=zhang, li=li, wang=wang, home=home, lecture=lecture)


def _page(client, user, key, query=FILTER):
    client.force_login(user)
    return client.get(f"/reports/drill/{key}/?{query}")


def _drill_total(response) -> Decimal:
    match = re.search(r'data-drill-total="([^"]+)"', response.content.decode())
    assert match, "the page states its total"
    return Decimal(match.group(1))


def _hidden(response) -> int:
    return sum(int(n) for n in re.findall(r'data-hidden="(\d+)"', response.content.decode()))


def _figures(user):
    flt = parse_filter(user, {"from": "2024-01-01", "to": "2024-12-31"})
    return metrics_for(user, flt, with_programs=False)


@pytest.mark.parametrize("who", ["reader", "admin", "owner"])
def test_every_figure_equals_its_drill_down(client, facts, who):
    user = getattr(facts.world, who)
    figures = _figures(user)
    for key in DRILLABLE:
        if key == "quantity":
            assert figures["quantity"], "the fixture records quantities"
            for unit, value in figures["quantity"].items():
                response = _page(client, user, key, f"{FILTER}&unit={unit}")
                assert response.status_code == 200
                assert _drill_total(response) == value, (who, key, unit)
            continue
        response = _page(client, user, key)
        assert response.status_code == 200, key
        assert _drill_total(response) == Decimal(figures[key]), (who, key)
        assert "图表中的数字" in response.content.decode()
        assert "bi-check-circle" in response.content.decode(), (who, key)


def test_the_fixture_counts_what_was_computed_by_hand(facts):
    figures = _figures(facts.world.reader)
    # 5 live person-time records in branch A's subtree (leaflets do not count) + 40 headcount.
    assert figures["person_times"] == 5 + 40
    assert figures["persons"] == 3  # 张三 (twice), 李四, 王五
    assert figures["households"] == 1  # 张三's household and the visited household are one
    assert figures["events"] == 1
    assert figures["townships_covered"] == 1 and figures["villages_covered"] == 2
    assert figures["hours"] == Decimal("1.5") + Decimal("1.0") + Decimal("3.0")
    assert figures["quantity"]["份"] == Decimal("130")


def test_a_leader_counts_health_rows_without_seeing_them(client, facts):
    reader = facts.world.reader
    records = _page(client, reader, "person_times")
    assert _hidden(records) == 1
    assert "另有 1 条健康信息记录，仅计数不显示" in records.content.decode()
    persons = _page(client, reader, "persons").content.decode()
    assert "张三" in persons and "李四" in persons
    assert "王五" not in persons  # only a psychiatric follow-up: counted, not named
    assert "另有 1 人只有健康信息记录，仅计数不显示" in persons
    hours = _page(client, reader, "hours").content.decode()
    assert "另有 1 条健康信息记录的服务时长" in hours
    admin = _page(client, facts.world.admin, "persons")
    assert "王五" in admin.content.decode() and _hidden(admin) == 0


def test_rows_outside_the_readers_reach_are_neither_listed_nor_counted(client, facts):
    reader_page = _page(client, facts.world.reader, "persons").content.decode()
    assert "赵六" not in reader_page
    admin_page = _page(client, facts.world.admin, "persons").content.decode()
    assert "赵六" in admin_page
    assert _figures(facts.world.admin)["persons"] == 4


def test_persons_link_to_the_residents_the_reader_may_open(client, facts):
    body = _page(client, facts.world.admin, "persons").content.decode()
    assert f'href="/residents/{facts.zhang.pk}/"' in body
    assert re.search(r"张三</a>", body)


def test_records_and_activities_link_to_their_pages(client, facts):
    body = _page(client, facts.world.reader, "person_times").content.decode()
    assert re.search(r"/servicelog/records/\d+/", body)
    assert f"/servicelog/activities/{facts.lecture.pk}/" in body
    assert "/reports/" in body and "from=2024-01-01" in body


def test_coverage_lists_townships_with_their_records_and_links_to_them(client, facts):
    reader = facts.world.reader
    body = _page(client, reader, "townships_covered").content.decode()
    assert "孤山镇" in body and "前阳镇" not in body
    link = re.search(r'href="([^"]*region=' + TOWN_A + r'[^"]*)"', body)
    assert link, "the township links to its records"
    there = client.get(link.group(1).replace("&amp;", "&"))
    assert there.status_code == 200
    text = there.content.decode()
    assert "该地的服务记录" in text and "张三" in text
    assert _drill_total(there) == 1


def test_villages_covered_lists_the_villages(client, facts):
    body = _page(client, facts.world.reader, "villages_covered").content.decode()
    assert "冯家屯村委会" in body and "谷家屯村委会" in body
    assert _drill_total(_page(client, facts.world.reader, "villages_covered")) == 2


def test_quantity_without_a_unit_lists_the_units(client, facts):
    body = _page(client, facts.world.reader, "quantity").content.decode()
    assert "unit=%E4%BB%BD" in body or "unit=份" in body
    wrong = _page(client, facts.world.reader, "quantity", f"{FILTER}&unit=bogus")
    assert wrong.status_code == 200 and "没有这个计量单位" in wrong.content.decode()


def test_the_same_filter_narrows_the_rows(client, facts):
    narrowed = _page(client, facts.world.reader, "persons", f"{FILTER}&org={facts.world.group_a.pk}")
    text = narrowed.content.decode()
    assert _drill_total(narrowed) == 2 and "张三" in text and "李四" in text
    assert 'value="' + str(facts.world.group_a.pk) + '" selected' in text


def test_unknown_figure_is_404(client, facts):
    assert _page(client, facts.world.reader, "registered").status_code == 404


def test_readers_without_reports_are_refused(client, facts):
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, facts.world.branch_a, username="vol")
    assert _page(client, volunteer, "persons").status_code == 403
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, username="aud")
    assert _page(client, auditor, "persons").status_code == 403


def test_a_bad_filter_is_explained_not_guessed(client, facts):
    response = _page(client, facts.world.reader, "persons", "from=2024-12-31&to=2024-01-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert "开始日期晚于结束日期" in body and "data-drill-total" not in body
    outside = _page(client, facts.world.reader, "persons", f"{FILTER}&org={facts.world.branch_b.pk}")
    assert "不在您的权限范围内" in outside.content.decode() and "赵六" not in outside.content.decode()


def test_pages_of_fifty(client, facts):
    drug = service_type("medicine_delivery")
    for _ in range(55):
        ServiceRecordFactory(org=facts.world.branch_a, service_type=drug, resident=facts.li, served_on=SERVED)
    first = _page(client, facts.world.admin, "person_times").content.decode()
    assert len(re.findall(r"/servicelog/records/\d+/", first)) == 50
    assert "p_records=2" in first
    second = _page(client, facts.world.admin, "person_times", f"{FILTER}&p_records=2").content.decode()
    assert len(re.findall(r"/servicelog/records/\d+/", second)) == 61 - 50  # 55 + 5 of branch A + 1 of branch B
