"""The offline app's form pages in a real browser on a 375×812 phone (issue 14): a 精防医生
follows up a patient from the worklist with no network, and the server moves the next due date
exactly as the web form's follow-up would; a hotline duty member logs a call and a volunteer
raises a need offline, and after sync both exist under the right person and date; a form missing
a required answer is not saved.

Offline is Chromium's network emulation (context.set_offline); that nothing was sent meanwhile is
checked on the server's side: no visit, call or need exists before the phone is back online.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.devices.models import SyncedEntry
from xianfeng.hotline.models import Call, Shift
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.needs.models import Need
from xianfeng.programs import services as program_services
from xianfeng.programs.models import Enrollment, Visit
from xianfeng.residents.models import Resident
from xianfeng.residents.services import consent_record
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, VILLAGE_B, ResidentFactory, county_regions
from xianfeng.servicelog import services_activities
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 375, "height": 812}
DAY = datetime.timedelta(days=1)
WAIT = 20_000  # ms: an upper bound for each condition, never a pause


def phone(browser_context_factory):
    context = browser_context_factory(**PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def open_app(page, base, username):
    """Sign in, open /m/ and wait until the snapshot is stored and the service worker controls it."""
    page.goto(f"{base}/accounts/login/?next=/m/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/m/")
    page.wait_for_function(
        "() => document.body.dataset.xfSnapshot === 'stored' && document.body.dataset.xfSync !== 'running'"
        " && navigator.serviceWorker.controller !== null",
        timeout=WAIT,
    )


def go_offline(context, page):
    context.set_offline(True)
    expect(page.locator("[data-xf-online]")).to_have_text("离线", timeout=WAIT)


def sync_online(context, page):
    context.set_offline(False)
    page.get_by_role("button", name="同步", exact=True).click()
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "0", timeout=WAIT)
    page.wait_for_function("() => document.body.dataset.xfSync === 'idle'", timeout=WAIT)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def field(page, label):
    """The block (label, control, error) of one field of the form on screen."""
    return page.locator("form .mb-3", has=page.get_by_text(label, exact=True)).first


def test_a_doctor_follows_up_from_the_worklist_offline_and_the_next_due_date_moves_at_sync(
    live_server, browser_context_factory, world
):
    county_regions()
    today = timezone.localdate()
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="jingfang-offline")
    member = MemberFactory(name="赵医生", branch=world.branch_a, user=doctor)
    patient = ResidentFactory(name="余军", village_id=VILLAGE_A, birth_date=datetime.date(1980, 5, 1))
    consent_record(acting_user=doctor, resident=patient, kind="follow_up", on_date=today - 90 * DAY)
    enrollment = program_services.enrollment_create(
        acting_user=doctor,
        program="smd",
        resident=patient,
        responsible_member=member,
        enrolled_on=today - 60 * DAY,
        data={"diagnosis": "精神分裂症（F20）"},
    )
    assert enrollment.next_due_on < today  # the first follow-up (14 days after enrolling) is overdue

    context, page, errors = phone(browser_context_factory)
    base = live_server.url
    open_app(page, base, doctor.username)
    overdue = page.locator("[data-state='overdue']")
    expect(overdue.locator(f"[data-enrollment='{enrollment.pk}']")).to_contain_text("余军", timeout=WAIT)
    go_offline(context, page)

    overdue.locator(f"[data-enrollment='{enrollment.pk}']").get_by_role("link", name="随访").click()
    expect(page.get_by_text("严重精神障碍患者管理")).to_be_visible(timeout=WAIT)
    expect(page.get_by_label("随访日期")).to_have_value(today.isoformat(), timeout=WAIT)
    page.get_by_label("危险性评估").select_option("3")
    field(page, "服药依从性").get_by_text("规律", exact=True).click()
    field(page, "病情分类").get_by_text("不稳定", exact=True).click()
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="保存到本机").click()

    # Back on the worklist: the patient is marked as recorded, waiting for the sync.
    item = page.locator(f"[data-enrollment='{enrollment.pk}']")
    expect(item.get_by_text("已登记，待同步")).to_be_visible(timeout=WAIT)
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "1", timeout=WAIT)
    page.get_by_role("link", name="待同步").click()
    expect(page.locator("[data-xf-outbox] > li")).to_have_count(1, timeout=WAIT)
    expect(page.locator("[data-xf-outbox] > li").first).to_contain_text(f"随访 · 余军 · {today:%m-%d}", timeout=WAIT)
    assert not Visit.objects.exists()  # nothing reached the server while offline

    sync_online(context, page)
    visit = Visit.objects.get()
    enrollment.refresh_from_db()
    # The web form's rule (test_program_follow_up): an unstable patient is seen again in 2 weeks.
    assert (enrollment.state, enrollment.next_due_on) == ("unstable", today + 14 * DAY)
    record = visit.record
    assert record.served_on == today and record.created_by == doctor
    assert record.service_type.code == "followup_home"  # the kind's first form, preselected
    assert record.result["risk_level"] == "3" and record.result["medication"] == "regular"
    assert [p.member for p in record.providers.all()] == [member]

    # The worklist refreshed with the server's new date.
    page.get_by_role("link", name="清单").click()
    refreshed = page.locator(f"[data-enrollment='{enrollment.pk}']")
    expect(refreshed).to_contain_text(f"应随访 {today + 14 * DAY:%Y-%m-%d}", timeout=WAIT)
    expect(refreshed.get_by_text("已登记，待同步")).to_have_count(0)
    assert Enrollment.objects.get().visits.count() == 1
    assert not errors, errors


def hotline_duty(world, today):
    team = TeamFactory(name="心理援助热线值守组", kind=Team.Kind.HOTLINE, owner_org=world.branch_a)
    duty = user_with_grant(Role.HOTLINE, Scope.ORG_ONLY, world.branch_a, username="duty-offline")
    duty_member = MemberFactory(name="周值守", branch=world.branch_a, user=duty)
    MembershipFactory(team=team, member=duty_member, start_on=today - 30 * DAY)
    shift = Shift.objects.create(team=team, date=today, start_time=datetime.time(0, 0), end_time=datetime.time(0, 0))
    shift.assignments.create(member=duty_member)  # a 24-hour duty
    return duty, duty_member


def test_a_call_and_a_need_recorded_offline_exist_after_sync_under_their_authors(
    live_server, browser_context_factory, world
):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    today = timezone.localdate()
    base = live_server.url
    duty, duty_member = hotline_duty(world, today)
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="zhiyuan-offline")
    volunteer_member = MemberFactory(name="驻村队员", branch=world.branch_a, user=volunteer)
    villager = ResidentFactory(name="王大伯", village_id=VILLAGE_A, birth_date=datetime.date(1950, 3, 1))
    # An activity held in his village puts the village's residents on the volunteer's phone.
    services_activities.activity_create(
        acting_user=volunteer,
        title="村口义诊",
        start_at=timezone.now() - 2 * DAY,
        status="held",
        region=regions[VILLAGE_A],
    )

    # The duty member logs a call with no network; a missing topic is caught on the phone.
    context, page, errors = phone(browser_context_factory)
    open_app(page, base, duty.username)
    go_offline(context, page)
    page.get_by_role("link", name="更多").click()
    page.get_by_role("link", name="来电登记").click()
    page.get_by_label("通话时长（分钟）").fill("25")
    field(page, "处理结果").locator("select").select_option(label="给予建议")
    page.get_by_role("button", name="保存到本机").click()
    expect(field(page, "主要问题").get_by_text("请填写“主要问题”")).to_be_visible(timeout=WAIT)
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "0")  # not saved
    field(page, "主要问题").locator("select").select_option(label="睡眠问题")
    page.get_by_label("最近有没有想过结束自己的生命？").check()
    page.get_by_role("button", name="保存到本机").click()
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "1", timeout=WAIT)
    expect(field(page, "主要问题").get_by_text("请填写“主要问题”")).to_have_count(0)
    assert not Call.objects.exists()
    sync_online(context, page)
    call = Call.objects.get()
    assert call.taken_by == duty_member and call.created_by == duty
    assert (call.topic, call.outcome, call.duration_minutes, call.suicidal_ideation) == ("sleep", "advice", 25, True)
    assert abs(call.started_at - timezone.now()) < datetime.timedelta(minutes=5) and call.served_on == today
    assert not errors, errors

    # The volunteer raises a need offline for the villager found by his pinyin initials.
    context, page, errors = phone(browser_context_factory)
    open_app(page, base, volunteer.username)
    go_offline(context, page)
    page.get_by_role("link", name="更多").click()
    page.get_by_role("link", name="民情需求").click()
    page.get_by_role("textbox", name="诉求", exact=True).fill("更换轮椅")
    field(page, "类别").locator("select").select_option(label="辅助器具")
    page.get_by_placeholder("姓名或拼音首字母").fill("wdb")
    page.locator("[data-resident]", has_text="王大伯").first.click()
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="保存到本机").click()
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "1", timeout=WAIT)
    assert not Need.objects.exists()
    sync_online(context, page)
    need = Need.objects.get()
    assert need.resident == villager and need.category == "assistive" and need.title == "更换轮椅"
    assert need.created_by == volunteer and need.recorded_by_member == volunteer_member
    assert need.raised_on == today and need.source == "visit"
    assert not errors, errors


def test_a_refused_record_is_corrected_in_its_form_and_synced_under_the_same_id(
    live_server, browser_context_factory, world
):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="zhiyuan-fix")
    MemberFactory(name="驻村队员", branch=world.branch_a, user=volunteer)
    moving = ResidentFactory(name="王大伯", village_id=VILLAGE_A, birth_date=datetime.date(1950, 3, 1))
    ResidentFactory(name="李大妈", village_id=VILLAGE_A, birth_date=datetime.date(1952, 6, 1))
    services_activities.activity_create(
        acting_user=volunteer,
        title="村口义诊",
        start_at=timezone.now() - 2 * DAY,
        status="held",
        region=regions[VILLAGE_A],
    )
    context, page, errors = phone(browser_context_factory)
    open_app(page, live_server.url, volunteer.username)
    go_offline(context, page)
    page.get_by_role("link", name="登记", exact=True).click()
    page.get_by_label("服务类型").select_option(label="送药上门")
    page.get_by_placeholder("姓名或拼音首字母").fill("王大伯")
    page.locator("[data-resident]", has_text="王大伯").first.click()
    page.get_by_role("button", name="保存到本机").click()
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "1", timeout=WAIT)

    # Meanwhile he moved to a village out of the volunteer's reach: the server refuses the record.
    Resident.objects.filter(pk=moving.pk).update(village_id=VILLAGE_B)
    context.set_offline(False)
    page.get_by_role("button", name="同步", exact=True).click()
    page.get_by_role("link", name="待同步").click()
    refused = page.locator("[data-xf-outbox] > li[data-status='refused']")
    expect(refused).to_have_count(1, timeout=WAIT)
    page.wait_for_function("() => document.body.dataset.xfSync === 'idle'", timeout=WAIT)  # snapshot refreshed too
    client_id = refused.get_attribute("data-client-id")
    assert not ServiceRecord.objects.exists()

    # 修改 opens quick entry with the reason, the type kept and the error under 居民.
    refused.get_by_role("link", name="修改").click()
    expect(page.locator("[data-refusal]")).to_be_visible(timeout=WAIT)
    expect(page.get_by_label("服务类型")).to_have_value("medicine_delivery", timeout=WAIT)
    expect(field(page, "居民").locator("[data-error]")).not_to_be_empty(timeout=WAIT)
    page.get_by_placeholder("姓名或拼音首字母").fill("ldm")
    page.locator("[data-resident]", has_text="李大妈").first.click()
    page.get_by_role("button", name="保存到本机").click()
    expect(page.locator("[data-xf-outbox] > li")).to_have_count(1, timeout=WAIT)
    page.get_by_role("button", name="同步", exact=True).click()
    expect(page.locator("body")).to_have_attribute("data-xf-pending", "0", timeout=WAIT)
    record = ServiceRecord.objects.get()
    assert record.resident.name == "李大妈" and record.created_by == volunteer
    assert SyncedEntry.objects.get(user=volunteer).client_id == client_id  # saved back under its own id
    assert not errors, errors
