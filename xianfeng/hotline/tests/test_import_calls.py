"""The import of past call logs (key hotline_calls): all or nothing; high-risk rows only as
already-closed escalations, else refused row by row with the reason."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from xianfeng.hotline.imports import parse_datetime
from xianfeng.hotline.models import Call, Escalation
from xianfeng.imports.models import ImportJob
from xianfeng.imports.parsers import CellError
from xianfeng.servicelog.models import ServiceRecord

from .calls_world import build_calls_world

HEADER = [
    "来电时间",
    "通话时长",
    "渠道",
    "接线人员",
    "值守组",
    "主要问题",
    "自杀想法",
    "自杀计划",
    "自杀行为",
    "致命手段",
    "伤害他人",
    "自伤行为",
    "处理结果",
    "干预措施",
    "危机处理结果",
]
TEAM = "心理援助热线值守组"


@pytest.fixture
def cw(world, settings):
    settings.REMINDER_CHANNELS = ["email"]
    return build_calls_world(world)


def workbook(rows) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes) -> ImportJob:
    response = client.post(
        reverse("imports:upload", args=["hotline_calls"]), {"file": SimpleUploadedFile("来电.xlsx", content)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.latest("pk")


def row(when, member="周值守", *, risk=("否",) * 6, outcome="给予建议", crisis="", topic="睡眠问题", minutes=20):
    return [when, minutes, "电话", member, TEAM, topic, *risk, outcome, "倾听", crisis]


HIGH = ("是", "是", "否", "是", "否", "否")


def test_bad_rows_refuse_the_whole_file_with_reasons(cw, login):
    client = login(cw.doctor)
    bad = upload(
        client,
        workbook(
            [
                row("2025-03-10 09:30"),
                row("2025-03-10 10:00", risk=HIGH),  # high risk without 危机处理结果
                row("2025-03-10 11:00", member="无此人"),
                row("2999-01-01 08:00"),
                row("2025-03-10 12:00", minutes=700),
            ]
        ),
    )
    assert bad.error_count == 4, bad.issues
    text = str(bad.issues)
    assert "危机处理结果" in text and "无此人" in text
    client.post(reverse("imports:commit", args=[bad.pk]))
    assert Call.objects.count() == 0


def test_a_good_file_imports_calls_records_and_closed_escalations_without_alerts(cw, login):
    records = ServiceRecord.objects.count()
    client = login(cw.doctor)
    good = upload(
        client,
        workbook(
            [
                row("2025-03-10 09:30"),
                row(
                    "2025年3月10日 22:15",
                    member="李志愿",
                    risk=HIGH,
                    outcome="危机升级",
                    crisis="已联系家属/监护人",
                    minutes=45,
                ),
            ]
        ),
    )
    assert good.error_count == 0, good.issues
    client.post(reverse("imports:commit", args=[good.pk]))
    good.refresh_from_db()
    assert good.status == ImportJob.Status.COMMITTED
    assert Call.objects.count() == 2 and ServiceRecord.objects.count() == records + 2
    escalation = Escalation.objects.get()
    assert escalation.outcome == "family" and not escalation.is_open
    assert escalation.minutes_to_handle == 45 and escalation.raised_at == escalation.call.started_at
    assert mail.outbox == []


def test_a_duty_member_without_import_rights_cannot_import(cw, login):
    response = login(cw.duty).get(reverse("imports:upload", args=["hotline_calls"]))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("text", "hhmm"),
    [("2025-03-10 09:30", "09:30"), ("2025/3/10 9:05", "09:05"), ("2025年3月10日 22时15分", "22:15")],
)
def test_times_as_clerks_write_them(text, hhmm):
    assert parse_datetime(text).strftime("%H:%M") == hhmm


def test_an_unreadable_time_is_a_cell_error():
    with pytest.raises(CellError):
        parse_datetime("昨天上午")
