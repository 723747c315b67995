"""Issue 13's judged scenario for organizational life, in a real browser on a phone: a branch
secretary opens 组织生活, sees last month's (this quarter's) missing 党小组会 in red, taps 补录,
records it with attendance (全部出席, one member on leave with a reason), and the calendar cell
turns green."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.partylife.compliance import add_months, month_start
from xianfeng.partylife.models import Attendance, Meeting, MeetingKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 390, "height": 844}
SETTLED = ".htmx-request, .htmx-swapping, .htmx-settling"


def sign_in(context, url, username):
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")
    return page


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_secretary_backfills_the_missing_group_meeting(live_server, browser_context_factory, world):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    MemberFactory(name="李书记", branch=world.branch_a, user=secretary, party_stage=Stage.FULL)
    for name in ("王医生", "陈护士"):
        MemberFactory(name=name, branch=world.branch_a, party_stage=Stage.FULL)
    on_leave = MemberFactory(name="赵护士", branch=world.group_a, party_stage=Stage.FULL)
    MemberFactory(name="钱预备", branch=world.branch_a, party_stage=Stage.PROBATIONARY)
    today = timezone.localdate()
    last_month = add_months(month_start(today), -1)

    page = sign_in(browser_context_factory(**PHONE), live_server.url, "shuji")
    page.goto(live_server.url + reverse("partylife:index"))
    expect(page.get_by_role("heading", name="内科党支部", exact=False)).to_be_visible()
    if last_month.year == today.year:
        cell = page.locator(f'[data-kind="group"][data-start="{last_month:%Y-%m-%d}"]')
        expect(cell).to_have_attribute("data-status", "overdue")
        expect(cell).to_have_class(re.compile("text-bg-danger"))
    missing = page.locator('[data-missing-kind="group"][data-status="overdue"]')
    expect(missing).to_be_visible()
    expect(missing).to_have_class(re.compile("text-danger"))
    assert no_horizontal_scroll(page)

    missing.get_by_role("link", name="补录").click()
    expect(page.get_by_role("heading", name="登记组织生活会议")).to_be_visible()
    expect(page.get_by_label("会议类型")).to_have_value("group")
    held_on = page.locator("#id_held_on").input_value()
    assert held_on.startswith(f"{last_month:%Y-%m}")
    page.get_by_label("地点").fill("内科示范党员活动室")
    page.get_by_label("议题").fill("学习支部工作条例，讨论本月党员先锋岗安排")
    page.get_by_role("button", name="全部出席").click()
    row = page.locator(f'[data-member="{on_leave.pk}"]')
    row.get_by_text("请假", exact=True).click()
    row.get_by_placeholder("请假或缺席的原因").fill("值夜班")
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-counts]")).to_contain_text("实到 4 人 / 应到 5 人")

    meeting = Meeting.objects.get()
    assert meeting.kind == MeetingKind.GROUP and meeting.org == world.branch_a
    assert meeting.attendance.get(member=on_leave).status == Attendance.Status.LEAVE

    page.goto(live_server.url + reverse("partylife:index"))
    expect(page.locator(SETTLED)).to_have_count(0)
    if last_month.year == today.year:
        cell = page.locator(f'[data-kind="group"][data-start="{last_month:%Y-%m-%d}"]')
        expect(cell).to_have_attribute("data-status", "done")
        expect(cell).to_have_class(re.compile("text-bg-success"))
    expect(page.locator('[data-missing-kind="group"][data-status="overdue"]')).to_have_count(0)


def test_an_invalid_assembly_says_why_and_gets_its_signed_minutes(
    live_server, browser_context_factory, world, tmp_path
):
    """On a phone: unticking 会议有效 reveals 无效说明 (meetings.js under the CSP); the meeting's
    page shows the explanation; a scan of the minutes is uploaded and listed."""
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    MemberFactory(name="李书记", branch=world.branch_a, user=secretary, party_stage=Stage.FULL)
    absent = [MemberFactory(name=n, branch=world.branch_a, party_stage=Stage.FULL) for n in ("王医生", "陈护士")]

    page = sign_in(browser_context_factory(**PHONE), live_server.url, "shuji")
    page.goto(live_server.url + reverse("partylife:meeting_new") + "?kind=assembly")
    expect(page.get_by_label("会议类型")).to_have_value("assembly")
    note = page.locator("[data-invalid-note]")
    expect(note).to_be_hidden()
    page.get_by_label("会议有效").uncheck()
    expect(note).to_be_visible()
    page.get_by_label("无效说明").fill("到会人数未过半数，改期召开")
    for member in absent:
        row = page.locator(f'[data-member="{member.pk}"]')
        row.get_by_text("请假", exact=True).click()
        row.get_by_placeholder("请假或缺席的原因").fill("外出学习")
    page.get_by_role("button", name="保存").click()
    expect(page.locator('[data-validity="invalid"]')).to_be_visible()
    expect(page.locator(".alert[data-invalid-note]")).to_contain_text("到会人数未过半数，改期召开")

    scan = tmp_path / "签字页.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.locator("#meeting-files").get_by_role("link", name="上传").click()
    page.locator("#id_file").set_input_files(str(scan))
    page.get_by_role("button", name="上传").click()
    expect(page.locator("[data-documents]")).to_contain_text("签字页.pdf")
    assert no_horizontal_scroll(page)
    meeting = Meeting.objects.get()
    assert (meeting.is_valid, meeting.invalid_note, meeting.files.count()) == (False, "到会人数未过半数，改期召开", 1)
