"""The meetings' pages as a secretary, a member, a clerk over the committee and an outsider use
them: the calendar (red, amber, green, 补录), the form with its roll, the attendance, the list,
a meeting's page, voiding with a confirmation, the rules."""

import re

import pytest
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.partylife.compliance import add_months, month_start
from xianfeng.partylife.models import ComplianceRule, Meeting, MeetingKind

from .factories_meetings import DAY, TODAY, meeting, meetings_world


@pytest.fixture
def w(world):
    return meetings_world(world)


def _roll_post(w, **overrides):
    data = {f"att-{m.pk}": "present" for m in w.roll}
    data.update(overrides)
    return data


def test_the_secretary_sees_the_missing_group_meeting_records_it_and_it_turns_green(w, login):
    client = login(w.secretary)
    last_month = add_months(month_start(TODAY), -1)
    page = client.get(reverse("partylife:index")).content.decode()
    assert "内科党支部" in page
    cell = re.search(rf'data-kind="group" data-start="{last_month:%Y-%m-%d}" data-status="(\w+)"', page)
    assert cell.group(1) == "overdue"
    assert 'data-missing-kind="group"' in page and "补录" in page
    link = re.search(r'href="([^"]+kind=group[^"]+)" data-backfill', page).group(1).replace("&amp;", "&")
    form = client.get(link)
    assert form.status_code == 200
    body = form.content.decode()
    # The roll: the party members of the branch and its 党小组, not the non-party volunteer.
    assert f'data-member="{w.probationary.pk}"' in body and f'data-member="{w.full[3].pk}"' in body
    assert f'data-member="{w.volunteer.pk}"' not in body and "全部出席" in body
    held_on = re.search(r'name="held_on" value="([\d-]+)"', body).group(1)
    post = {
        "org": w.branch_a.pk,
        "kind": "group",
        "title": "党小组会",
        "held_on": held_on,
        "is_valid": "on",
        "idempotency_key": "k1",
        **_roll_post(w, **{f"att-{w.probationary.pk}": "leave", f"reason-{w.probationary.pk}": "出差"}),
    }
    response = client.post(reverse("partylife:meeting_new"), post)
    assert response.status_code == 302, response.content.decode()[:3000]
    m = Meeting.objects.get()
    assert (m.kind, m.present_count, m.expected_count) == ("group", 4, 5)
    page = client.get(reverse("partylife:index")).content.decode()
    if held_on.startswith(f"{last_month:%Y-%m}"):
        cell = re.search(rf'data-kind="group" data-start="{last_month:%Y-%m-%d}" data-status="(\w+)"', page)
        assert cell.group(1) == "done"


def test_absent_without_reason_is_shown_on_the_form_and_nothing_saved(w, login):
    client = login(w.secretary)
    post = {
        "org": w.branch_a.pk,
        "kind": "lecture",
        "held_on": TODAY.isoformat(),
        "is_valid": "on",
        **_roll_post(w, **{f"att-{w.full[1].pk}": "absent"}),
    }
    response = client.post(reverse("partylife:meeting_new"), post)
    assert response.status_code == 400
    assert "张志愿：缺席须填写原因" in response.content.decode()
    assert not Meeting.objects.exists()


def test_an_assembly_without_quorum_is_refused_with_the_numbers(w, login):
    client = login(w.secretary)
    absent = {f"att-{m.pk}": "absent" for m in w.full[1:]}
    absent.update({f"reason-{m.pk}": "值班" for m in w.full[1:]})
    post = {"org": w.branch_a.pk, "kind": "assembly", "held_on": TODAY.isoformat(), "is_valid": "on"}
    response = client.post(reverse("partylife:meeting_new"), {**post, **_roll_post(w, **absent)})
    assert response.status_code == 400
    assert "应到 4 人，实到 1 人" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_future_meeting_is_refused(w, login):
    client = login(w.secretary)
    post = {"org": w.branch_a.pk, "kind": "lecture", "held_on": (TODAY + DAY).isoformat(), **_roll_post(w)}
    response = client.post(reverse("partylife:meeting_new"), post)
    assert response.status_code == 400 and not Meeting.objects.exists()


