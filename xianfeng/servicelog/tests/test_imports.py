"""Importing past service records from Excel: what a clerk sees on the job page and what is
written (or, with one bad row, not written at all)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from xianfeng.accounts.personal import not_here_message
from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog, ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports.models import ImportJob
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import (
    TOWN_A,
    TOWN_B,
    VILLAGE_A,
    VILLAGE_A2,
    VILLAGE_B,
    HouseholdFactory,
    ResidentFactory,
    county_regions,
    make_id_number,
)
from xianfeng.servicelog.models import RecordProvider, ServiceRecord
from xianfeng.teams.tests.factories import TeamFactory

TODAY = timezone.localdate()
DAY = TODAY - datetime.timedelta(days=30)
HEADER = [
    "服务日期",
    "服务类型",
    "居民身份证号",
    "居民姓名",
    "所属村",
    "户编号",
    "服务人员",
    "服务时长（小时）",
    "数量",
    "单位",
    "结果",
]
LI_ID = make_id_number(datetime.date(1950, 1, 1), 1)
OUT_ID = make_id_number(datetime.date(1955, 3, 3), 2)


def workbook(rows, header=HEADER) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, spec="servicelog_records") -> ImportJob:
    response = client.post(reverse("imports:upload", args=[spec]), {"file": SimpleUploadedFile("记录.xlsx", content)})
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.latest("pk")


def commit(client, job: ImportJob, mode="create") -> ImportJob:
    client.post(reverse("imports:commit", args=[job.pk]), {"mode": mode})
    job.refresh_from_db()
    return job


def issues(job: ImportJob) -> dict[tuple[int, str], str]:
    return {(i["row"], i["column"]): i["message"] for i in job.issues}


def county_members(world):
    """The two towns served by the two branches, and three members who serve (shared with
    test_imports_activities)."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    world.branch_b.regions.add(regions[TOWN_B])
    world.wang = MemberFactory(name="王志愿", branch=world.branch_a, volunteer_no="V001")
    world.zhang = MemberFactory(name="张医生", branch=world.group_a)
    world.zhao = MemberFactory(name="赵外科", branch=world.branch_b)
    return world


@pytest.fixture
def county(world):
    county_members(world)
    world.household = HouseholdFactory(village_id=VILLAGE_A, number="H0001")
    world.li = ResidentFactory(
        name="李大爷",
        village_id=VILLAGE_A,
        birth_date=datetime.date(1950, 1, 1),
        id_number=LI_ID,
        household=world.household,
    )
    world.wang_nai = ResidentFactory(name="王奶奶", village_id=VILLAGE_A2, birth_date=datetime.date(1940, 2, 2))
    world.far = ResidentFactory(
        name="外乡人", village_id=VILLAGE_B, birth_date=datetime.date(1955, 3, 3), id_number=OUT_ID
    )
    return world


GOOD_ROWS = [
    [DAY, "送药上门", LI_ID, "李大爷", "", "", "王志愿、张医生", "1.5", "", "", ""],
    [DAY, "入户走访", "", "", "冯家屯村委会（210681101200）", "H0001", "V001", "", "", "", ""],
    [DAY, "发放宣传资料", "", "", VILLAGE_A2, "", "张医生", "2", "200", "份", ""],
    [DAY, "physical_exam", "", "王奶奶", "谷家屯村委会", "", "王志愿", "0.5", "", "", "未见异常"],
]


def test_the_templates_have_the_columns(county, login):
    client = login(county.owner)
    page = client.get(reverse("imports:upload", args=["servicelog_records"])).content.decode()
    assert "同村同名须填身份证号" in page
    response = client.get(reverse("imports:template", args=["servicelog_records"]))
    assert response.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(response.content))["数据"][1]]
    assert headers[:4] == ["服务日期*", "服务类型*", "居民身份证号", "居民姓名"]
    assert {
        "所属村",
        "户编号",
        "服务人员",
        "服务时长（小时）",
        "队伍",
        "数量",
        "单位",
        "结果",
        "备注",
        "活动名称",
    } <= set(headers)
    response = client.get(reverse("imports:template", args=["servicelog_activities"]))
    headers = [c.value for c in load_workbook(io.BytesIO(response.content))["数据"][1]]
    assert headers[:1] == ["活动名称*"] and "开始时间*" in headers and "组织*" in headers
    assert {"参与人员及时长", "服务人数（不记名）", "所在乡镇/村", "状态"} <= set(headers)


