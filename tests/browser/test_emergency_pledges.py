"""Issue 13's judged crisis scenario in a real browser: in a new emergency with its call to serve
open, two members write their 请战书 on phones; the clerk picks them into a commando team with
checkboxes; then pairs an outbound medical team's families with volunteers in one click."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.emergencies.models import Emergency, EmergencyTeam, Pledge
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs.models import Enrollment
from xianfeng.residents.models import HouseholdTag, HouseholdTagKind
from xianfeng.residents.tests.factories import HouseholdFactory, county_regions
from xianfeng.teams.models import Team
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 390, "height": 800}


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


def test_pledges_from_phones_commando_team_and_family_pairing(live_server, browser_context_factory, world):
    today = timezone.localdate()
    emergency = Emergency.objects.create(
        org=world.committee,
        name="新冠肺炎疫情防控",
        start_on=today - datetime.timedelta(days=2),
        call_text="全院共产党员：疫情就是命令，防控就是责任！",
        pledges_open=True,
    )
    user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.committee, username="dangban")
    members = {}
    for username, name in (("wang", "王医生"), ("li", "李护士")):
        user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username=username)
        members[username] = MemberFactory(name=name, branch=world.branch_a, user=user, party_stage=Stage.FULL)
    helper = MemberFactory(name="张志愿", branch=world.branch_b, party_stage=Stage.FULL)
    Pledge.objects.create(emergency=emergency, member=helper, written_on=today, text="我请战", willing="any")
    # An outbound medical team whose staff's families live in a village the committee serves.
    regions = county_regions()
    village = next(code for code in regions if len(code) == 12)
    world.committee.regions.add(village[:9])
    medical = TeamFactory(name="援鄂医疗队", kind=Team.Kind.MEDICAL, owner_org=world.committee)
    for name in ("赵医生", "钱护士"):
        staff = MemberFactory(name=name, branch=world.branch_b, party_stage=Stage.FULL)
        MembershipFactory(team=medical, member=staff, start_on=today - datetime.timedelta(days=1))
        home = HouseholdFactory(village_id=village)
        HouseholdTag.objects.create(household=home, tag=HouseholdTagKind.MEDICAL_FAMILY, note=f"{name}的家属")
    outbound = EmergencyTeam.objects.create(emergency=emergency, team=medical, purpose="outbound")

    # Two members write their 请战书 on their phones.
    for username, chip in (("wang", "隔离病区"), ("li", "发热筛查")):
        phone = sign_in(browser_context_factory(**PHONE), live_server.url, username)
        phone.goto(live_server.url + reverse("emergencies:pledge_mine"))
        expect(phone.get_by_text("疫情就是命令")).to_be_visible()
        phone.get_by_role("link", name="我要请战").click()
        phone.get_by_label("请战书").fill("我是共产党员，我请战！服从安排，不计报酬。")
        phone.locator("[data-willing-chips]").get_by_text(chip, exact=True).click()
        assert no_horizontal_scroll(phone)
        phone.get_by_role("button", name="递交请战书").click()
        phone.wait_for_url("**/emergencies/pledges/mine/")
        expect(phone.get_by_text("已提交")).to_be_visible()
        assert no_horizontal_scroll(phone)
    assert Pledge.objects.filter(emergency=emergency, status="submitted").count() == 3

    # The clerk sees the counts and picks the two into a commando team.
    desk = sign_in(browser_context_factory(), live_server.url, "dangban")
    desk.goto(f"{live_server.url}{reverse('emergencies:pledge_list')}?emergency={emergency.pk}")
    expect(desk.locator('[data-count="submitted"]')).to_have_text("3")
    desk.locator("[data-form-team]").click()
    for username in ("wang", "li"):
        pledge = Pledge.objects.get(member=members[username])
        desk.locator(f'input[name="pledges"][value="{pledge.pk}"]').check()
    desk.get_by_label("突击队名称").fill("隔离病区党员突击队")
    desk.get_by_label("队长").select_option(label="王医生（内科党支部）")
    desk.get_by_role("button", name="组建突击队").click()
    expect(desk.get_by_role("heading", name="隔离病区党员突击队")).to_be_visible()
    roster = desk.locator("[data-roster]")
    expect(roster.get_by_text("王医生")).to_be_visible()
    expect(roster.get_by_text("李护士")).to_be_visible()
    team = EmergencyTeam.objects.get(emergency=emergency, purpose="commando").team
    assert team.kind == Team.Kind.COMMANDO and team.memberships.count() == 2
    assert Pledge.objects.filter(status="selected", team=team).count() == 2

    # One click pairs both families of the outbound team's staff (the free pledger proposed).
    desk.goto(live_server.url + reverse("emergencies:team_families", args=[outbound.pk]))
    expect(desk.get_by_role("cell", name="赵医生")).to_be_visible()
    desk.locator("[data-pair-all]").click()
    expect(desk.locator("[data-paired]")).to_have_count(2)
    expect(desk.locator("[data-all-paired]")).to_be_visible()
    pairs = Enrollment.objects.filter(program="pairing")
    assert pairs.count() == 2 and {p.responsible_member for p in pairs} == {helper}
    assert all(p.data["target_count"] == 2 and p.data["target_period"] == "week" for p in pairs)