def test_redraw_changes_the_roll_to_the_group(w, login):
    client = login(w.secretary)
    response = client.post(reverse("partylife:meeting_new"), {"org": w.group_a.pk, "kind": "group", "redraw": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-member="{w.full[3].pk}"' in body and f'data-member="{w.full[2].pk}"' not in body


def test_detail_attendance_edit_and_void(w, login):
    client = login(w.secretary)
    m = meeting(w, kind=MeetingKind.BRANCH_ASSEMBLY, title="支部党员大会：换届")
    page = client.get(reverse("partylife:meeting_detail", args=[m.pk])).content.decode()
    assert "实到 4 人 / 应到 4 人" in page and 'data-quorum="yes"' in page
    page = client.get(reverse("partylife:meeting_attendance", args=[m.pk])).content.decode()
    assert "全部出席" in page and "不计入" not in page  # an assembly takes the whole roll
    rows = _roll_post(w)
    for member in w.full[1:]:
        rows[f"att-{member.pk}"] = "leave"
        rows[f"reason-{member.pk}"] = "病假"
    response = client.post(reverse("partylife:meeting_attendance", args=[m.pk]), {**rows, "is_valid": "on"})
    assert response.status_code == 400 and "未达到法定人数" in response.content.decode()
    response = client.post(reverse("partylife:meeting_attendance", args=[m.pk]), {**rows, "note": "改期"})
    assert response.status_code == 400 and "须填写无效说明" in response.content.decode()
    post = {**rows, "note": "改期", "invalid_note": "到会未过半，改期召开"}
    response = client.post(reverse("partylife:meeting_attendance", args=[m.pk]), post)
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.present_count, m.is_valid, m.invalid_note) == (1, False, "到会未过半，改期召开")
    page = client.get(reverse("partylife:meeting_detail", args=[m.pk])).content.decode()
    assert "data-invalid-note" in page and "到会未过半，改期召开" in page
    rows_html = client.get(reverse("partylife:meeting_list"), {"validity": "invalid"}).content.decode()
    assert "到会未过半，改期召开" in rows_html
    edit = {"kind": "assembly", "held_on": TODAY, "title": "换届", "invalid_note": "到会未过半，改期召开"}
    response = client.post(reverse("partylife:meeting_edit", args=[m.pk]), edit)
    assert response.status_code == 302
    void_page = client.get(reverse("partylife:meeting_void", args=[m.pk])).content.decode()
    assert "data-confirm" in void_page
    assert client.post(reverse("partylife:meeting_void", args=[m.pk]), {"reason": "重复"}).status_code == 302
    m.refresh_from_db()
    assert m.is_voided and m.title == "换届"


def test_the_list_filters_and_searches(w, login):
    meeting(w, kind=MeetingKind.LECTURE, title="党课：党章学习")
    meeting(w, kind=MeetingKind.COMMITTEE, title="支委会：发展党员")
    client = login(w.secretary)
    page = client.get(reverse("partylife:meeting_list"), {"kind": "lecture"}).content.decode()
    assert "党章学习" in page and "发展党员" not in page
    page = client.get(reverse("partylife:meeting_list"), {"q": "发展"}, HTTP_HX_REQUEST="true").content.decode()
    assert "发展党员" in page and "党章学习" not in page and "<html" not in page
    response = client.get(reverse("partylife:meeting_list"), {"org": "9" * 40, "year": "99999999999"})
    assert response.status_code == 200


def test_a_member_reads_the_calendar_but_records_nothing(w, login):
    meeting(w, kind=MeetingKind.LECTURE)
    client = login(w.member_user)
    page = client.get(reverse("partylife:index")).content.decode()
    assert "data-calendar" in page and "data-backfill" not in page and "data-cell-backfill" not in page
    assert client.get(reverse("partylife:meeting_new")).status_code == 403
    m = Meeting.objects.get()
    assert client.get(reverse("partylife:meeting_detail", args=[m.pk])).status_code == 200
    assert client.get(reverse("partylife:meeting_attendance", args=[m.pk])).status_code == 403


def test_the_outsider_gets_404_and_the_committee_sees_its_branches(w, login):
    m = meeting(w, kind=MeetingKind.LECTURE)
    assert login(w.outsider).get(reverse("partylife:meeting_detail", args=[m.pk])).status_code == 404
    clerk = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, w.committee, username="dangban")
    page = login(clerk).get(reverse("partylife:index")).content.decode()
    assert "data-overview" in page and "内科党支部" in page and "外科党支部" in page
    page = login(clerk).get(reverse("partylife:index"), {"org": w.branch_b.pk, "year": "1"}).content.decode()
    assert "外科党支部" in page and "data-calendar" in page


