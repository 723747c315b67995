"""The issue's judged scenario on a 375-px phone: a volunteer signs in, finds a resident by
pinyin initials, records a home medicine delivery in at most 6 taps after finding them, sees
the success banner, and then finds the record on the record list."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 375, "height": 740}
MAX_TAPS = 6


def test_a_volunteer_records_a_medicine_delivery_on_a_phone(live_server, browser_context_factory, world):
    world.branch_a.regions.add(county_regions()[TOWN_A])
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="dangyuan-test")
    member = MemberFactory(name="党员甲", branch=world.branch_a, user=volunteer)
    team = TeamFactory(name="内科党员先锋队", owner_org=world.branch_a)
    MembershipFactory(team=team, member=member)
    li = ResidentFactory(name="李大爺", village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1))
    ResidentFactory(name="林德义", village_id=VILLAGE_A, birth_date=datetime.date(1962, 3, 1))  # also "ldy"

    page = browser_context_factory(**PHONE).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("dangyuan-test")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    # From the 工作台: the big 快速登记 button, then the resident by pinyin initials.
    page.get_by_role("link", name="快速登记").first.click()
    page.wait_for_url(f"{live_server.url}{reverse('servicelog:quick')}")
    page.get_by_label("第一步：找到居民").press_sequentially("ldy")
    found = page.locator("[data-quick-results] a", has_text="李大爺")
    expect(found).to_have_count(1)
    expect(page.locator("[data-quick-results] a")).to_have_count(2)
    found.click()  # the resident is found
    expect(page.locator("[data-quick-subject]")).to_contain_text("李大爺 · 冯家屯村委会 · 1950年生")

    taps = 0

    def tap(locator):
        nonlocal taps
        taps += 1
        locator.click()

    tap(page.get_by_text("送药上门", exact=True))
    tap(page.get_by_role("button", name="保存"))
    banner = page.locator("[data-saved]")
    expect(banner).to_contain_text("已登记")
    expect(banner).to_contain_text("送药上门 · 李大爺")
    assert taps <= MAX_TAPS

    record = ServiceRecord.objects.get()
    assert record.resident == li and record.team == team and record.created_by == volunteer
    assert record.providers.get().member == member

    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"{width[0]} px wide at {width[1]} px"

    # The next one: the same resident, with 送药上门 now among the recent types.
    page.get_by_role("link", name="再记一条（同一居民）").click()
    expect(page.locator("[data-recent-types]")).to_contain_text("送药上门")

    page.goto(live_server.url + reverse("servicelog:record_list"))
    row = page.locator("table.table-cards tbody tr").first
    expect(row).to_contain_text("送药上门")
    expect(row).to_contain_text("李大爺 · 冯家屯村委会")
    expect(page.get_by_text("共 1 条")).to_be_visible()

    # The desk form shows the typed-result fields of the chosen type only.
    page.goto(live_server.url + reverse("servicelog:record_new") + f"?resident={li.pk}")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    expect(page.get_by_text("健康体检的结果")).to_be_hidden()
    page.get_by_label("服务类型").select_option(label="健康体检")
    expect(page.get_by_text("健康体检的结果")).to_be_visible()
    expect(page.get_by_text("视力听力检查的结果")).to_be_hidden()
    expect(page.locator("[data-unit-label]")).to_have_text("人次")
    assert not errors
