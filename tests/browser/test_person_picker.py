"""A clerk adds a member to a team by typing three letters of her initials and picking her."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"


def test_pick_a_member_by_initials_on_a_phone(live_server, browser_context_factory, world):
    team = TeamFactory(name="抗洪突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    wang = MemberFactory(name="王建國", branch=world.branch_a, phone="13812345678")
    MemberFactory(name="王建军", branch=world.branch_b)  # the outsider's: never offered
    for n in range(5):
        MemberFactory(name=f"李{n}", branch=world.group_a)

    page = browser_context_factory(width=375, height=740).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("owner")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(live_server.url + reverse("teams:membership_add", args=[team.pk]))
    expect(page.locator("select[name=member] option")).to_have_count(1)  # only the empty choice
    page.get_by_role("combobox", name="输入姓名").press_sequentially("wjg")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("王建國（内科党支部）")
    options.first.click()
    expect(page.locator("select[name=member]")).to_have_value(str(wang.pk))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("王建國").first).to_be_visible()
    assert team.memberships.get().member == wang
