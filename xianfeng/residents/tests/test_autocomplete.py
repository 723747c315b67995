"""The resident and household pickers' search, scoped and bounded."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.residents import services
from xianfeng.residents.forms import ResidentForm
from xianfeng.residents.models import Resident

from .factories import VILLAGE_A, VILLAGE_B, make_id_number

URL = reverse("residents:autocomplete")
HOUSEHOLDS = reverse("residents:household_autocomplete")
ID_A = make_id_number(datetime.date(1950, 6, 1), serial=11)


@pytest.fixture
def people(doctors, county):
    a = services.resident_create(
        acting_user=doctors.a,
        name="陳大文",
        village=county[VILLAGE_A],
        id_number=ID_A,
        phone="13812345678",
    )
    b = services.resident_create(acting_user=doctors.b, name="陈外镇", village=county[VILLAGE_B], phone="13900005678")
    home = services.household_create(acting_user=doctors.a, village=county[VILLAGE_A], head=a, number="GS-001")
    other = services.household_create(acting_user=doctors.b, village=county[VILLAGE_B], head=b, number="QY-001")
    return a, b, home, other


def results(client, url, q):
    response = client.get(url, {"q": q})
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize("query", ["陈大文", "陳大", "陈", "cdw", "CD", "5678"])
def test_finds_by_name_traditional_initials_and_phone_tail_in_scope_only(people, doctors, login, query):
    a = people[0]
    found = results(login(doctors.a), URL, query)
    assert [item["id"] for item in found] == [a.pk]


def test_label_shows_village_birth_year_and_masked_phone_only(people, doctors, login):
    (item,) = results(login(doctors.a), URL, "陈大文")
    assert item["text"].startswith("陳大文 · ") and "1950年生" in item["text"] and "138****5678" in item["text"]
    assert ID_A[:4] not in item["text"] and "13812345678" not in item["text"]


def test_other_township_never_appears(people, doctors, login):
    b = people[1]
    assert [i["id"] for i in results(login(doctors.b), URL, "陈")] == [b.pk]
    assert [i["id"] for i in results(login(doctors.b), URL, "5678")] == [b.pk]


def test_merged_residents_are_not_offered(people, doctors, login):
    a = people[0]
    twin = services.resident_create(acting_user=doctors.a, name="陈大文", village=a.village)
    Resident.objects.filter(pk=twin.pk).update(merged_into=a)
    assert [i["id"] for i in results(login(doctors.a), URL, "陈大文")] == [a.pk]


def test_twenty_at_most_with_bounded_queries(doctors, county, login):
    for n in range(25):
        services.resident_create(acting_user=doctors.a, name=f"李{n:02d}", village=county[VILLAGE_A])
    client = login(doctors.a)
    results(client, URL, "李")
    with CaptureQueriesContext(connection) as queries:
        found = results(client, URL, "l")
    assert len(found) == 20
    assert len(queries) <= 8


def test_household_picker_by_number_head_and_initials_scoped(people, doctors, login):
    home = people[2]
    client = login(doctors.a)
    for query in ("GS-0", "陈大", "cdw"):
        assert [i["id"] for i in results(client, HOUSEHOLDS, query)] == [home.pk]
    assert results(client, HOUSEHOLDS, "QY") == []


def test_users_without_residents_are_refused(people, world, login):
    from xianfeng.accounts.roles import Role, Scope
    from xianfeng.core.tests.factories import user_with_grant

    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, username="auditor")
    assert login(auditor).get(HOUSEHOLDS, {"q": "GS"}).status_code == 403
    assert login(auditor).get(URL, {"q": "陈"}).status_code == 403


def test_resident_form_offers_only_the_chosen_household_and_refuses_others(people, doctors):
    a, b, home, other = people
    form = ResidentForm(user=doctors.a)
    html = str(form["household"])
    assert 'data-autocomplete-url="/residents/households/autocomplete/"' in html
    assert "GS-001" not in html and str(home) not in html
    data = {"name": "新人", "village": VILLAGE_A, "household": other.pk}
    refused = ResidentForm(data, user=doctors.a)
    assert not refused.is_valid() and "household" in refused.errors
    accepted = ResidentForm({**data, "household": home.pk}, user=doctors.a)
    assert accepted.is_valid(), accepted.errors
    assert str(home) in str(accepted["household"])
