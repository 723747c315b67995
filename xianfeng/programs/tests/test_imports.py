"""Importing the county's register of patients with severe mental disorders and their past
follow-ups, as a township doctor does on the imports page: a good file enrolls every patient
(and records consents), a file with one bad row writes nothing and names every bad row."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from xianfeng.imports.models import ImportJob
from xianfeng.programs import services
from xianfeng.programs.models import Enrollment, Status, Visit
from xianfeng.residents.models import Consent
from xianfeng.residents.services import consent_record
from xianfeng.residents.tests.factories import VILLAGE_A, ResidentFactory, make_id_number

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
ENROLLED = TODAY - 400 * DAY
REGISTER = ["姓名", "身份证号", "性别", "出生日期", "现住址（村）", "诊断", "确诊日期", "纳入管理日期"]
REGISTER += ["知情同意", "监护人", "危险性评估", "责任医生"]
FOLLOWUPS = ["身份证号", "随访日期", "随访方式", "是否见到本人", "未见原因", "危险性评估", "服药情况", "病情"]
FOLLOWUPS += ["下次随访日期"]


def workbook(header, rows) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(client, spec, header, rows) -> ImportJob:
    response = client.post(
        reverse("imports:upload", args=[spec]), {"file": SimpleUploadedFile("名册.xlsx", workbook(header, rows))}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    job = ImportJob.objects.latest("pk")
    client.post(reverse("imports:commit", args=[job.pk]), {"mode": "create"})
    job.refresh_from_db()
    return job


def issues(job) -> dict[tuple[int, str], str]:
    return {(i["row"], i["column"]): i["message"] for i in job.issues}


@pytest.fixture
def county(people, client):
    """Three residents on file (two with ID numbers the register names) and the doctor signed in."""
    people.ids = [make_id_number(datetime.date(1970 + n, 3, 2), n) for n in range(3)]
    people.patients = [
        ResidentFactory(name=name, village_id=VILLAGE_A, birth_date=datetime.date(1970 + n, 3, 2), id_number=number)
        for n, (name, number) in enumerate(zip(["张一", "王二", "赵三"], people.ids, strict=True))
    ]
    client.force_login(people.doctor)
    people.client = client
    return people


def register_row(county, n, **over):
    row = {
        "姓名": county.patients[n].name,
        "身份证号": county.ids[n],
        "性别": "男",
        "出生日期": county.patients[n].birth_date.isoformat(),
        "现住址（村）": VILLAGE_A,
        "诊断": "F20.0",
        "确诊日期": (ENROLLED - 30 * DAY).isoformat(),
        "纳入管理日期": ENROLLED.isoformat(),
        "知情同意": f"是 {ENROLLED.isoformat()}",
        "监护人": "家属甲",
        "危险性评估": "1级",
        "责任医生": "刘医生",
    }
    row.update(over)
    return [row[h] for h in REGISTER]


def test_a_good_register_enrolls_every_patient_and_records_their_consents(county):
    # The third patient's consent is already on file; the register says 否 for the paper copy.
    consent_record(
        acting_user=county.doctor, resident=county.patients[2], kind=Consent.Kind.FOLLOW_UP, on_date=ENROLLED
    )
    rows = [register_row(county, 0), register_row(county, 1, 诊断="双相（情感）障碍", 知情同意="是")]
    rows.append(register_row(county, 2, 知情同意="否", 责任医生=""))
    job = run(county.client, "smd_register", REGISTER, rows)
    assert job.status == ImportJob.Status.COMMITTED, (job.issues, job.message)
    assert job.created_count == 3

    enrollments = {e.resident_id: e for e in Enrollment.objects.filter(program="smd")}
    first = enrollments[county.patients[0].pk]
    assert first.data["diagnosis"] == "schizophrenia" and first.data["guardian"] == "家属甲"
    assert (first.enrolled_on, first.status, first.health) == (ENROLLED, Status.ENROLLED, True)
    assert first.responsible_member == county.doctor_member
    assert first.next_due_on is not None  # the first follow-up is due, derived by the rule
    assert enrollments[county.patients[1].pk].data["diagnosis"] == "bipolar"
    assert enrollments[county.patients[2].pk].responsible_member is None
    assert Consent.objects.filter(kind=Consent.Kind.FOLLOW_UP, granted=True).count() == 3

    again = run(county.client, "smd_register", REGISTER, rows)  # the same register next month
    assert again.status == ImportJob.Status.COMMITTED and again.created_count == 0
    assert Enrollment.objects.filter(program="smd").count() == 3


def test_one_bad_row_writes_nothing_and_every_bad_row_is_named(county):
    unknown = make_id_number(datetime.date(1980, 1, 1), 9)
    rows = [
        register_row(county, 0),
        register_row(county, 1, 身份证号=unknown, 姓名="无此人"),
        register_row(county, 2, 危险性评估="7"),
        register_row(county, 1, 知情同意="否"),
        register_row(county, 0, 纳入管理日期=(TODAY + DAY).isoformat()),
    ]
    job = run(county.client, "smd_register", REGISTER, rows)
    assert job.status != ImportJob.Status.COMMITTED
    found = issues(job)
    assert "请先" in found[(3, "身份证号")]
    assert "0–5" in found[(4, "危险性评估")]
    assert "知情同意" in found[(5, "知情同意")]
    assert "同一位患者" in found[(6, "身份证号")] and "晚于今天" in found[(6, "纳入管理日期")]
    assert (2, "身份证号") not in found
    assert not Enrollment.objects.exists()
    assert not Consent.objects.exists()


@pytest.fixture
def enrolled(county):
    for patient in county.patients[:2]:
        consent_record(acting_user=county.doctor, resident=patient, kind=Consent.Kind.FOLLOW_UP, on_date=ENROLLED)
        services.enrollment_create(
            acting_user=county.doctor,
            program="smd",
            resident=patient,
            enrolled_on=ENROLLED,
            data={"diagnosis": "schizophrenia"},
        )
    return county


def followup(county, n, on, **over):
    row = {
        "身份证号": county.ids[n],
        "随访日期": on.isoformat(),
        "随访方式": "入户",
        "是否见到本人": "是",
        "未见原因": "",
        "危险性评估": "0",
        "服药情况": "规律服药",
        "病情": "",
        "下次随访日期": "2099-01-01",
    }
    row.update(over)
    return [row[h] for h in FOLLOWUPS]


def test_past_followups_are_recorded_in_date_order_and_derive_the_state(enrolled):
    rows = [
        followup(enrolled, 0, TODAY - 10 * DAY, 危险性评估="3", 病情="不稳定", 随访方式="门诊"),
        followup(enrolled, 0, TODAY - 100 * DAY),
        followup(enrolled, 1, TODAY - 50 * DAY, 是否见到本人="否", 未见原因="外出", 危险性评估="", 服药情况=""),
    ]
    job = run(enrolled.client, "smd_followups", FOLLOWUPS, rows)
    assert job.status == ImportJob.Status.COMMITTED, (job.issues, job.message)
    assert job.created_count == 3

    first = Enrollment.objects.get(resident=enrolled.patients[0], program="smd")
    assert first.state == "unstable" and first.last_visit_on == TODAY - 10 * DAY
    assert first.next_due_on is not None and first.next_due_on <= TODAY + 14 * DAY  # unstable: within 2 weeks
    assert first.next_due_on != datetime.date(2099, 1, 1)
    kinds = list(first.visits.order_by("visited_on").values_list("record__service_type__code", flat=True))
    assert kinds == ["followup_home", "followup_clinic"]
    assert first.visits.get(visited_on=TODAY - 100 * DAY).record.result["medication"] == "regular"
    second = Enrollment.objects.get(resident=enrolled.patients[1], program="smd")
    assert second.misses == 1 and second.visits.get().reached is False

    again = run(enrolled.client, "smd_followups", FOLLOWUPS, rows)
    assert again.status == ImportJob.Status.COMMITTED and again.created_count == 0
    assert Visit.objects.count() == 3


def test_bad_followups_write_nothing(enrolled):
    rows = [
        followup(enrolled, 0, TODAY - 10 * DAY),
        followup(enrolled, 0, ENROLLED - DAY),  # before enrollment
        followup(enrolled, 1, TODAY - 5 * DAY, 危险性评估="7"),
        followup(enrolled, 2, TODAY - 5 * DAY),  # on file but never enrolled
        followup(enrolled, 1, TODAY - 6 * DAY, 危险性评估="3", 病情="稳定"),
        followup(enrolled, 1, TODAY - 7 * DAY, 随访方式="微信"),
    ]
    job = run(enrolled.client, "smd_followups", FOLLOWUPS, rows)
    assert job.status != ImportJob.Status.COMMITTED
    found = issues(job)
    assert "早于纳入管理日期" in found[(3, "随访日期")]
    assert "0–5" in found[(4, "危险性评估")]
    assert "请先导入患者名册" in found[(5, "身份证号")]
    assert "稳定" in found[(6, "病情")]
    assert "门诊、入户、电话或联合" in found[(7, "随访方式")]
    assert not [key for key in found if key[0] == 2]
    assert not Visit.objects.exists()


def test_without_the_health_level_nothing_is_read(county, world, client):
    # 党办干事 may import and enroll in ordinary programs, but patients' records are health data.
    client.force_login(world.owner)
    job = run(client, "smd_register", REGISTER, [register_row(county, 0)])
    assert job.status != ImportJob.Status.COMMITTED
    assert "健康权限" in job.message
    assert not Enrollment.objects.exists()


def test_the_templates_carry_the_registers_columns(county):
    for spec, header in (("smd_register", REGISTER), ("smd_followups", FOLLOWUPS)):
        response = county.client.get(reverse("imports:template", args=[spec]))
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        first = [c.value for c in next(load_workbook(io.BytesIO(content)).active.iter_rows(max_row=1))]
        names = " ".join(str(v) for v in first if v)
        assert all(h.split("（")[0] in names for h in header)