def test_a_good_file_imports_every_row_with_providers_and_places(county, login):
    client = login(county.owner)
    job = upload(client, workbook(GOOD_ROWS))
    assert job.error_count == 0, job.issues
    assert job.plan["create"] == 4
    assert ServiceRecord.objects.count() == 0  # the check writes nothing
    job = commit(client, job)
    assert job.status == ImportJob.Status.COMMITTED and job.created_count == 4
    assert ServiceRecord.objects.count() == 4
    delivery = ServiceRecord.objects.get(service_type__code="medicine_delivery")
    assert delivery.resident == county.li and delivery.org == county.branch_a and delivery.served_on == DAY
    assert (delivery.village_code, delivery.township_code, delivery.county_code) == (VILLAGE_A, TOWN_A, "210681")
    providers = RecordProvider.objects.filter(record=delivery)
    assert {p.member for p in providers} == {county.wang, county.zhang}
    assert all(p.hours == Decimal("1.5") and p.village_code == VILLAGE_A and p.counted for p in providers)
    visit = ServiceRecord.objects.get(service_type__code="household_visit")
    assert visit.household == county.household and visit.resident is None and visit.village_code == VILLAGE_A
    assert visit.providers.get().hours == Decimal("0.5")  # the type's default
    leaflets = ServiceRecord.objects.get(service_type__code="leaflet")
    assert leaflets.quantity == 200 and leaflets.village_code == VILLAGE_A2 and leaflets.org == county.group_a
    exam = ServiceRecord.objects.get(service_type__code="physical_exam")
    assert exam.resident == county.wang_nai and exam.result == {"result": "normal"}
    logs = ChangeLog.objects.filter(model="servicelog.ServiceRecord", action=ChangeLog.Action.IMPORT)
    assert logs.count() == 4
    assert "王志愿 1.5h" in logs.get(object_id=str(delivery.pk)).after["providers"]


def test_one_bad_row_of_each_kind_imports_nothing_and_names_row_and_column(county, login):
    rows = [
        GOOD_ROWS[0],
        [TODAY + datetime.timedelta(days=1), "送药上门", LI_ID, "", "", "", "王志愿", "1", "", "", ""],
        [DAY, "上门理发", LI_ID, "", "", "", "王志愿", "1", "", "", ""],
        [DAY, "送药上门", OUT_ID, "", "", "", "王志愿", "1", "", "", ""],
        [DAY, "送药上门", LI_ID, "", "", "", "王志愿", "1", "", "元", ""],
        [DAY, "送药上门", LI_ID, "", "", "", "赵外科", "1", "", "", ""],
        [DAY, "送药上门", LI_ID, "", "", "", "王志愿", "999999999999", "", "", ""],
    ]
    client = login(county.owner)
    job = upload(client, workbook(rows))
    found = issues(job)
    assert job.error_count == 6, job.issues
    assert "晚于今天" in found[(3, "服务日期")]
    assert "上门理发" in found[(4, "服务类型")]
    assert found[(5, "居民身份证号")] == not_here_message()  # neutral: nothing about the person
    assert "外乡人" not in str(job.issues)
    assert "元" in found[(6, "单位")]
    assert "赵外科" in found[(7, "服务人员")]
    assert "24" in found[(8, "服务时长（小时）")]
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXISTENCE, model="residents.Resident").count() == 1
    job = commit(client, job)
    assert job.status != ImportJob.Status.COMMITTED
    assert ServiceRecord.objects.count() == 0 and RecordProvider.objects.count() == 0
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert LI_ID not in page and OUT_ID not in page  # ID numbers masked on the job page
    errors = client.get(reverse("imports:errors", args=[job.pk]))
    assert errors.status_code == 200
    sheet = load_workbook(io.BytesIO(errors.content)).active
    cells = [str(c.value or "") for row in sheet.iter_rows() for c in row]
    assert any("晚于今天" in c for c in cells) and LI_ID not in cells  # masked for a clerk without reveal


def test_residents_are_found_by_name_and_village_only_when_unique(county, login):
    ResidentFactory(name="王奶奶", village_id=VILLAGE_A2, birth_date=datetime.date(1944, 4, 4))
    rows = [
        [DAY, "送药上门", "", "王奶奶", "谷家屯村委会", "", "王志愿", "", "", "", ""],
        [DAY, "送药上门", "", "李大爷", "", "", "王志愿", "", "", "", ""],
        [DAY, "送药上门", "", "", "", "", "王志愿", "", "", "", ""],
        [DAY, "送药上门", LI_ID, "李小爷", "", "", "王志愿", "", "", "", ""],
        [datetime.date(1949, 12, 31), "送药上门", LI_ID, "", "", "", "王志愿", "", "", "", ""],
    ]
    job = upload(login(county.owner), workbook(rows))
    found = issues(job)
    assert found[(2, "居民姓名")] == "同村同名居民有 2 位，请填写身份证号"
    assert "所属村" in found[(3, "所属村")]
    assert "须指定服务对象" in found[(4, "居民姓名")]
    assert "李大爷" in found[(5, "居民姓名")]
    assert "出生日期" in found[(6, "服务日期")] or "早于" in found[(6, "服务日期")]


