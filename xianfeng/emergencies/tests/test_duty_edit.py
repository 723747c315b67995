"""Correcting a shift on the roster (修改): the form prefilled from the shift, the service's
refusals on the form, and who may reach the page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.emergencies.services_duty import duty_shift_create, duty_shift_void
from xianfeng.orgs.models import Organization

from .factories_people import TODAY, people_world


@pytest.fixture
def w(world):
    return people_world(world)


def at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def shift_of(w, member, start, end, site="隔离病区A"):
    return duty_shift_create(
        acting_user=w.clerk,
        emergency=w.emergency,
        site=site,
        member=member,
        starts_at=at(TODAY, start),
        ends_at=at(TODAY, end),
        vehicle="通勤车1",
        pickup_place="职工宿舍",
        pickup_at=at(TODAY, start) - datetime.timedelta(minutes=30),
    )


def form_of(shift, **changes):
    data = {
        "site_kind": shift.site_kind,
        "site": shift.site,
        "member": shift.member_id,
        "starts_at": timezone.localtime(shift.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(shift.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "vehicle": shift.vehicle,
        "pickup_place": shift.pickup_place,
        "pickup_at": timezone.localtime(shift.pickup_at).strftime("%Y-%m-%dT%H:%M") if shift.pickup_at else "",
        "note": shift.note,
    }
    return {**data, **changes}


def roster(client, w):
    return client.get(f"{reverse('emergencies:duty_roster')}?emergency={w.emergency.pk}&start={TODAY}")


def test_manager_corrects_the_times_and_the_roster_shows_them(w, client):
    shift = shift_of(w, w.li, 8, 12)
    client.force_login(w.clerk)
    edit = reverse("emergencies:duty_edit", args=[shift.pk])
    assert edit in roster(client, w).content.decode()  # the 修改 link next to the shift
    sheet = client.get(f"{reverse('emergencies:duty_transport')}?emergency={w.emergency.pk}&start={TODAY}")
    assert edit in sheet.content.decode()
    page = client.get(edit).content.decode()
    assert f"{TODAY}T08:00" in page and "职工宿舍" in page  # prefilled from the shift
    response = client.post(
        edit, form_of(shift, starts_at=f"{TODAY}T09:00", ends_at=f"{TODAY}T13:30", pickup_at=f"{TODAY}T08:40")
    )
    assert response.status_code == 302
    shown = client.get(response["Location"])
    text = shown.content.decode()
    assert "已修改班次" in text and "09:00–13:30" in text and "08:00–12:00" not in text
    shift.refresh_from_db()
    assert timezone.localtime(shift.starts_at).hour == 9 and timezone.localtime(shift.pickup_at).minute == 40


def test_overlapping_correction_is_refused_and_nothing_changes(w, client):
    shift_of(w, w.li, 8, 12, site="卡口1")
    later = shift_of(w, w.li, 14, 18)
    client.force_login(w.clerk)
    edit = reverse("emergencies:duty_edit", args=[later.pk])
    response = client.post(
        edit, form_of(later, starts_at=f"{TODAY}T10:00", ends_at=f"{TODAY}T16:00", pickup_at=f"{TODAY}T09:30")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "时间重叠" in page and "卡口1" in page
    before = later.starts_at, later.ends_at, later.pickup_at
    later.refresh_from_db()
    assert (later.starts_at, later.ends_at, later.pickup_at) == before
    response = client.post(edit, form_of(later, pickup_at=f"{TODAY}T14:30"))
    assert response.status_code == 400 and "接送时间须早于上岗时间" in response.content.decode()
    duty_shift_void(acting_user=w.clerk, shift=later, reason="排班调整")
    response = client.post(edit, form_of(later, site="病区B"))
    assert response.status_code == 400 and "该班次已作废" in response.content.decode()
    later.refresh_from_db()
    assert later.site == "隔离病区A"


def test_read_only_leader_gets_403_and_sees_no_link(w, client):
    shift = shift_of(w, w.li, 8, 12)
    leader = user_with_grant(Role.LEADER, Scope.ORG_SUBTREE, w.committee, username="lingdao")
    client.force_login(leader)
    assert "李护士" in roster(client, w).content.decode()
    assert reverse("emergencies:duty_edit", args=[shift.pk]) not in roster(client, w).content.decode()
    assert client.get(reverse("emergencies:duty_edit", args=[shift.pk])).status_code == 403
    assert client.post(reverse("emergencies:duty_edit", args=[shift.pk]), form_of(shift)).status_code == 403


def test_user_outside_the_emergency_gets_404(w, client):
    shift = shift_of(w, w.li, 8, 12)
    elsewhere = OrganizationFactory(name="县医院党委", kind=Organization.Kind.COMMITTEE)
    stranger = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, elsewhere, username="waiyuan")
    client.force_login(stranger)
    edit = reverse("emergencies:duty_edit", args=[shift.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, form_of(shift, site="别处")).status_code == 404
    shift.refresh_from_db()
    assert shift.site == "隔离病区A"
