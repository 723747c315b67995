"""Issue 11's judged scenario in a real browser: the leader opens the dashboard, clicks 覆盖乡镇 and
sees the townships with their records; downloads this quarter's Word report and finds every number
equal to the dashboard's; publishes it; a clerk voids a record; the snapshot shows the change."""

import calendar
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.reports.models import Snapshot
from xianfeng.residents.tests.factories import VILLAGE_A, VILLAGE_B, ResidentFactory, county_regions
from xianfeng.servicelog.services import record_void
from xianfeng.servicelog.tests.factories import ServiceRecordFactory, service_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"


def this_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return first, datetime.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])


def sign_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")


def figure(page, key) -> str:
    """The number a dashboard headline figure shows (digits only)."""
    link = page.locator(f'a[href^="/reports/drill/{key}/"]').first
    return re.sub(r"[^\d.]", "", link.inner_text())


def test_leader_drills_downloads_publishes_and_sees_a_later_void(live_server, browser_context_factory, world):
    county_regions()
    user_with_grant(Role.LEADER, Scope.ALL, None, username="lingdao-test")  # 领导(只读) over 全部
    clerk = world.owner  # 党办干事 over branch A's subtree
    today = timezone.localdate()
    start, end = this_quarter(today)
    home_visit = service_type("medicine_delivery")
    residents = [ResidentFactory(name=f"居民{i}", village_id=VILLAGE_A if i < 3 else VILLAGE_B) for i in range(5)]
    records = [
        ServiceRecordFactory(service_type=home_visit, resident=r, org=world.branch_a, served_on=today)
        for r in residents
    ]
    ServiceRecordFactory(service_type=home_visit, resident=residents[0], org=world.branch_a, served_on=today)

    page = browser_context_factory().new_page()
    sign_in(page, live_server.url, "lingdao-test")
    query = f"from={start}&to={end}"
    page.goto(f"{live_server.url}{reverse('reports:dashboard')}?{query}")
    assert figure(page, "person_times") == "6" and figure(page, "persons") == "5"
    assert figure(page, "townships_covered") == "2"

    # 覆盖乡镇 → the townships, each with its records.
    page.locator('a[href^="/reports/drill/townships_covered/"]').first.click()
    expect(page.get_by_role("link", name="孤山镇")).to_be_visible()
    expect(page.get_by_role("link", name="前阳镇")).to_be_visible()
    expect(page.get_by_text("= 图表中的数字")).to_be_visible()

    # This quarter's Word report: its appendix prints the dashboard's numbers.
    page.goto(f"{live_server.url}{reverse('reports:narrative')}?{query}")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Word").or_(page.get_by_role("button", name="下载 Word")).first.click()
    document = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    exact = {row.cells[0].text: row.cells[2].text for table in document.tables for row in table.rows}
    assert exact["服务人次"] == "6" and exact["服务人数"] == "5" and exact["覆盖乡镇"] == "2"

    # Publish; a clerk voids a record behind 服务人次; the snapshot shows it.
    page.get_by_role("button", name="发布（冻结数据）").click()
    if page.get_by_role("button", name="发布").count():  # a confirmation page
        page.get_by_role("button", name="发布").last.click()
    expect(page.get_by_text("报告已发布")).to_be_visible()
    snapshot = Snapshot.objects.get()
    record_void(acting_user=clerk, record=records[1], reason="重复登记")

    page.goto(live_server.url + reverse("reports:snapshot_detail", args=[snapshot.pk]))
    expect(page.locator('li[data-figure="person_times"]')).to_contain_text("1 条记录在发布后发生变化，影响「服务人次」")
    expect(page.locator('tr[data-figure="person_times"]')).to_contain_text("5")
