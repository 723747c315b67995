"""Issue 13's judged crisis scenario, command part, in a real browser: a clerk opens a new
emergency, files three daily reports on a phone, tries a decreasing count and is refused with the
field and both numbers, and the trend page's chart data show the three days."""

import datetime
import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.emergencies.models import DailyReport, Emergency
from xianfeng.orgs.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 390, "height": 780}


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


def file_report(page, url, emergency, day, screened, confirmed):
    page.goto(f"{url}/emergencies/{emergency.pk}/reports/new/")
    page.locator("input[name=day]").fill(day.isoformat())
    page.locator("input[name=screened]").fill(str(screened))
    page.locator("input[name=confirmed]").fill(str(confirmed))
    for name in ("isolated_suspected", "asymptomatic", "severe", "transferred", "discharged", "deaths"):
        if not page.locator(f"input[name={name}]").input_value():
            page.locator(f"input[name={name}]").fill("0")
    page.locator("input[name=staff_infections]").fill("0")
    page.get_by_role("button", name="提交").click()


def test_a_clerk_runs_the_daily_report_of_a_new_emergency(live_server, browser_context_factory):
    committee = OrganizationFactory(name="市医院党委", kind=Organization.Kind.COMMITTEE)
    user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, committee, username="clerk")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=5)
    url = live_server.url

    desk = sign_in(browser_context_factory(), url, "clerk")
    desk.goto(f"{url}/emergencies/")
    desk.get_by_role("link", name="新建应急事件").click()
    desk.get_by_label("名称").fill("流感疫情防控")
    desk.get_by_label("开始日期").fill(start.isoformat())
    desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_role("heading", name="流感疫情防控")).to_be_visible()
    emergency = Emergency.objects.get()
    assert emergency.org == committee and emergency.start_on == start

    phone = sign_in(browser_context_factory(**PHONE), url, "clerk")
    days = [start + datetime.timedelta(days=i) for i in range(3)]
    for day, (screened, confirmed) in zip(days, [(40, 1), (95, 3), (150, 4)], strict=True):
        file_report(phone, url, emergency, day, screened, confirmed)
        expect(phone.get_by_text(f"已填报 {day.isoformat()} 的情况")).to_be_visible()
    assert DailyReport.objects.count() == 3

    # The fourth day: the form is prefilled with yesterday's cumulative counts and shows the new
    # cases while typing; a decrease is refused, naming the field and both numbers.
    phone.goto(f"{url}/emergencies/{emergency.pk}/reports/new/")
    expect(phone.locator("input[name=confirmed]")).to_have_value("4")
    assert no_horizontal_scroll(phone)
    phone.locator("input[name=day]").fill((start + datetime.timedelta(days=3)).isoformat())
    phone.locator("input[name=confirmed]").fill("2")
    expect(phone.locator('[data-new-for="confirmed"]')).to_contain_text("4")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_text(f"“确诊”累计数 2 小于 {days[2].isoformat()} 报告的 4")).to_be_visible()
    assert DailyReport.objects.count() == 3

    phone.goto(f"{url}/emergencies/{emergency.pk}/trend/")
    data = json.loads(phone.locator("#daily-trend-data").text_content())
    assert data["days"] == [d.isoformat() for d in days]
    lines = {line["code"]: line["values"] for line in data["lines"]}
    assert lines["confirmed"] == [1, 3, 4] and lines["screened"] == [40, 95, 150]
    assert data["bar"]["values"] == [1, 2, 1]
    expect(phone.locator("#daily-trend-lines canvas")).to_have_count(1)
    assert no_horizontal_scroll(phone)
