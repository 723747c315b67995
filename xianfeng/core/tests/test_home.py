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
from xianfeng.members.pipeline import Stage, Step
from xianfeng.members.tests.factories import MemberFactory


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
    assert panel_keys(login(world.reader).get("/")) == ["members-worklist", "scope"]
    assert panel_keys(login(volunteer).get("/")) == ["scope"]
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
    queries()  # warm up: the first request may refresh the session
    few = queries()
    for _ in range(5):
        make_pipeline(world.branch_a, today)
        ImportJob.objects.create(spec_key="residents", original_name="x.xlsx", created_by=user)
    many = queries()
    assert many == few
    assert many <= 16, f"the home page takes {many} queries"
