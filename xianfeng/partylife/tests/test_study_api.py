"""/api/partylife/ study, honours and outputs as a client sees them: scoped lists, the 已学习
call with an idempotency key, refusals as 422 naming the field, 404 out of scope, 403 read-only."""

import pytest
from django.test import Client

from xianfeng.partylife import services_study
from xianfeng.partylife.models import StudyCompletion

from .factories_study import study_world

API = "/api/partylife"


@pytest.fixture
def w(world):
    return study_world(world)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_member_lists_their_items_and_completes_with_a_key(w):
    client = _client(w.vol)
    mine = client.get(f"{API}/study-items/", {"mine": "true"}).json()["items"]
    assert {i["title"] for i in mine} == {"微课堂第1讲", "支部学习文件"}
    url = f"{API}/study-items/{w.branch_item.pk}/complete/"
    first = _post(client, url, {"idempotency_key": "outbox-1", "note": "学完了"})
    assert first.status_code == 201, first.json()
    assert first.json()["hours"] in ("2.0", 2.0) and first.json()["member_name"] == "王学习"
    again = _post(client, url, {"idempotency_key": "outbox-1"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    twice = _post(client, url, {})
    assert twice.status_code == 422 and "不能重复登记" in str(twice.json())
    assert [c["study_item_id"] for c in client.get(f"{API}/study-completions/mine/").json()["items"]] == [
        w.branch_item.pk
    ]


def test_hours_beyond_bounds_are_422(w):
    client = _client(w.vol)
    url = f"{API}/study-items/{w.branch_item.pk}/complete/"
    assert _post(client, url, {"hours": 1e30}).status_code == 422
    response = _post(client, url, {"hours": 4.5})
    assert response.status_code == 422 and "hours" in str(response.json())
    assert not StudyCompletion.objects.exists()


def test_member_cannot_complete_for_a_colleague(w):
    response = _post(_client(w.vol), f"{API}/study-items/{w.branch_item.pk}/complete/", {"member_id": w.colleague.pk})
    assert response.status_code == 422 and "member_id" in str(response.json())
    assert not StudyCompletion.objects.exists()


def test_member_sees_only_their_own_completions(w):
    services_study.study_complete(acting_user=w.colleague_user, item=w.branch_item)
    assert _client(w.vol).get(f"{API}/study-completions/").json()["items"] == []
    assert len(_client(w.secretary).get(f"{API}/study-completions/").json()["items"]) == 1


def test_clerk_pushes_patches_and_voids(w):
    client = _client(w.owner)
    created = _post(client, f"{API}/study-items/", {"org_id": w.branch_a.pk, "title": "新文件", "hours": 1.5})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    patched = client.patch(f"{API}/study-items/{pk}/", {"title": "新文件（修订）"}, content_type="application/json")
    assert patched.json()["title"] == "新文件（修订）"
    voided = _post(client, f"{API}/study-items/{pk}/void/", {"reason": "重复"})
    assert voided.json()["voided"] is True
    outside = _post(client, f"{API}/study-items/", {"org_id": w.branch_b.pk, "title": "越权"})
    assert outside.status_code == 422 and "org_id" in str(outside.json())


def test_scope_answers(w):
    assert _client(w.outsider).get(f"{API}/study-items/{w.branch_item.pk}/").status_code == 404
    assert _post(_client(w.reader), f"{API}/study-items/{w.branch_item.pk}/void/", {"reason": "x"}).status_code == 403
    assert _client(w.vol).get(f"{API}/study-items/{w.committee_item.pk}/").status_code == 200  # pushed from above


def test_honours_and_outputs(w):
    client = _client(w.owner)
    honour = _post(
        client,
        f"{API}/honours/",
        {
            "member_id": w.member.pk,
            "title": "优秀共产党员",
            "level": "institution",
            "issuer": "医院党委",
            "awarded_on": "2024-07-01",
        },
    )
    assert honour.status_code == 201, honour.json()
    assert honour.json()["org_id"] == w.branch_a.pk and honour.json()["has_certificate"] is False
    neither = _post(
        client, f"{API}/honours/", {"title": "x", "level": "city", "issuer": "y", "awarded_on": "2024-07-01"}
    )
    assert neither.status_code == 422
    body = {
        "org_id": w.branch_a.pk,
        "kind": "magazine",
        "title": "院刊",
        "issue_no": "102",
        "published_on": "2024-02-01",
    }
    assert _post(client, f"{API}/outputs/", body).status_code == 201
    dup = _post(client, f"{API}/outputs/", body)
    assert dup.status_code == 422 and "issue_no" in str(dup.json())
    listed = _client(w.reader).get(f"{API}/outputs/", {"kind": "magazine"}).json()["items"]
    assert [o["issue_no"] for o in listed] == ["102"]
    assert _client(w.outsider).get(f"{API}/honours/").json()["items"] == []
    voided = _post(client, f"{API}/honours/{honour.json()['id']}/void/", {"reason": "误登记"})
    assert voided.json()["voided"] is True
