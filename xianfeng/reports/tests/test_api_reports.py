"""GET /api/reports/metrics answers what metrics_for and ``manage.py report`` answer for the same
caller and filter; 400 in the one error shape for a bad filter, 403 without 统计报表. Jobs started
over the API report their progress and their download address."""

import io
import json

from django.core.management import call_command

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for, to_json

from .test_report_command import PERIOD, make_facts

URL = "/api/reports/metrics"


def command_json(*args) -> dict:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_the_api_the_command_and_metrics_for_agree(world, login):
    make_facts(world)
    answer = login(world.reader).get(URL, PERIOD)
    assert answer.status_code == 200
    body = answer.json()
    assert body == to_json(metrics_for(world.reader, parse_filter(world.reader, PERIOD)))
    assert body == command_json("--from", PERIOD["from"], "--to", PERIOD["to"], "--user", "reader")
    assert body["person_times"] == 2 and body["by_type"]["medicine_delivery"]["persons"] == 1


def test_the_deployment_figures_are_the_administrators(world, login):
    make_facts(world)
    body = login(world.admin).get(URL, PERIOD).json()
    assert body == command_json("--from", PERIOD["from"], "--to", PERIOD["to"])
    assert body["person_times"] == 3


def test_program_indicators_carry_numerator_and_denominator(world, login):
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, world.branch_a, username="doctor")
    body = login(doctor).get(URL, dict(PERIOD, program="smd")).json()
    assert list(body["programs"]) == ["smd"]
    rate = body["programs"]["smd"]["management_rate"]
    assert set(rate) == {"numerator", "denominator", "rate"}
    assert body["programs"]["smd"]["registered"] == 0


def test_a_bad_filter_is_a_400_naming_each_parameter(world, login):
    client = login(world.reader)
    answer = client.get(URL, {"from": "2025-12-31", "to": "2025-01-01", "org": str(world.branch_b.pk)})
    assert answer.status_code == 400
    body = answer.json()
    assert body["detail"] == "筛选条件无效"
    assert set(body["errors"]) == {"from", "org"}
    assert "开始日期晚于结束日期" in body["errors"]["from"][0]
    assert client.get(URL, {"from": "2025-13-01"}).json()["errors"]["from"][0].startswith("日期格式")


def test_without_reports_the_api_refuses(world, login):
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_a, username="vol")
    answer = login(volunteer).get(URL, PERIOD)
    assert answer.status_code == 403
    assert "person_times" not in answer.content.decode()


def test_a_job_started_over_the_api_reports_progress_and_its_download(world, login, django_capture_on_commit_callbacks):
    make_facts(world)
    client = login(world.owner)  # 党办干事: 导出
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/api/reports/jobs/export", dict(PERIOD, kind="metrics_xlsx"), content_type="application/json"
        )
    assert answer.status_code == 201, answer.content
    job_id = answer.json()["id"]
    status = client.get(f"/api/reports/jobs/{job_id}").json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["download_url"] == f"/reports/jobs/{job_id}/download/"
    assert status["params"] == {"from": "2025-01-01", "to": "2025-12-31"}
    # Another clerk elsewhere does not see it; a secretary may not start one.
    assert login(world.outsider).get(f"/api/reports/jobs/{job_id}").status_code == 404
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="sec")
    refused = login(secretary).post(
        "/api/reports/jobs/export", {"kind": "metrics_xlsx"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_a_job_with_a_bad_filter_is_a_400(world, login):
    answer = login(world.owner).post(
        "/api/reports/jobs/export", {"kind": "table_xlsx", "rows": "planet"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["rows"]
