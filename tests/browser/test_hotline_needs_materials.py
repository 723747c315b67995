"""Issue 12's judged scenarios in a real browser, on a phone where the work is done on a phone:

- a duty volunteer logs a high-risk call and the supervisor sees the alert at once, handles the
  crisis and closes it with an outcome;
- a work-team member records a wheelchair need, assigns it, resolves it with a delivery record,
  and the needs figures change;
- a clerk receives 10 000 masks from the workshop, distributes 3 000 to a nursing home, and the
  stock, the donation ledger and the dashboard's quantities agree.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.hotline.models import Call, Escalation, Shift
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.needs.models import Need
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions
from xianfeng.teams.models import Team, TeamMembership
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 375, "height": 740}


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


def test_a_high_risk_call_alerts_the_supervisor_who_closes_it(live_server, browser_context_factory, world):
    today = timezone.localdate()
    team = TeamFactory(name="心理援助热线值守组", kind=Team.Kind.HOTLINE, owner_org=world.branch_a)
    duty = user_with_grant(Role.HOTLINE, Scope.ORG_ONLY, world.branch_a, username="duty")
    duty_member = MemberFactory(name="周值守", branch=world.branch_a, user=duty)
    supervisor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, world.branch_a, username="supervisor")
    supervisor_member = MemberFactory(name="孙督导", branch=world.branch_a, user=supervisor)
    for member in (duty_member, supervisor_member):
        MembershipFactory(team=team, member=member, start_on=today - datetime.timedelta(days=30))
    shift = Shift.objects.create(
        team=team,
        date=today,
        start_time=datetime.time(0, 0),
        end_time=datetime.time(0, 0),
        supervisor=supervisor_member,
    )  # a 24-hour duty (an end at the start runs to the next midnight)
    shift.assignments.create(member=duty_member)

    # The duty volunteer, on a phone: the form opens with the time, channel and team filled in.
    phone = sign_in(browser_context_factory(**PHONE), live_server.url, "duty")
    phone.goto(live_server.url + reverse("hotline:call_new"))
    phone.get_by_label("时长（分钟）").fill("25")
    phone.locator("#field-topic").get_by_text("情绪低落", exact=True).click()
    for question in ("suicidal_ideation", "suicide_plan", "means_access"):
        phone.locator(f"#field-{question}").get_by_text("是", exact=True).click()
    expect(phone.get_by_text("高风险：保存后将立即通知督导")).to_be_visible()
    phone.locator("#field-outcome").get_by_text("危机升级", exact=True).click()
    phone.get_by_label("干预措施").fill("稳定情绪，获取了所在位置，约定督导回电")
    assert no_horizontal_scroll(phone)
    phone.get_by_role("button", name="保存来电").click()
    expect(phone.get_by_text("高风险").first).to_be_visible()

    call = Call.objects.get()
    assert call.risk_level == "high" and call.shift == shift and not call.off_roster
    assert call.record.service_type.code == "hotline_call" and call.record.providers.get().member == duty_member
    escalation = Escalation.objects.get(call=call)
    assert escalation.supervisor == supervisor_member and escalation.closed_at is None

    # The supervisor sees the alert on whatever page they open, and handles it.
    desk = sign_in(browser_context_factory(), live_server.url, "supervisor")
    banner = desk.locator("[data-hotline-alert]")
    expect(banner).to_contain_text("有 1 条热线危机升级待处理")
    banner.get_by_role("link", name="立即处理").click()
    detail = reverse("hotline:escalation_detail", args=[escalation.pk])
    if not desk.url.endswith(detail):  # the list of open escalations: open this one
        desk.locator(f'a[href="{detail}"]').first.click()
    desk.get_by_role("button", name="我来处理（确认接手）").click()
    desk.get_by_role("button", name="写明结果并关闭").click()  # no outcome yet: refused
    expect(desk.get_by_text("处理结果").first).to_be_visible()
    escalation.refresh_from_db()
    assert escalation.closed_at is None
    desk.get_by_label("处理结果").select_option(label="已联系家属/监护人")
    desk.get_by_label("处理经过").fill("联系到其母亲，已陪同前往医院")
    desk.get_by_role("button", name="写明结果并关闭").click()
    escalation.refresh_from_db()
    assert escalation.closed_at is not None and escalation.outcome == "family"
    assert escalation.minutes_to_handle is not None and escalation.handled_in_time
    desk.goto(live_server.url + "/")
    expect(desk.locator("[data-hotline-alert]")).to_have_count(0)


def test_a_wheelchair_need_is_assigned_resolved_with_a_delivery_and_counted(
    live_server, browser_context_factory, world
):
    county_regions()
    world.branch_a.regions.add(TOWN_A)
    worker = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="worker")
    worker_member = MemberFactory(name="驻村队员", branch=world.branch_a, user=worker)
    team = TeamFactory(name="驻村工作队", kind=Team.Kind.VILLAGE, owner_org=world.branch_a)
    MembershipFactory(team=team, member=worker_member, role=TeamMembership.Role.LEADER)
    villager = ResidentFactory(name="王大伯", village_id=VILLAGE_A, birth_date=datetime.date(1950, 3, 1))

    page = sign_in(browser_context_factory(**PHONE), live_server.url, "worker")
    figures_url = live_server.url + reverse("needs:figures")
    page.goto(figures_url)
    figure = lambda key: page.locator(f'[data-needs-figure="{key}"]')  # noqa: E731
    raised_before = int(figure("raised").inner_text()) if figure("raised").count() else 0

    # Record it at the villager's door: the resident comes from his page, the kind is one tap.
    page.goto(f"{live_server.url}{reverse('needs:new')}?resident={villager.pk}")
    page.locator("[data-category-buttons]").get_by_text("辅助器具", exact=True).click()
    page.get_by_label("诉求").fill("更换轮椅")
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="保存").first.click()
    need = Need.objects.get()
    assert need.resident == villager and need.category == "assistive" and need.status == "open"

    # Assign it to the work team with a due date.
    page.goto(live_server.url + reverse("needs:assign", args=[need.pk]))
    page.get_by_label("责任队伍").select_option(label="驻村工作队")
    page.get_by_label("办结期限").fill((timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="确定").click()
    need.refresh_from_db()
    assert need.assigned_team == team and need.status in ("open", "in_progress")

    # Resolve it with the delivery, recorded on the spot.
    page.goto(live_server.url + reverse("needs:resolve", args=[need.pk]))
    page.get_by_label("服务类型").select_option(label="辅助器具发放")
    page.get_by_label("服务内容").fill("送来新轮椅并调试")
    page.get_by_role("button", name="登记服务并办结").click()
    need.refresh_from_db()
    assert need.status == "resolved"
    delivery = need.records.get()
    assert delivery.resident == villager and delivery.service_type.code == "assistive_device"

    page.goto(figures_url)
    expect(figure("raised")).to_have_text(str(raised_before + 1))
    expect(figure("resolved")).to_have_text("1")


def test_masks_received_and_given_agree_in_stock_ledger_and_dashboard(live_server, browser_context_factory, world):
    clerk = world.owner  # 党办干事 over 内科党支部 and below
    assert clerk.username == "owner"
    page = sign_in(browser_context_factory(**PHONE), live_server.url, "owner")

    page.goto(live_server.url + reverse("materials:receipt_new"))
    page.get_by_label("接收组织").select_option(label=world.branch_a.name)
    page.get_by_label("物资").select_option(label="口罩")
    page.get_by_label("数量").fill("10000")
    page.get_by_label("来源").select_option(label="自制生产")
    page.get_by_role("button", name="保存入库").click()
    expect(page.get_by_text("10000").first).to_be_visible()

    page.goto(live_server.url + reverse("materials:distribution_new"))

    # Each choice re-renders the form through htmx (the stock available, the recipient's fields):
    # choose, then wait until the new form is in place before the next choice.
    def choose(label, option):
        with page.expect_response(lambda r: "/materials/distributions/new/?" in r.url):
            page.get_by_label(label).select_option(label=option)
        expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)

    choose("发放组织（持有库存）", world.branch_a.name)
    choose("物资", "口罩")
    expect(page.locator("[data-stock-available]")).to_contain_text("10000")
    choose("发放对象", "单位/机构")
    page.get_by_label("数量").fill("3000")
    page.get_by_label("接收单位名称").fill("孤山镇敬老院")
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="保存发放").click()
    expect(page.get_by_text("孤山镇敬老院").first).to_be_visible()

    page.goto(live_server.url + reverse("materials:index"))
    expect(page.locator("[data-stock]").filter(has_text="件").first).to_contain_text("7000")

    page.goto(live_server.url + reverse("materials:ledger"))
    totals = page.locator('[data-ledger="totals"]')
    expect(totals).to_contain_text("10000 件")
    expect(totals).to_contain_text("3000 件")
    expect(page.locator('[data-ledger="given"]')).to_contain_text("孤山镇敬老院")

    page.goto(live_server.url + reverse("reports:dashboard"))
    expect(page.locator('[data-quantity="件"]')).to_contain_text("3000")
