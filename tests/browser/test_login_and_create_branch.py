"""A clerk signs in and creates a branch in a real browser, on a desktop and on a phone."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.orgs.models import Organization

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "Xianfeng-test-1"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def committee():
    return OrganizationFactory(name="东港市中心医院党委", kind=Organization.Kind.COMMITTEE)


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_clerk_logs_in_and_creates_a_branch(live_server, browser_context_factory, committee):
    user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, committee, username="dangban")
    page = browser_context_factory().new_page()
    sign_in(page, live_server, "dangban")
    page.get_by_role("link", name="组织").first.click()
    page.get_by_role("link", name="新建组织").click()
    page.get_by_label("名称").first.fill("急诊科党支部")
    page.get_by_label("类型").select_option(label="党支部")
    page.get_by_label("上级组织").select_option(label="东港市中心医院党委")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/orgs/*/")
    expect(page.get_by_role("heading", name="急诊科党支部")).to_be_visible()
    expect(page.get_by_text("已创建组织“急诊科党支部”")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "branch-created.png"), full_page=True)
    branch = Organization.objects.get(name="急诊科党支部")
    assert branch.parent == committee and branch.path.startswith(committee.path)


def test_phone_width_layout_has_a_menu_and_no_sideways_scroll(live_server, browser_context_factory, committee):
    user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, committee, username="phone")
    page = browser_context_factory(width=375, height=740).new_page()
    sign_in(page, live_server, "phone")
    page.goto(f"{live_server.url}/regions/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name=re.compile(r"^\W*组织$")).click()  # not 组织生活
    page.wait_for_url("**/orgs/")
    expect(page.get_by_role("heading", name="组织架构")).to_be_visible()
    expect(page.get_by_role("link", name="东港市中心医院党委")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "phone-orgs.png"), full_page=True)


def test_no_asset_is_loaded_from_another_host(live_server, browser_context_factory, committee):
    user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, committee, username="offline")
    page = browser_context_factory().new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    sign_in(page, live_server, "offline")
    page.goto(f"{live_server.url}/orgs/")
    assert hosts == {live_server.url.split("/")[2]}
    assert page.evaluate("getComputedStyle(document.querySelector('.btn-danger')).backgroundColor") != ""
