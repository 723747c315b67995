"""An administrator on a 375-px phone reads the service-type catalogue, adds a type whose result
fields are first mistyped (the error names the item), and finds it in the catalogue."""

import pytest
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.servicelog.models import ServiceType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"


def fits(page) -> bool:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return width[0] <= width[1] + 1


def test_an_administrator_adds_a_service_type_on_a_phone(live_server, browser_context_factory, world):
    user_with_grant(Role.ADMIN, Scope.ALL, username="guanli", display_name="管理员")
    page = browser_context_factory(width=375, height=740).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("guanli")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/servicelog/types/")
    expect(page.get_by_role("heading", name="服务类型目录")).to_be_visible()
    expect(page.get_by_role("heading", name="心理与精神卫生")).to_be_visible()
    assert fits(page), "the catalogue scrolls sideways at 375 px"

    page.get_by_role("link", name="新增服务类型").click()
    page.get_by_label("代码").fill("mask_sewing")
    page.get_by_label("名称").fill("缝制口罩")
    page.get_by_label("类别").select_option("materials")
    page.get_by_label("计量单位").select_option("件")
    page.get_by_label("结果字段（JSON）").fill(
        '[{"key": "pieces", "label": "件数", "kind": "integer", "min": 9, "max": 1}]'
    )
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("第 1 项：min 不能大于 max")).to_be_visible()
    assert fits(page), "the type form scrolls sideways at 375 px"
    assert not ServiceType.objects.filter(code="mask_sewing").exists()

    page.get_by_label("结果字段（JSON）").fill('[{"key": "pieces", "label": "件数", "kind": "integer", "min": 0}]')
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/servicelog/types/")
    expect(page.get_by_text("已新增服务类型“缝制口罩”（mask_sewing）")).to_be_visible()
    page.get_by_role("searchbox").fill("缝制")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("cell", name="mask_sewing")).to_be_visible()
    assert ServiceType.objects.get(code="mask_sewing").result_fields[0]["min"] == 0
