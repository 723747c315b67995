"""``manage.py report``: the same figures as metrics_for (and so as the dashboard and the API)
for the same filter and user; the whole deployment without --user; clear refusals."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from xianfeng.members.tests.factories import MemberFactory
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.metrics import metrics_for, to_json
from xianfeng.residents.tests.factories import TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, ResidentFactory, county_regions
from xianfeng.servicelog.tests.factories import ServiceRecordFactory, service_type

DAY = datetime.date(2025, 3, 10)
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}


def make_facts(world):
    """Branch A: two deliveries to one resident (one with 1.5 h of service); branch B: one
    delivery elsewhere. Someone over branch A counts 2 人次, 1 人; the deployment 3 人次, 2 人."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    world.branch_b.regions.add(regions[TOWN_B])
    delivery = service_type("medicine_delivery")
    near = ResidentFactory(name="李大爷", village_id=VILLAGE_A)
    far = ResidentFactory(name="王奶奶", village_id=VILLAGE_B)
    member = MemberFactory(name="刘志愿", branch=world.branch_a)
    ServiceRecordFactory(
        service_type=delivery,
        resident=near,
        org=world.branch_a,
        served_on=DAY,
        provider=member,
        provider__hours=Decimal("1.5"),
    )
    ServiceRecordFactory(service_type=delivery, resident=near, org=world.branch_a, served_on=DAY)
    ServiceRecordFactory(service_type=delivery, resident=far, org=world.branch_b, served_on=DAY)
    ServiceRecordFactory(service_type=delivery, resident=far, org=world.branch_b, served_on=datetime.date(2024, 6, 1))


def run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_equals_metrics_for_the_same_user_and_filter(world):
    make_facts(world)
    printed = json.loads(run("--from", PERIOD["from"], "--to", PERIOD["to"], "--user", world.reader.username))
    expected = to_json(metrics_for(world.reader, parse_filter(world.reader, PERIOD)))
    assert printed == expected
    assert printed["person_times"] == 2 and printed["persons"] == 1 and printed["hours"] == 1.5
    assert printed["by_type"]["medicine_delivery"]["person_times"] == 2


def test_without_user_the_whole_deployment_is_counted_as_an_administrator_sees_it(world):
    make_facts(world)
    printed = json.loads(run("--from", PERIOD["from"], "--to", PERIOD["to"]))
    assert printed == to_json(metrics_for(world.admin, parse_filter(world.admin, PERIOD)))
    assert printed["person_times"] == 3 and printed["persons"] == 2  # the 2024 record is outside
    assert printed["townships_covered"] == 2


def test_filters_narrow_the_figures_like_the_url_parameters(world):
    make_facts(world)
    far = ResidentFactory(name="赵大娘", village_id=VILLAGE_B)
    ServiceRecordFactory(service_type=service_type("health_consult"), resident=far, org=world.branch_b, served_on=DAY)
    args = ("--from", PERIOD["from"], "--to", PERIOD["to"], "--type", "medicine_delivery")
    printed = json.loads(run(*args))
    assert printed["person_times"] == 3 and list(printed["by_type"]) == ["medicine_delivery"]
    params = dict(PERIOD, type="medicine_delivery")
    assert printed == to_json(metrics_for(world.admin, parse_filter(world.admin, params)))


def test_json_can_be_written_to_a_file(world, tmp_path):
    make_facts(world)
    target = tmp_path / "m.json"
    assert run("--from", PERIOD["from"], "--to", PERIOD["to"], "--output", str(target)) == ""
    assert json.loads(target.read_text(encoding="utf-8"))["person_times"] == 3


def test_a_bad_filter_is_refused_with_the_filters_messages(world):
    with pytest.raises(CommandError, match="开始日期晚于结束日期"):
        run("--from", "2025-12-31", "--to", "2025-01-01")
    with pytest.raises(CommandError, match="--org"):
        run("--from", "2025-01-01", "--to", "2025-12-31", "--org", str(world.branch_b.pk), "--user", "reader")


def test_binary_formats_need_an_output_file_and_users_need_reports(world):
    with pytest.raises(CommandError, match="--output"):
        run("--from", "2025-01-01", "--to", "2025-12-31", "--format", "xlsx")
    with pytest.raises(CommandError, match="no active user"):
        run("--from", "2025-01-01", "--to", "2025-12-31", "--user", "nobody")


def test_xlsx_holds_the_same_figures_with_their_definitions(world, tmp_path):
    make_facts(world)
    target = tmp_path / "m.xlsx"
    run("--from", PERIOD["from"], "--to", PERIOD["to"], "--format", "xlsx", "--output", str(target), "--user", "reader")
    book = openpyxl.load_workbook(target)
    rows = {row[4]: row for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert rows["person_times"][:2] == ("服务人次", 2)
    assert rows["hours"][1] == 1.5
    assert "作废的记录" in rows["person_times"][3]  # the definition (口径) beside the figure
    by_type = list(book.worksheets[1].iter_rows(values_only=True))
    assert by_type[1][:3] == ("送药上门", 2, 1)
    assert [s.title for s in book.worksheets] == ["主要指标", "按服务类型", "专项指标", "热线与民情"]


def test_docx_is_the_word_report_of_the_default_template(world, tmp_path):
    import docx

    make_facts(world)
    target = tmp_path / "r.docx"
    run("--from", PERIOD["from"], "--to", PERIOD["to"], "--format", "docx", "--output", str(target), "--user", "reader")
    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "2025" in text and text.strip()
