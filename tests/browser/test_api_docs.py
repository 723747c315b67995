"""/api/docs renders Swagger UI from local files under the strict CSP, in a real browser."""

import pytest
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.orgs.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_shows_the_operations_without_csp_errors_or_other_hosts(live_server, browser_context_factory):
    committee = OrganizationFactory(name="东港市中心医院党委", kind=Organization.Kind.COMMITTEE)
    user = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, committee, username="docs")
    context = browser_context_factory()
    name, value = _session_cookie(user)  # signed in: the live server shares the test database
    context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
    page = context.new_page()
    hosts, problems = set(), []
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/orgs/").first).to_be_visible(timeout=15000)
    expect(page.locator(".opblock-summary-method", has_text="GET").first).to_be_visible()
    assert hosts == {live_server.url.split("/")[2]}
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert problems == []


def _session_cookie(user) -> tuple[str, str]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def test_home_panels_and_error_pages_fit_a_phone(live_server, browser_context_factory):
    from pathlib import Path

    committee = OrganizationFactory(name="东港市中心医院党委", kind=Organization.Kind.COMMITTEE)
    branch = OrganizationFactory(name="内科党支部", kind=Organization.Kind.BRANCH, parent=committee)
    user = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, branch, username="phone-home")
    context = browser_context_factory(width=375, height=740)
    name, value = _session_cookie(user)
    context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
    page = context.new_page()
    shots = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("发展党员待办")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(shots / "phone-home.png"), full_page=True)
    response = page.goto(f"{live_server.url}/orgs/{committee.pk}/")  # out of scope: 404
    assert response.status == 404
    expect(page.get_by_role("heading", name="找不到这个页面")).to_be_visible()
    expect(page.get_by_role("link", name="返回工作台")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(shots / "phone-404.png"), full_page=True)
