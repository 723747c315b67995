from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.orgs.models import Organization


def test_branch_secretary_sees_only_their_subtree(world, login):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a)
    page = login(secretary).get(reverse("orgs:list")).content.decode()
    assert "内科党支部" in page and "内科第一党小组" in page
    assert "外科党支部" not in page and "市医院党委" not in page


def test_outsider_gets_404_for_another_branch(world, login):
    response = login(world.outsider).get(reverse("orgs:detail", args=[world.branch_a.pk]))
    assert response.status_code == 404


def test_reader_cannot_open_the_edit_form(world, login):
    response = login(world.reader).get(reverse("orgs:edit", args=[world.branch_a.pk]))
    assert response.status_code == 403


def test_clerk_creates_a_group_from_the_form(world, login):
    client = login(world.owner)
    response = client.post(
        reverse("orgs:create"),
        {
            "name": "内科青年党小组",
            "kind": "group",
            "parent": world.branch_a.pk,
            "active_from": "2024-07-01",
        },
    )
    org = Organization.objects.get(name="内科青年党小组")
    assert response.status_code == 302 and response["Location"] == reverse("orgs:detail", args=[org.pk])
    assert org.parent == world.branch_a


def test_parent_dropdown_offers_only_orgs_in_scope(world, login):
    page = login(world.owner).get(reverse("orgs:create")).content.decode()
    assert "外科党支部" not in page


def test_form_reports_bad_region_codes_and_saves_nothing(world, login):
    response = login(world.owner).post(
        reverse("orgs:create"),
        {
            "name": "错误支部",
            "kind": "branch",
            "parent": world.branch_a.pk,
            "active_from": "2024-07-01",
            "regions": "999999",
        },
    )
    assert response.status_code == 400
    assert "未知的区划代码：999999" in response.content.decode()
    assert not Organization.objects.filter(name="错误支部").exists()


def test_move_form_rejects_a_cycle_with_a_message(world, login):
    client = login(world.admin)
    # The dropdown does not even offer descendants; a forged POST is refused too.
    response = client.post(reverse("orgs:move", args=[world.branch_a.pk]), {"new_parent": world.group_a.pk})
    assert response.status_code == 400
    world.branch_a.refresh_from_db()
    assert world.branch_a.parent == world.committee


def test_dissolve_requires_confirmation(world, login):
    client = login(world.owner)
    url = reverse("orgs:dissolve", args=[world.group_a.pk])
    response = client.post(url, {"on_date": "2025-01-01", "reason": "合并"})
    assert response.status_code == 400
    world.group_a.refresh_from_db()
    assert world.group_a.active_to is None
    client.post(url, {"on_date": "2025-01-01", "reason": "合并", "confirm": "on"})
    world.group_a.refresh_from_db()
    assert str(world.group_a.active_to) == "2025-01-01"


def test_tree_search_filters_with_htmx_partial(world, login):
    response = login(world.admin).get(reverse("orgs:list"), {"q": "外科"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "外科党支部" in body and "内科党支部" not in body
