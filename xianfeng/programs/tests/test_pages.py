"""The enrollment and visit pages as their users meet them: a township doctor enrolls a patient
(consent first), records an unstable follow-up from the phone form and sees them due within two
weeks; a volunteer never meets a severe-mental-disorder row; errors keep what was typed; the
list's query count does not grow with its rows."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xianfeng.programs import services
from xianfeng.programs.models import Enrollment, Period, Status, Visit
from xianfeng.residents.models import Consent
from xianfeng.residents.tests.factories import ResidentFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _consent(people, resident=None):
    Consent.objects.create(resident=resident or people.resident, kind=Consent.Kind.FOLLOW_UP, on_date=TODAY - 365 * DAY)


def _smd(people, resident=None, **kwargs):
    resident = resident or people.resident
    _consent(people, resident)
    return services.enrollment_create(
        acting_user=people.doctor,
        program="smd",
        resident=resident,
        enrolled_on=kwargs.pop("enrolled_on", TODAY - 60 * DAY),
        data={"diagnosis": "schizophrenia"},
        **kwargs,
    )


def _pairing(people, resident=None):
    return services.enrollment_create(
        acting_user=people.volunteer,
        program="pairing",
        resident=resident or people.resident,
        responsible_member=people.member,
        enrolled_on=TODAY - 30 * DAY,
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- a doctor ------------------------------------------------------------------------------


def test_a_doctor_enrolls_with_consent_records_an_unstable_followup_and_sees_it_due_in_two_weeks(people, client):
    client.force_login(people.doctor)
    url = reverse("programs:enroll") + "?program=smd"
    form = client.get(url + f"&resident={people.resident.pk}")
    assert form.status_code == 200
    assert "精神分裂症" in form.content.decode()  # the diagnosis choices from the program's spec
    post = {"program": "smd", "resident": people.resident.pk, "enrolled_on": TODAY.isoformat()}
    post["d_diagnosis"] = "schizophrenia"
    post["d_guardian"] = "李小红"

    refused = client.post(url, post)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "知情同意" in page and reverse("residents:detail", args=[people.resident.pk]) in page
    assert 'value="李小红"' in page  # what was typed stays
    assert not Enrollment.objects.exists()

    _consent(people)
    saved = client.post(url, post)
    enrollment = Enrollment.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("programs:enrollment_detail", args=[enrollment.pk])
    assert enrollment.data["guardian"] == "李小红"

    visit_url = reverse("programs:visit_new", args=[enrollment.pk]) + "?kind=followup"
    shown = client.get(visit_url + "&next=/programs/enrollments/")
    assert shown.status_code == 200
    html = shown.content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)
    assert f'value="{TODAY.isoformat()}"' in html  # the date defaults to today
    assert re.search(r'name="service_type"[^>]*value="followup_home"[^>]*checked', html)  # the first form chosen
    visit = {
        "kind": "followup",
        "service_type": "followup_home",
        "visited_on": TODAY.isoformat(),
        "idempotency_key": key,
        "next": "/programs/enrollments/",
        "d_reached": "true",
        "d_risk_level": "3",
        "d_medication": "intermittent",
    }
    done = client.post(visit_url, visit, follow=True)
    due = (TODAY + 14 * DAY).isoformat()
    assert done.redirect_chain[-1][0] == "/programs/enrollments/"
    assert f"下次随访：{due}" in _messages(done)

    again = client.post(visit_url, visit)  # a double tap: the same key saves once
    assert again.status_code == 302
    assert Visit.objects.filter(enrollment=enrollment).count() == 1

    detail = client.get(reverse("programs:enrollment_detail", args=[enrollment.pk])).content.decode()
    assert f'data-next-due="{due}"' in detail
    assert "不稳定" in detail and "入户随访" in detail and "精神分裂症" in detail


def test_a_refused_followup_names_the_field_and_keeps_the_input(people, client):
    enrollment = _smd(people)
    client.force_login(people.doctor)
    url = reverse("programs:visit_new", args=[enrollment.pk]) + "?kind=followup"
    post = {
        "service_type": "followup_phone",
        "visited_on": TODAY.isoformat(),
        "d_risk_level": "4",
        "d_medication": "regular",
        "d_stability": "stable",  # stable with a risk level of 3 or more: refused
        "note": "转市精神卫生中心",
    }
    response = client.post(url, post)
    assert response.status_code == 400
    html = response.content.decode()
    block = html.split('data-spec="stability"')[1].split('data-spec="')[0]
    assert "invalid-feedback" in block  # the message sits under 病情稳定性
    assert re.search(r'value="4"[^>]*checked', html)
    assert re.search(r'value="followup_phone"[^>]*checked', html)
    assert "转市精神卫生中心" in html
    assert not Visit.objects.exists()


def test_a_visit_in_the_future_is_refused_under_the_date(people, client):
    enrollment = _smd(people)
    client.force_login(people.doctor)
    url = reverse("programs:visit_new", args=[enrollment.pk]) + "?kind=followup"
    response = client.post(url, {"service_type": "followup_home", "visited_on": (TODAY + DAY).isoformat()})
    assert response.status_code == 400
    assert "随访日期不能晚于今天" in response.content.decode()


def test_ending_and_voiding_take_the_enrollment_off_the_due_list(people, client):
    enrollment = _smd(people)
    client.force_login(people.doctor)
    end_url = reverse("programs:enrollment_end", args=[enrollment.pk])
    assert "确认结案" in client.get(end_url).content.decode()
    refused = client.post(end_url, {"status": Status.EXITED, "ended_on": TODAY.isoformat()})
    assert refused.status_code == 400 and "请填写结案原因" in refused.content.decode()
    client.post(end_url, {"status": Status.MOVED, "ended_on": TODAY.isoformat(), "reason": "迁往外省"})
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.next_due_on, enrollment.end_reason) == (Status.MOVED, None, "迁往外省")

    void_url = reverse("programs:enrollment_void", args=[enrollment.pk])
    assert client.post(void_url, {}).status_code == 400  # a reason is required
    client.post(void_url, {"reason": "录错了人"})
    enrollment.refresh_from_db()
    assert enrollment.is_voided
    listed = client.get(reverse("programs:enrollment_list")).content.decode()
    assert people.resident.name not in listed


def test_editing_the_enrollment_data_is_logged_and_unchanged_saves_write_nothing(people, client):
    enrollment = _smd(people)
    client.force_login(people.doctor)
    url = reverse("programs:enrollment_edit", args=[enrollment.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"d_diagnosis": "bipolar", "d_guardian": "王五"})
    enrollment.refresh_from_db()
    assert enrollment.data == {"diagnosis": "bipolar", "guardian": "王五"}
    unchanged = client.post(url, {"d_diagnosis": "bipolar", "d_guardian": "王五"}, follow=True)
    assert "没有修改" in _messages(unchanged)


def test_a_volunteer_adds_and_ends_an_away_period(people, client):
    enrollment = _pairing(people)
    client.force_login(people.volunteer)
    add = reverse("programs:period_add", args=[enrollment.pk])
    response = client.post(add, {"kind": "away", "start_on": (TODAY - 5 * DAY).isoformat(), "place": "广州务工"})
    assert response.status_code == 302
    period = Period.objects.get(enrollment=enrollment)
    detail = client.get(reverse("programs:enrollment_detail", args=[enrollment.pk])).content.decode()
    assert "广州务工" in detail and reverse("programs:period_end", args=[period.pk]) in detail
    client.post(reverse("programs:period_end", args=[period.pk]), {"end_on": TODAY.isoformat()})
    period.refresh_from_db()
    assert period.end_on == TODAY


# --- a volunteer ---------------------------------------------------------------------------


def test_a_volunteer_meets_no_severe_mental_disorder_row_anywhere(people, client):
    patient = ResidentFactory(name="赵精防", village_id=people.resident.village_id)
    smd = _smd(people, resident=patient)
    pairing = _pairing(people)
    client.force_login(people.volunteer)

    index = client.get(reverse("programs:index")).content.decode()
    assert "结对帮扶" in index
    assert "严重精神障碍" not in index

    listed = client.get(reverse("programs:enrollment_list")).content.decode()
    assert people.resident.name in listed
    assert "赵精防" not in listed
    assert "赵精防" not in client.get(reverse("programs:enrollment_list") + "?program=smd").content.decode()

    assert client.get(reverse("programs:enrollment_detail", args=[smd.pk])).status_code == 404
    assert client.get(reverse("programs:visit_new", args=[smd.pk])).status_code == 404
    assert client.get(reverse("programs:enrollment_detail", args=[pairing.pk])).status_code == 200
    chooser = client.get(reverse("programs:enroll")).content.decode()
    assert "严重精神障碍" not in chooser
    assert client.post(reverse("programs:enroll") + "?program=smd", {}).status_code == 400


def test_the_index_counts_open_due_today_overdue_and_lost(people, client):
    first = _pairing(people)
    Enrollment.objects.filter(pk=first.pk).update(next_due_on=TODAY - DAY)
    second = _pairing(people, resident=ResidentFactory(name="孙大娘", village_id=people.resident.village_id))
    Enrollment.objects.filter(pk=second.pk).update(next_due_on=TODAY)
    client.force_login(people.volunteer)
    html = client.get(reverse("programs:index")).content.decode()
    card = html.split('data-program="pairing"')[1].split('data-program="')[0]
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', card))
    assert counts == {"open": "2", "today": "1", "overdue": "1", "lost": "0"}


def test_the_list_finds_a_name_typed_in_traditional_characters_and_marks_the_overdue(people, client):
    enrollment = _pairing(people)
    Enrollment.objects.filter(pk=enrollment.pk).update(next_due_on=TODAY - 3 * DAY)
    ResidentFactory(name="周大妈", village_id=people.resident.village_id)
    client.force_login(people.volunteer)
    found = client.get(reverse("programs:enrollment_list"), {"q": "李大爺"}).content.decode()
    assert "李大爷" in found and "data-overdue" in found
    assert "李大爷" in client.get(reverse("programs:enrollment_list"), {"q": "ldy"}).content.decode()
    assert "李大爷" not in client.get(reverse("programs:enrollment_list"), {"q": "周"}).content.decode()


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("programs:enrollment_list"))
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_two_rows_or_twelve(people, client):
    village = people.resident.village_id
    for n in range(2):
        _pairing(people, resident=ResidentFactory(name=f"甲{n}", village_id=village))
    client.force_login(people.volunteer)
    _list_queries(client)  # warm the grants cache
    few = _list_queries(client)
    for n in range(10):
        _pairing(people, resident=ResidentFactory(name=f"乙{n}", village_id=village))
    assert _list_queries(client) == few


@pytest.mark.parametrize("name", ["programs:index", "programs:enrollment_list"])
def test_an_auditor_may_not_open_the_programs_pages(world, client, name):
    from xianfeng.accounts.roles import Role, Scope
    from xianfeng.core.tests.factories import user_with_grant

    client.force_login(user_with_grant(Role.AUDITOR, Scope.ALL, None, username="auditor"))
    assert client.get(reverse(name)).status_code == 403


# --- timelines -----------------------------------------------------------------------------


def test_the_residents_timeline_shows_enrollments_a_volunteer_only_the_ordinary_ones(people):
    from xianfeng.programs import timeline_sources  # noqa: F401 (registered from apps.py)
    from xianfeng.residents.timeline import household_timeline, resident_timeline

    _smd(people)
    pairing = _pairing(people)
    services.enrollment_end(acting_user=people.volunteer, enrollment=pairing, status=Status.MOVED, reason="迁往外省")

    titles = [e.title for e in resident_timeline(user=people.doctor, resident=people.resident)]
    assert "纳入：严重精神障碍患者管理" in titles and "纳入：结对帮扶" in titles
    volunteer = resident_timeline(user=people.volunteer, resident=people.resident)
    assert not any("严重精神障碍" in e.title for e in volunteer)
    assert any(e.title == "结对帮扶：已迁出" and e.detail == "迁往外省" for e in volunteer)

    from xianfeng.residents.tests.factories import HouseholdFactory

    household = HouseholdFactory(village_id=people.resident.village_id)
    people.resident.household = household
    people.resident.save(update_fields=["household"])
    events = household_timeline(user=people.volunteer, household=household)
    assert any(e.title == f"纳入：结对帮扶 · {people.resident.name}" for e in events)
