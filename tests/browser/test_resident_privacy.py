"""A township doctor finds 陳大文 by pinyin initials, reveals the ID number with a reason,
and the auditor sees that reveal in the access log — in a real browser."""

import datetime

import pytest
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.residents.tests.factories import TOWN_A, ResidentFactory, county_regions, make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_reveal_is_asked_why_and_shows_in_the_audit(live_server, browser_context_factory):
    county_regions()
    id_number = make_id_number(datetime.date(1958, 3, 2), serial=7)
    ResidentFactory(name="陳大文", birth_date=datetime.date(1958, 3, 2), id_number=id_number)
    user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doctor", display_name="赵医生")
    user_with_grant(Role.AUDITOR, Scope.ALL, username="auditor")

    page = browser_context_factory().new_page()
    sign_in(page, live_server, "doctor")
    page.goto(f"{live_server.url}/residents/?q=cdw")
    page.get_by_role("link", name="陳大文").click()
    expect(page.get_by_text(id_number)).to_have_count(0)  # masked until revealed
    page.get_by_label("查看事由").fill("入户随访核对身份")
    page.get_by_role("button", name="查看完整").click()
    expect(page.get_by_text(id_number)).to_be_visible()

    audit = browser_context_factory().new_page()
    sign_in(audit, live_server, "auditor")
    audit.goto(f"{live_server.url}/audit/access/")
    row = audit.get_by_role("row").filter(has_text="陳大文")
    expect(row).to_contain_text("入户随访核对身份")
    expect(row).to_contain_text("赵医生")
