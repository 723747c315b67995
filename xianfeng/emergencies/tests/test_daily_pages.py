"""The daily report's pages: filing on a phone (prefilled with the last cumulative counts), the
decreasing count refused on the form, corrections, the trend chart's embedded data and the
headquarters workbook."""

import datetime
import io
import json
import re

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from xianfeng.audit.models import AccessLog
from xianfeng.emergencies.models import DailyReport
from xianfeng.emergencies.report_form import default_fields

from .factories_command import START, make_emergency, make_report, make_world

pytestmark = pytest.mark.django_db
ONES = {f["code"]: 1 for f in default_fields()}
D2, D3 = START + datetime.timedelta(1), START + datetime.timedelta(2)


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def emergency(world):
    return make_emergency(world.committee)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(day, **values):
    data = {f["code"]: 0 for f in default_fields()}
    data |= values
    return {"day": str(day), **data}


def test_file_prefilled_and_a_decrease_is_refused_on_the_form(world, emergency):
    make_report(emergency, START, **{f["code"]: 1 for f in default_fields()} | {"confirmed": 5})
    client = _client(world.clerk)
    page = client.get(f"/emergencies/{emergency.pk}/reports/new/").content.decode()
    assert 'name="confirmed" value="5"' in page and f'value="{D2}"' in page
    assert 'inputmode="numeric"' in page
    bad = client.post(f"/emergencies/{emergency.pk}/reports/new/", _form(D2, **ONES | {"confirmed": 4}))
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "“确诊”累计数 4 小于 2020-01-23 报告的 5" in html
    assert DailyReport.objects.count() == 1
    ok = client.post(f"/emergencies/{emergency.pk}/reports/new/", _form(D2, **ONES | {"confirmed": 8, "screened": 3}))
    assert ok.status_code == 302 and DailyReport.objects.count() == 2
    same_day = client.post(f"/emergencies/{emergency.pk}/reports/new/", _form(D2, **ONES | {"confirmed": 9}))
    assert same_day.status_code == 400 and "更正" in same_day.content.decode()
    negative = client.post(f"/emergencies/{emergency.pk}/reports/new/", _form(D3, confirmed=-1, deaths=10**30))
    assert negative.status_code == 400 and DailyReport.objects.count() == 2


def test_readers_see_the_list_but_cannot_file(world, emergency):
    make_report(emergency, START, confirmed=5)
    member = _client(world.member)
    html = member.get(f"/emergencies/{emergency.pk}/reports/").content.decode()
    assert "5" in html and "/reports/new/" not in html
    assert member.get(f"/emergencies/{emergency.pk}/reports/new/").status_code == 403
    assert member.get(f"/emergencies/{emergency.pk}/reports/export.xlsx").status_code == 403
    assert _client(world.outsider).get(f"/emergencies/{emergency.pk}/reports/").status_code == 404


def test_correction_keeps_the_old_report_voided(world, emergency):
    make_report(emergency, START, **{f["code"]: 0 for f in default_fields()})
    wrong = make_report(emergency, D2, **{f["code"]: 0 for f in default_fields()} | {"confirmed": 50})
    client = _client(world.clerk)
    page = client.get(f"/emergencies/reports/{wrong.pk}/edit/").content.decode()
    assert 'name="confirmed" value="50"' in page and 'name="reason"' in page
    no_reason = client.post(f"/emergencies/reports/{wrong.pk}/edit/", _form(D2, confirmed=5) | {"reason": ""})
    assert no_reason.status_code == 400
    done = client.post(f"/emergencies/reports/{wrong.pk}/edit/", _form(D2, confirmed=5) | {"reason": "多录一个0"})
    assert done.status_code == 302
    live = DailyReport.objects.filter(voided_at__isnull=True, day=D2).get()
    assert live.counts["confirmed"] == 5 and DailyReport.objects.get(pk=wrong.pk).void_reason == "多录一个0"
    assert "多录一个0" in client.get(f"/emergencies/{emergency.pk}/reports/").content.decode()


def _embedded(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_trend_page_embeds_the_right_numbers(world, emergency):
    base = {f["code"]: 0 for f in default_fields()}
    make_report(emergency, START, **base | {"confirmed": 2, "screened": 100})
    make_report(emergency, D2, **base | {"confirmed": 5, "screened": 180})
    make_report(emergency, D3, **base | {"confirmed": 5, "screened": 260})
    DailyReport.objects.create(emergency=emergency, day=D3, counts=base | {"confirmed": 99}, voided_at=timezone.now())
    html = _client(world.member).get(f"/emergencies/{emergency.pk}/trend/").content.decode()
    data = _embedded(html, "daily-trend-data")
    assert data["days"] == ["2020-01-23", "2020-01-24", "2020-01-25"]
    lines = {line["code"]: line["values"] for line in data["lines"]}
    assert lines["confirmed"] == [2, 5, 5] and lines["screened"] == [100, 180, 260]
    assert data["bar"]["code"] == "confirmed" and data["bar"]["values"] == [2, 3, 0]
    assert "vendor/echarts/echarts.min.js" in html and "emergencies/daily_trend.js" in html


def test_the_headquarters_workbook(world, emergency):
    base = {f["code"]: 0 for f in default_fields()}
    make_report(emergency, START, **base | {"confirmed": 2, "screened": 100})
    make_report(emergency, D2, **base | {"confirmed": 5, "screened": 180})
    response = _client(world.leader).get(f"/emergencies/{emergency.pk}/reports/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "市医院党委疫情防控每日情况统计表"
    assert sheet["A2"].value == "日期" and sheet["B2"].value == "发热筛查" and sheet["D2"].value == "隔离疑似"
    assert [sheet.cell(3, c).value for c in range(2, 6)] == ["新增", "累计", "新增", "累计"]
    confirmed = 2 + 2 * 2  # the third field: columns F (新增) and G (累计)
    assert sheet.cell(2, confirmed).value == "确诊"
    assert sheet.cell(4, 1).value.date() == START
    assert [sheet.cell(r, confirmed).value for r in (4, 5)] == [2, 3]
    assert [sheet.cell(r, confirmed + 1).value for r in (4, 5)] == [2, 5]
    assert sheet.cell(6, 1).value == "合计"
    assert sheet.cell(6, confirmed).value == 5 and sheet.cell(6, confirmed + 1).value == 5
    assert sheet.cell(6, 2).value == 180
    assert AccessLog.objects.filter(kind="export", model="emergencies.DailyReport").exists()
