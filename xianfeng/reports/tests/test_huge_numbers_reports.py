"""A forged 30-digit number (or an absurd date) in any parameter or path of the reports pages and
API never gives a server error (accounts/tests/test_huge_numbers.py does the list pages with the
shared parameter set; these are the reports' own parameters: the filter, rows/metrics/unit, the
drill-down's page numbers, the job and template choices, and every <pk> in a path)."""

import pytest
from django.urls import reverse

from xianfeng.reports.filters import PARAMS as FILTER_PARAMS

from .factories import YEAR

HUGE = "9" * 30
FILTER = {key: HUGE for key in FILTER_PARAMS} | {"from": "99999-01-01", "to": "0000-00-00"}
PAGE_PARAMS = {
    "rows": HUGE,
    "metrics": HUGE,
    "zeros": HUGE,
    "unit": HUGE,
    "template": HUGE,
    "kind": HUGE,
    "page": HUGE,
    # the drill-down pages each section on p_<kind> (views_drill.py)
    "p_record": HUGE,
    "p_activity": HUGE,
    "p_provider": HUGE,
    "p_participant": HUGE,
    "p_quantity": HUGE,
}
GOOD_PERIOD = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}

GET_PAGES = ["reports:dashboard", "reports:table", "reports:table_xlsx", "reports:narrative", "reports:narrative_docx",
             "reports:templates", "reports:template_new", "reports:snapshots", "reports:jobs"]  # fmt: skip
OBJECT_PAGES = ["reports:snapshot_detail", "reports:job_detail", "reports:job_download", "reports:template_edit"]
POSTS = ["reports:snapshot_publish", "reports:job_start"]


@pytest.fixture
def signed_in(client, reports_world):
    def as_(who):
        client.force_login(getattr(reports_world, who))
        return client

    return as_


@pytest.mark.parametrize("who", ["admin", "secretary"])
@pytest.mark.parametrize("name", GET_PAGES)
def test_pages_answer_forged_filters(signed_in, name, who):
    client = signed_in(who)
    url = reverse(name)
    for params in (FILTER | PAGE_PARAMS, GOOD_PERIOD | PAGE_PARAMS, GOOD_PERIOD | {"org": HUGE}, {"team": "-" + HUGE}):
        response = client.get(url, params)
        assert response.status_code < 500, f"{name} {params} answered {response.status_code}"


@pytest.mark.parametrize("key", ["persons", "person_times", "townships_covered", HUGE, "x" * 200])
def test_drill_down_answers_forged_keys_and_pages(signed_in, key):
    client = signed_in("admin")
    for params in (FILTER | PAGE_PARAMS, GOOD_PERIOD | PAGE_PARAMS):
        response = client.get(reverse("reports:drill", kwargs={"key": key}), params)
        assert response.status_code < 500, f"{key} {params} answered {response.status_code}"


@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_a_forged_pk_in_a_path_is_not_found(signed_in, name):
    response = signed_in("admin").get(reverse(name, kwargs={"pk": 1}).replace("/1/", f"/{HUGE}/"))
    assert response.status_code == 404


def test_a_forged_pk_in_verify_is_not_found(signed_in):
    response = signed_in("admin").post(reverse("reports:snapshot_verify", kwargs={"pk": 1}).replace("/1/", f"/{HUGE}/"))
    assert response.status_code == 404


@pytest.mark.parametrize("name", POSTS)
def test_posts_answer_forged_filters(signed_in, name):
    client = signed_in("admin")
    for data in (FILTER | PAGE_PARAMS | {"title": HUGE}, GOOD_PERIOD | {"org": HUGE, "kind": HUGE}):
        response = client.post(reverse(name), data)
        assert response.status_code < 500, f"{name} {data} answered {response.status_code}"
        assert response.status_code in (400, 403, 302, 200)


def test_api_metrics_answers_forged_filters_with_400(signed_in):
    client = signed_in("admin")
    response = client.get("/api/reports/metrics", FILTER)
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"from", "org", "team", "region"}
    response = client.get("/api/reports/metrics", GOOD_PERIOD | {"org": HUGE})
    assert response.status_code == 400


def test_api_job_with_a_forged_id(signed_in):
    client = signed_in("admin")
    assert client.get(f"/api/reports/jobs/{HUGE}").status_code in (404, 422)
    response = client.post(
        "/api/reports/jobs/export", {"kind": "metrics_xlsx", "org": HUGE}, content_type="application/json"
    )
    assert response.status_code < 500