def test_the_same_file_twice_reports_unchanged_rows(county, login):
    client = login(county.owner)
    content = workbook(GOOD_ROWS)
    commit(client, upload(client, content))
    assert ServiceRecord.objects.count() == 4
    again = upload(client, content)
    assert again.error_count == 0, again.issues
    assert (again.plan["create"], again.plan["unchanged"]) == (0, 4)
    page = client.get(reverse("imports:detail", args=[again.pk])).content.decode()
    assert "不变" in page
    again = commit(client, again)
    assert again.status == ImportJob.Status.COMMITTED and again.created_count == 0
    assert ServiceRecord.objects.count() == 4


def test_health_types_need_the_health_level(county, login):
    rows = [[DAY, "入户随访", LI_ID, "", "", "", "王志愿", "1", "", "", "稳定"]]
    job = upload(login(county.owner), workbook(rows))
    assert "健康类服务" in issues(job)[(2, "服务类型")]
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, county.branch_a, username="vol")
    response = login(volunteer).get(reverse("imports:upload", args=["servicelog_records"]))
    assert response.status_code == 403
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doc")
    MemberFactory(name="精防医生", branch=county.branch_a, user=doctor)
    rows = [[DAY, "入户随访", LI_ID, "", "", "", "", "1", "", "", "稳定"]]
    client = login(doctor)
    job = commit(client, upload(client, workbook(rows)))
    assert job.status == ImportJob.Status.COMMITTED, (job.issues, job.message)
    record = ServiceRecord.objects.get()
    assert record.health and record.result == {"stability": "stable"}
    assert record.providers.get().member.name == "精防医生"  # no provider named: the importer


def test_teams_and_activities_link_and_the_team_gives_the_org(county, login):
    team = TeamFactory(name="内科党员先锋队", owner_org=county.branch_a)
    header = [*HEADER, "队伍", "活动名称", "备注"]
    from xianfeng.servicelog.tests.factories import ActivityFactory

    ActivityFactory(
        title="孤山镇义诊",
        org=county.branch_a,
        region_id=TOWN_A,
        created_by=county.owner,
        start_at=timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(9))),
    )
    rows = [[DAY, "义诊", "", "", "", "", "张医生", "2", "", "", "", "内科党员先锋队", "孤山镇义诊", "集中义诊"]]
    client = login(county.owner)
    job = commit(client, upload(client, workbook(rows, header)))
    assert job.status == ImportJob.Status.COMMITTED, job.issues
    record = ServiceRecord.objects.get()
    assert record.team == team and record.org == county.branch_a and record.activity.title == "孤山镇义诊"
    assert record.township_code == TOWN_A and record.village_code == "" and record.note == "集中义诊"


def test_a_region_only_user_is_told_at_check_time_that_a_record_without_a_place_is_out_of_reach(county, login):
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doc")
    MemberFactory(name="精防医生", branch=county.branch_a, user=doctor)
    rows = [
        [DAY, "入户随访", LI_ID, "", "", "", "", "1", "", "", "稳定"],
        [DAY, "心理援助热线", "", "", "", "", "", "0.5", "", "", ""],
        [DAY, "心理援助热线", "", "", VILLAGE_B, "", "", "0.5", "", "", ""],
        [DAY, "心理援助热线", "", "", VILLAGE_A, "", "", "0.5", "", "", ""],
    ]
    client = login(doctor)
    job = upload(client, workbook(rows))
    found = issues(job)
    assert job.error_count == 2, job.issues
    assert "没有服务地点" in found[(3, "所属村")] and "请填写所属村" in found[(3, "所属村")]
    assert "不在您可登记服务记录的地区范围内" in found[(4, "所属村")]
    assert "可登记居民" not in str(job.issues)
    # Fixed row by row, the file commits.
    job = commit(client, upload(client, workbook([rows[0], rows[3]])))
    assert job.status == ImportJob.Status.COMMITTED, (job.issues, job.message)
    assert ServiceRecord.objects.count() == 2


def test_a_record_without_a_place_is_checked_against_the_organizations_of_the_user(county, login):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_ONLY, county.branch_a, username="sec")
    MemberFactory(name="李书记", branch=county.branch_a, user=secretary)
    rows = [[DAY, "义诊", "", "", "", "", "", "1", "", "", ""]]
    client = login(secretary)
    job = commit(client, upload(client, workbook(rows)))
    assert job.status == ImportJob.Status.COMMITTED, (job.issues, job.message)
    record = ServiceRecord.objects.get()
    assert record.org == county.branch_a and record.village_code == "" and record.township_code == ""
