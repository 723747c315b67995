"""Organization kinds decide where an organization may sit (xianfeng/orgs/rules.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from xianfeng.api.tests.conftest import bearer_header
from xianfeng.demo.seed import ORGS
from xianfeng.orgs import rules, services
from xianfeng.orgs.models import Organization

K = Organization.Kind


def test_a_branch_cannot_be_moved_under_a_group(world):
    with pytest.raises(ValidationError) as error:
        services.org_move(acting_user=world.admin, org=world.branch_b, new_parent=world.group_a)
    assert error.value.message_dict["parent"] == [
        "党支部只能设在党委或党总支之下，不能设在党小组“内科第一党小组”之下。"
    ]
    world.branch_b.refresh_from_db()
    assert world.branch_b.parent == world.committee


def test_a_group_belongs_under_a_branch_and_not_at_the_top(world):
    with pytest.raises(ValidationError, match="党小组只能设在党支部或临时党支部之下，不能作为顶层组织"):
        services.org_create(acting_user=world.admin, name="游离小组", kind=K.GROUP)
    with pytest.raises(ValidationError, match="不能设在党委"):
        services.org_create(acting_user=world.admin, name="越级小组", kind=K.GROUP, parent=world.committee)
    assert not Organization.objects.filter(name__in=["游离小组", "越级小组"]).exists()
    general = services.org_create(acting_user=world.admin, name="党总支", kind=K.GENERAL_BRANCH, parent=world.committee)
    services.org_move(acting_user=world.admin, org=world.branch_b, new_parent=general)  # allowed


def test_changing_a_kind_keeps_parent_and_children_valid(world):
    # 内科党支部 has a 党小组 under it: as a 党总支 it could not hold one.
    with pytest.raises(ValidationError, match="党小组"):
        services.org_update(acting_user=world.admin, org=world.branch_a, kind=K.GENERAL_BRANCH)
    with pytest.raises(ValidationError, match="党委只能设在党委之下"):
        services.org_update(acting_user=world.admin, org=world.group_a, kind=K.COMMITTEE)
    services.org_update(acting_user=world.admin, org=world.branch_b, kind=K.TEMP_BRANCH)  # same parents allowed


def test_move_form_offers_only_allowed_parents_and_explains_the_rule(world, login):
    client = login(world.admin)
    url = reverse("orgs:move", args=[world.branch_b.pk])
    page = client.get(url).content.decode()
    assert "党支部只能设在党委或党总支之下" in page
    assert f'value="{world.committee.pk}"' in page
    assert f'value="{world.group_a.pk}"' not in page and f'value="{world.branch_a.pk}"' not in page
    response = client.post(url, {"new_parent": world.group_a.pk})  # a forged choice
    assert response.status_code == 400
    response = client.post(url, {"new_parent": ""})
    assert response.status_code == 400
    assert "不能作为顶层组织" in response.content.decode()


def test_api_refuses_a_wrong_kind_with_the_same_message(world, client):
    response = client.post(
        f"/api/orgs/{world.branch_b.pk}/move/",
        {"parent_id": world.group_a.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer_header(world.admin),
    )
    assert response.status_code == 422
    assert "党支部只能设在党委或党总支之下" in response.json()["errors"]["parent"][0]


def test_every_kind_has_a_rule_and_the_demo_tree_obeys_it():
    assert set(rules.ALLOWED_PARENTS) == set(K.values)
    kinds = {name: kind for name, kind, *_ in ORGS}
    broken = [
        name for name, kind, parent, *_ in ORGS if not rules.may_hang_under(kind, kinds[parent] if parent else None)
    ]
    assert broken == []
