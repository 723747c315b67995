"""The 工作台: panels registered by the apps, each shown only to whom it concerns."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import LoginLog
from xianfeng.core.home import register_panel, registered_panels
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports.models import ImportJob
from xianfeng.members.pipeline import TALK_WITHIN_MONTHS, Stage, Step, add_months
from xianfeng.members.tests.factories import MemberFactory, PartyStepFactory
from xianfeng.teams.models import TeamMembership
from xianfeng.teams.tests.factories import MembershipFactory, PostFactory, TeamFactory, ZoneFactory


def panel_keys(response) -> list[str]:
    return [p["key"] for p in response.context["panels"]]


def count_badge(html: str, key: str) -> str:
    marker = f'data-count="{key}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def make_pipeline(branch, today):
    day = datetime.timedelta(days=1)
    MemberFactory(branch=branch, party_stage=Stage.APPLICANT, next_step=Step.TALK, next_due_on=today - 3 * day)
    MemberFactory(branch=branch, party_stage=Stage.ACTIVIST, next_step=Step.REVIEW, next_due_on=today + 10 * day)
    # The end of probation is when the vote becomes possible: ready, not overdue.
    MemberFactory(branch=branch, party_stage=Stage.PROBATIONARY, next_step=Step.FULL, next_due_on=today - day)
    MemberFactory(branch=branch, party_stage=Stage.FULL)  # not in the pipeline


def test_clerk_sees_worklist_counts_with_links_and_no_menu_copy(world, login):
    today = timezone.localdate()
    make_pipeline(world.branch_a, today)
    make_pipeline(world.branch_b, today)  # outside the owner's scope
    response = login(world.owner).get(reverse("core:home"))
    html = response.content.decode()
    assert panel_keys(response)[0] == "members-worklist"
    assert (count_badge(html, "overdue"), count_badge(html, "due_soon"), count_badge(html, "ready")) == ("1", "1", "1")
    assert count_badge(html, "total") == "3"
    assert f'href="{reverse("members:worklist")}?days=30"' in html
    assert "模块" not in html  # the sidebar is the menu; the home page no longer copies it
    assert "内科党支部" in html  # the grant's scope at a glance


def test_each_role_sees_panels_for_its_work(world, login):
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="volunteer")
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, None, username="auditor")
    LoginLog.objects.create(username="owner", success=False)
    assert panel_keys(login(world.reader).get("/")) == ["members-worklist", "reports-dashboard", "scope"]
    assert panel_keys(login(volunteer).get("/")) == ["servicelog-mine", "scope"]
    response = login(auditor).get("/")
    assert panel_keys(response) == ["audit", "scope"]
    assert count_badge(response.content.decode(), "failed_logins") == "1"
    assert "members-worklist" not in panel_keys(login(auditor).get("/"))


def test_recent_imports_are_the_users_own(world, login):
    ImportJob.objects.create(
        spec_key="residents", original_name="居民名单.xlsx", created_by=world.owner, org_path=world.branch_a.path
    )
    ImportJob.objects.create(
        spec_key="residents", original_name="别人的.xlsx", created_by=world.admin, org_path=world.branch_a.path
    )
    html = login(world.owner).get("/").content.decode()
    assert "居民名单.xlsx" in html
    assert "别人的.xlsx" not in html


def test_registry_orders_panels_and_hides_those_returning_none(world, login):
    register_panel("zz-test-hidden", order=0, template="core/home.html", context=lambda request: None)
    try:
        assert "zz-test-hidden" in [p.key for p in registered_panels()]
        assert "zz-test-hidden" not in panel_keys(login(world.owner).get("/"))
    finally:
        from xianfeng.core import home

        home._PANELS.pop("zz-test-hidden")


@pytest.mark.parametrize("username", ["admin", "owner"])
def test_home_queries_do_not_grow_with_data(world, login, username):
    user = getattr(world, username)
    client = login(user)
    today = timezone.localdate()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    make_pipeline(world.branch_a, today)
    member = MemberFactory(branch=world.branch_a, user=user, party_stage=Stage.APPLICANT)
    PartyStepFactory(member=member, step=Step.APPLY, on_date=today)
    queries()  # warm up: the first request may refresh the session
    few = queries()
    for _ in range(5):
        make_pipeline(world.branch_a, today)
        ImportJob.objects.create(spec_key="residents", original_name="x.xlsx", created_by=user)
        MembershipFactory(team=TeamFactory(owner_org=world.branch_a), member=member)
        MembershipFactory(member=member)  # another organization's team
        PostFactory(owner_org=world.branch_a).assignments.create(member=member, start_on=today)
        ZoneFactory(owner_org=world.branch_a).assignments.create(member=member, start_on=today)
    queries()  # new organizations were created: the cached grants are read again once
    many = queries()
    assert many == few
    # 16 + the service panel's counts + 待随访 (the teams, one aggregate) + 本周结对联系 (one exists),
    # + issue 12's panels as each user sees them: the hotline (open escalations, today's calls, the
    # red banner's count), the roster (gaps, one's own duties), needs (overdue), materials (stock),
    # + issue 13's: running emergencies (two panels: today's report, the call to serve), this
    # quarter's missing meetings (the branch, its meetings, its local rules), study, dues arrears.
    budget = {"admin": 36, "owner": 30}[username]
    assert many <= budget, f"the home page takes {many} queries"


def volunteer_with_member(world, **member_kwargs):
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="volunteer")
    member = MemberFactory(branch=world.branch_a, user=volunteer, name="张志愿", **member_kwargs)
    return volunteer, member


def test_volunteer_sees_own_teams_posts_and_zones_with_roster_size_when_leading(world, login):
    volunteer, member = volunteer_with_member(world)
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    led = TeamFactory(name="内科先锋队", owner_org=world.branch_a)
    MembershipFactory(team=led, member=member, role=TeamMembership.Role.LEADER)
    MembershipFactory.create_batch(2, team=led)
    MembershipFactory(team=led, end_on=today - day)  # left the team: not on today's roster
    joined = TeamFactory(name="阳光志愿服务队", owner_org=world.branch_b)  # another org's team
    MembershipFactory(team=joined, member=member)
    MembershipFactory.create_batch(3, team=joined)
    MembershipFactory(team=TeamFactory(name="援鄂医疗队", owner_org=world.branch_a), member=member, end_on=today - day)
    MembershipFactory(team=TeamFactory(name="别人的队"), start_on=today - day)
    post = PostFactory(name="党员示范岗", owner_org=world.branch_a)
    post.assignments.create(member=member, start_on=today - 30 * day)
    zone = ZoneFactory(name="东街责任区", owner_org=world.branch_a)
    zone.assignments.create(member=member, start_on=today - 30 * day, end_on=today - day)  # handed over

    response = login(volunteer).get("/")
    assert panel_keys(response) == ["servicelog-mine", "teams-mine", "scope"]
    html = response.content.decode()
    panel = html[html.index('data-panel="teams-mine"') : html.index('data-panel="scope"')]
    assert f'href="{reverse("teams:detail", args=[led.pk])}">内科先锋队</a>' in panel
    assert "队长" in panel and count_badge(panel, "roster") == "队员 3 人"
    # A team of another organization is listed (it is the volunteer's own membership), without a
    # link the volunteer's grant would answer 404 to, and without the roster of a mere member.
    assert "阳光志愿服务队" in panel and reverse("teams:detail", args=[joined.pk]) not in panel
    assert panel.count('data-count="roster"') == 1
    assert "援鄂医疗队" not in panel and "别人的队" not in panel
    assert f'href="{reverse("teams:post_detail", args=[post.pk])}">党员示范岗</a>' in panel
    assert "东街责任区" not in panel


def test_volunteer_in_the_party_pipeline_sees_their_next_step_and_deadline(world, login):
    volunteer, member = volunteer_with_member(world, party_stage=Stage.APPLICANT)
    applied = timezone.localdate() - datetime.timedelta(days=10)
    PartyStepFactory(member=member, step=Step.APPLY, on_date=applied)
    response = login(volunteer).get("/")
    assert panel_keys(response) == ["servicelog-mine", "members-progress", "teams-mine", "scope"]
    html = response.content.decode()
    panel = html[html.index('data-panel="members-progress"') : html.index('data-panel="teams-mine"')]
    assert "入党申请人" in panel and "入党谈话" in panel
    deadline = add_months(applied, TALK_WITHIN_MONTHS)
    assert f"应于 {deadline:%Y-%m-%d} 前完成" in panel  # 一个月内谈话 (the worklist's wording)
    assert "您目前不在任何队伍中" in html


def test_each_demo_role_has_something_to_do_or_read(world, login):
    """Every role of the demo logins sees a panel about its own work, beyond its grants."""
    make_pipeline(world.branch_a, timezone.localdate())
    volunteer, member = volunteer_with_member(world)
    MembershipFactory(team=TeamFactory(owner_org=world.branch_a), member=member)
    users = {
        "admin": world.admin,
        "dangban": world.owner,
        "shuji": user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji"),
        "dangyuan": volunteer,
        "jingfang": user_with_grant(Role.DOCTOR, Scope.REGION, None, region_prefixes="2106", username="jingfang"),
        "lingdao": world.reader,
        "shenji": user_with_grant(Role.AUDITOR, Scope.ALL, None, username="shenji"),
    }
    for name, user in users.items():
        keys = panel_keys(login(user).get("/"))
        assert set(keys) - {"scope"}, f"{name} sees only the grants panel: {keys}"
