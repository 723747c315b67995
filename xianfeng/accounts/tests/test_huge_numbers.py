"""Every list page survives absurd numbers in its query string (a 500 is a bug an attacker can
trigger at will). Generated from the URL registry like the access matrix, so a new page is
covered the day it is added; the API has its own fuzz test (xianfeng/api/tests/test_fuzz.py)."""

import pytest

from .matrix import page_routes

HUGE = str(10**20)
PARAMS = {
    "page": HUGE,
    "branch": HUGE,
    "days": HUGE,
    "parent": HUGE,
    "team": HUGE,
    "org": HUGE,
    "region": HUGE,
    "duplicate": HUGE,
    "resident": HUGE,
    "household": HUGE,
    "activity": HUGE,
    "member": HUGE,
    "saved": HUGE,
    "service_type": HUGE,
    "rows_page": HUGE,
    "members_page": HUGE,
    "start": "99999-01-01",
    "end": "0000-00-00",
    "date_to": "99999-12-31",
    "number": "X" * 400,
    "on": "99999-01-01",
    "date_from": "0000-00-00",
    "q": "1" * 400,
}

LIST_ROUTES = [r for r in page_routes() if not r.is_object and "GET" in r.methods]


@pytest.mark.parametrize("route", LIST_ROUTES, ids=[r.id for r in LIST_ROUTES])
def test_list_pages_answer_huge_numbers_without_a_server_error(client, world, route):
    client.force_login(world.admin)
    response = client.get(route.build_url(None), PARAMS)
    assert response.status_code < 500, f"{route.id} answered {response.status_code}"


def test_the_member_worklist_ignores_an_out_of_range_window(client, world):
    client.force_login(world.admin)
    for days in (HUGE, "-5", "３０"):
        response = client.get("/members/worklist/", {"days": days})
        assert response.status_code == 200