def test_rules_page_add_and_end(w, login):
    client = login(w.owner)
    page = client.get(reverse("partylife:compliance_rules")).content.decode()
    assert "支部工作条例" in page and "data-rule-form" in page
    post = {
        "org": w.branch_a.pk,
        "kind": "group",
        "period": "quarter",
        "min_count": 1,
        "start_on": TODAY.replace(month=1, day=1),
    }
    assert client.post(reverse("partylife:compliance_rules"), post).status_code == 302
    rule = ComplianceRule.objects.get()
    bad = client.post(reverse("partylife:compliance_rules"), {**post, "min_count": 10**20})
    assert bad.status_code == 400
    assert client.post(reverse("partylife:compliance_rule_end", args=[rule.pk])).status_code == 302
    rule.refresh_from_db()
    assert rule.end_on == TODAY
    # A member reads the rules without the form.
    page = login(w.member_user).get(reverse("partylife:compliance_rules")).content.decode()
    assert "data-rule-form" not in page


def test_home_panel_lists_the_missing_meetings(w):
    # The panel alone (the home page carries every app's panels).
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from xianfeng.partylife.home_meetings import missing_panel

    panel = missing_panel(SimpleNamespace(user=w.secretary))
    html = render_to_string("partylife/compliance_home_panel.html", {"panel": panel})
    assert 'data-panel="partylife_missing"' in html and "内科党支部" in html and "党小组会" in html
    assert missing_panel(SimpleNamespace(user=w.member_user)) is None  # a member keeps no branch
    assert missing_panel(SimpleNamespace(user=w.reader)) is None  # a leader only reads


def test_huge_numbers_in_the_form_are_field_errors(w, login):
    client = login(w.secretary)
    huge = str(10**30)
    post = {"org": huge, "kind": "lecture", "held_on": TODAY.isoformat(), "host": huge, "activity_hours": huge}
    response = client.post(reverse("partylife:meeting_new"), {**post, **_roll_post(w), f"att-{huge}": "present"})
    assert response.status_code == 400 and not Meeting.objects.exists()
    assert client.get(reverse("partylife:meeting_new"), {"org": huge, "held_on": "9999-99-99"}).status_code == 200
    assert client.get(reverse("partylife:index"), {"org": huge, "year": huge}).status_code == 200


def test_the_activity_fields_show_for_a_theme_day_only(w, login):
    client = login(w.secretary)
    lecture = client.get(reverse("partylife:meeting_new"), {"kind": "lecture"}).content.decode()
    theme = client.get(reverse("partylife:meeting_new"), {"kind": "theme_day"}).content.decode()
    assert 'data-field="record_activity"' not in lecture and 'data-field="record_activity"' in theme
    post = {"org": w.branch_a.pk, "kind": "theme_day", "held_on": TODAY.isoformat(), "record_activity": "on"}
    post["is_valid"] = "on"
    response = client.post(reverse("partylife:meeting_new"), {**post, "activity_hours": "2", **_roll_post(w)})
    assert response.status_code == 302
    m = Meeting.objects.get()
    assert m.activity is not None and m.activity.participants.count() == 5
    page = client.get(reverse("partylife:meeting_detail", args=[m.pk])).content.decode()
    assert reverse("servicelog:activity_detail", args=[m.activity_id]) in page


def test_unticking_valid_asks_for_the_explanation_on_the_form(w, login):
    client = login(w.secretary)
    page = client.get(reverse("partylife:meeting_new"), {"kind": "lecture"}).content.decode()
    # Shown by meetings.js when 会议有效 is unticked; hidden while it is ticked.
    assert re.search(r'data-field="invalid_note" data-invalid-note hidden', page)
    post = {"org": w.branch_a.pk, "kind": "lecture", "held_on": TODAY.isoformat(), **_roll_post(w)}
    response = client.post(reverse("partylife:meeting_new"), post)
    body = response.content.decode()
    assert response.status_code == 400 and not Meeting.objects.exists()
    assert "须填写无效说明" in body and not re.search(r"data-invalid-note hidden", body)
    response = client.post(reverse("partylife:meeting_new"), {**post, "invalid_note": "主讲人缺席，改为自学"})
    assert response.status_code == 302
    m = Meeting.objects.get()
    assert (m.is_valid, m.invalid_note) == (False, "主讲人缺席，改为自学")
    rows = client.get(reverse("partylife:meeting_list"), {"q": "自学"}).content.decode()
    assert f'data-meeting="{m.pk}"' in rows and "主讲人缺席，改为自学" in rows
