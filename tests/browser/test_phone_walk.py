"""Every page on a 375-px phone: no sideways scroll and no request to another host.

The pages come from the URL registry (the access matrix's enumeration), with real objects
placed by the matrix's makers, so a new page is walked the day it is added. Two users walk
them: the administrator (every page works) and a volunteer (党员/志愿者: many answer 403/404,
and those pages must fit a phone too). Downloads and JSON answers are not pages and are skipped.
"""

from urllib.parse import urlsplit

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.accounts.tests.matrix import build_world, url_patterns
from xianfeng.core.tests.access import IN_ORG, load_makers
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports.spec import REGISTRY as IMPORT_SPECS
from xianfeng.reports.drill import DRILLABLE
from xianfeng.reports.families import families

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 375, "height": 740}
SKIP = {"set_language", "accounts:logout", "accounts:login"}  # POST-only or the sign-in itself


def page_urls(world, admin) -> list[str]:
    """One address per GET page of the registry, ``pk`` filled with an object of the view's model."""
    objects = {model: maker.make(world, IN_ORG, admin) for model, maker in load_makers().items()}
    urls = []
    for name, path, pattern, view_class in url_patterns():
        if name in SKIP or view_class is None or not hasattr(view_class, "get"):
            continue
        kwargs = set(pattern.pattern.converters)
        variants = [{}]
        if "spec_key" in kwargs:
            variants = [{"spec_key": key} for key in IMPORT_SPECS]
        if "key" in kwargs:  # every figure's drill-down
            variants = [{"key": key} for key in DRILLABLE]
        if "family" in kwargs:  # every drill-down of the hotline and needs figures (reports/families.py)
            variants = [{"family": fam.key, "key": key} for fam in families() for key in fam.drillable]
        for values in variants:
            url = path
            for key, value in values.items():
                url = url.replace(f"<slug:{key}>", value)
            if "pk" in kwargs:
                obj = objects.get(getattr(view_class, "model", None))
                assert obj is not None, f"no object to show on {name}"
                url = url.replace("<int:pk>", str(obj.pk)).replace("<str:pk>", str(obj.pk))
            assert "<" not in url, f"teach the phone walk the URL kwargs of {name}"
            urls.append(url)
    return urls + ["/no-such-page/"]


def walk(context, base: str, username: str, urls: list[str]) -> list[str]:
    """Sign ``username`` in and visit every url; return what failed, in words."""
    host = urlsplit(base).netloc
    problems = []
    page = context.new_page()
    current = {"url": "/accounts/login/"}

    def on_request(request):
        target = urlsplit(request.url)
        if target.scheme in ("http", "https", "ws", "wss") and target.netloc != host:
            problems.append(f"{username} {current['url']}: request to another host {request.url}")

    page.on("request", on_request)

    def check(url):
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1] + 1:
            wide = page.evaluate(
                """() => Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                    .slice(0, 3).map(e => e.tagName + '.' + e.className).join(', ')"""
            )
            problems.append(f"{username} {url}: {width[0]} px wide at {width[1]} px ({wide})")

    page.goto(f"{base}/accounts/login/")
    check("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    for url in urls:
        current["url"] = url
        answer = context.request.get(base + url, max_redirects=0)
        if "text/html" not in answer.headers.get("content-type", ""):
            continue  # a download, JSON or a redirect
        page.goto(base + url, wait_until="load")
        check(url)
    page.close()
    return problems


def test_every_page_fits_a_phone_and_stays_on_this_host(live_server, browser_context_factory, world):
    build_world(world)
    admin = user_with_grant(Role.ADMIN, Scope.ALL, username="phone-admin")
    user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_a, username="phone-volunteer")
    urls = page_urls(world, admin)
    assert len(urls) > 40  # the registry really was walked

    problems = []
    for username in ("phone-admin", "phone-volunteer"):
        context = browser_context_factory(**PHONE)
        problems += walk(context, live_server.url, username, urls)
    assert not problems, "\n".join(problems)
