"""Duty roster, team, family-pairing and application pages as users use them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.models import AccessLog
from xianfeng.emergencies.models import DutyShift, EmergencyTeam, FrontLineApplication
from xianfeng.emergencies.services_duty import duty_shift_create
from xianfeng.programs.models import Enrollment
from xianfeng.residents.models import HouseholdTag, HouseholdTagKind
from xianfeng.residents.tests.factories import HouseholdFactory, county_regions
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories_people import DAY, TODAY, people_world, pledge


@pytest.fixture
def w(world):
    return people_world(world)


def url(name, emergency):
    return f"{reverse(f'emergencies:{name}')}?emergency={emergency.pk}"


def at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def test_bulk_roster_transport_export_and_my_shifts(w, client):
    team = TeamFactory(name="隔离病区医疗队", kind=Team.Kind.MEDICAL, owner_org=w.committee)
    MembershipFactory(team=team, member=w.wang, start_on=TODAY - DAY)
    EmergencyTeam.objects.create(emergency=w.emergency, team=team, purpose="ward")
    client.force_login(w.clerk)
    form = {
        "team": team.pk,
        "site_kind": "ward",
        "site": "隔离病区A",
        "date_from": str(TODAY),
        "date_to": str(TODAY + 6 * DAY),
        "start_time": "08:00",
        "end_time": "16:00",
        "vehicle": "通勤车1",
        "pickup_place": "职工宿舍",
        "pickup_minutes_before": "30",
    }
    response = client.post(url("duty_bulk", w.emergency), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DutyShift.objects.count() == 7
    assert client.post(url("duty_bulk", w.emergency), form).status_code == 302
    assert DutyShift.objects.count() == 7  # idempotent
    roster = client.get(url("duty_roster", w.emergency)).content.decode()
    assert roster.count("王医生") >= 7 and "隔离病区A" in roster
    sheet = client.get(url("duty_transport", w.emergency)).content.decode()
    assert "职工宿舍" in sheet and "07:30" in sheet and "通勤车1" in sheet
    export = client.get(url("duty_export", w.emergency))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT).exists()
    client.force_login(w.wang_user)
    mine = client.get(reverse("emergencies:duty_mine")).content.decode()
    assert "隔离病区A" in mine and "职工宿舍" in mine
    assert client.get(url("duty_export", w.emergency)).status_code == 403
    assert client.get(url("duty_bulk", w.emergency)).status_code == 403


def test_shift_form_overlap_error_and_void(w, client):
    duty_shift_create(
        acting_user=w.clerk,
        emergency=w.emergency,
        site="卡口1",
        member=w.li,
        starts_at=at(TODAY, 8),
        ends_at=at(TODAY, 12),
    )
    client.force_login(w.clerk)
    data = {
        "site_kind": "ward",
        "site": "病区",
        "member": w.li.pk,
        "starts_at": f"{TODAY}T10:00",
        "ends_at": f"{TODAY}T18:00",
    }
    response = client.post(url("duty_new", w.emergency), data)
    assert response.status_code == 400 and "重叠" in response.content.decode()
    shift = DutyShift.objects.get()
    assert client.post(reverse("emergencies:duty_void", args=[shift.pk]), {"reason": "调整"}).status_code == 302
    assert client.post(url("duty_new", w.emergency), data).status_code == 302


def test_family_page_one_click(w, client):
    regions = county_regions()
    village = next(code for code in regions if len(code) == 12)
    w.committee.regions.add(village[:9])
    medical = TeamFactory(name="援鄂医疗队", kind=Team.Kind.MEDICAL, owner_org=w.committee)
    MembershipFactory(team=medical, member=w.zhao, start_on=TODAY - DAY)
    link = EmergencyTeam.objects.create(emergency=w.emergency, team=medical, purpose="outbound")
    household = HouseholdFactory(village_id=village)
    HouseholdTag.objects.create(household=household, tag=HouseholdTagKind.MEDICAL_FAMILY, note="赵医生的父母")
    pledge(w, w.wang)
    client.force_login(w.clerk)
    page = client.get(reverse("emergencies:team_families", args=[link.pk])).content.decode()
    assert "赵医生" in page and "一键为 1 户家属结对" in page
    assert f'<option value="{w.wang.pk}" selected' in page  # the free pledger is proposed
    response = client.post(
        reverse("emergencies:team_families", args=[link.pk]),
        {"target_count": 2, "target_period": "week", f"v_{household.pk}": w.wang.pk},
    )
    assert response.status_code == 302
    assert Enrollment.objects.get().responsible_member == w.wang
    after = client.get(reverse("emergencies:team_families", args=[link.pk])).content.decode()
    assert "已结对" in after and "下次应联系" in after


def test_team_link_page_and_application_page(w, client):
    medical = TeamFactory(name="援鄂医疗队", kind=Team.Kind.MEDICAL, owner_org=w.committee)
    client.force_login(w.clerk)
    response = client.post(url("team_list", w.emergency), {"team": medical.pk, "purpose": "outbound"})
    assert response.status_code == 302
    assert EmergencyTeam.objects.get().team == medical
    assert "援鄂医疗队" in client.get(url("team_list", w.emergency)).content.decode()
    client.force_login(w.secretary)
    form = client.get(url("application_new", w.emergency)).content.decode()
    assert "陈护士" in form and "王医生" not in form
    young = {"member": w.chen.pk, "applied_on": str(TODAY - 40 * DAY), "letter": "申请"}
    assert client.post(url("application_new", w.emergency), young).status_code == 400
    response = client.post(url("application_new", w.emergency), {**young, "applied_on": str(TODAY)})
    assert response.status_code == 302
    assert FrontLineApplication.objects.count() == 1
    listing = client.get(url("application_list", w.emergency)).content.decode()
    assert "陈护士" in listing and "入党申请人" in listing and "入党谈话" in listing
