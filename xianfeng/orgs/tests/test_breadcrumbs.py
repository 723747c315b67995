"""Breadcrumbs and parent links show ancestors the user cannot open as plain text, not links."""

from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory


def test_branch_secretary_sees_the_committee_as_text(world, login):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    client = login(secretary)
    html = client.get(reverse("orgs:detail", args=[world.group_a.pk])).content.decode()
    committee_url = reverse("orgs:detail", args=[world.committee.pk])
    assert f'href="{committee_url}"' not in html
    assert "市医院党委" in html
    # The branch itself is in scope: still a link.
    assert f'href="{reverse("orgs:detail", args=[world.branch_a.pk])}"' in html
    # The committee really answers 404 for this user: a link would be a dead end.
    assert client.get(committee_url).status_code == 404


def test_branch_page_has_no_link_to_the_out_of_scope_parent(world, login):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    html = login(secretary).get(reverse("orgs:detail", args=[world.branch_a.pk])).content.decode()
    assert f'href="{reverse("orgs:detail", args=[world.committee.pk])}"' not in html
    assert html.count("市医院党委") >= 2  # breadcrumb and 上级组织, both as text


def test_administrator_still_gets_links(world, login):
    html = login(world.admin).get(reverse("orgs:detail", args=[world.group_a.pk])).content.decode()
    assert f'href="{reverse("orgs:detail", args=[world.committee.pk])}"' in html


def test_member_page_links_the_branch_only_when_viewable(world, login):
    member = MemberFactory(branch=world.branch_a)
    volunteer_reader = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.branch_a, username="clerk_a")
    html = login(volunteer_reader).get(reverse("members:detail", args=[member.pk])).content.decode()
    assert f'href="{reverse("orgs:detail", args=[world.branch_a.pk])}"' in html
