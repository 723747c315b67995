"""Importing past activities: participants with their hours, places, quantities; a second
import of the same activities updates their headcount, participants and notes."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from xianfeng.audit.models import ChangeLog
from xianfeng.imports.models import ImportJob
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A
from xianfeng.servicelog.importing_cells import parse_moment, parse_participants
from xianfeng.servicelog.models import Activity, ActivityParticipant, ActivityQuantity
from xianfeng.teams.tests.factories import TeamFactory

from .test_imports import commit, county_members, issues, upload, workbook

TODAY = timezone.localdate()
DAY = TODAY - datetime.timedelta(days=20)
HEADER = [
    "活动名称",
    "活动类型",
    "开始时间",
    "结束时间",
    "组织",
    "队伍",
    "地点",
    "所在乡镇/村",
    "服务人数（不记名）",
    "服务类型",
    "数量",
    "参与人员及时长",
    "时长",
    "状态",
    "备注",
]


@pytest.fixture
def county(world):
    county_members(world)
    world.team = TeamFactory(name="内科党员先锋队", owner_org=world.branch_a)
    return world


def rows():
    return [
        [
            "孤山镇义诊",
            "义诊",
            f"{DAY:%Y-%m-%d} 09:00",
            f"{DAY:%Y-%m-%d} 11:30",
            "内科党支部",
            "内科党员先锋队",
            "孤山镇卫生院",
            "孤山镇",
            40,
            "义诊、发放宣传资料",
            "40",
            "王志愿 2.5；张医生 3",
            "",
            "",
            "",
        ],
        [
            "健康讲座进村",
            "讲座",
            DAY,
            "",
            "内科第一党小组",
            "",
            "",
            VILLAGE_A,
            25,
            "健康讲座",
            "",
            "王志愿、V001、张医生",
            "2",
            "已举办",
            "首次",
        ],
    ]


def test_a_good_file_imports_activities_with_participants_and_places(county, login):
    client = login(county.owner)
    job = upload(client, workbook(rows(), HEADER), "servicelog_activities")
    assert job.error_count == 0, job.issues
    job = commit(client, job)
    assert job.status == ImportJob.Status.COMMITTED and job.created_count == 2
    assert Activity.objects.count() == 2
    clinic = Activity.objects.get(title="孤山镇义诊")
    assert clinic.kind == Activity.Kind.FREE_CLINIC and clinic.status == Activity.Status.HELD
    assert clinic.org == county.branch_a and clinic.headcount == 40 and clinic.served_on == DAY
    assert (clinic.township_code, clinic.village_code, clinic.county_code) == (TOWN_A, "", "210681")
    assert timezone.localtime(clinic.start_at).hour == 9 and timezone.localtime(clinic.end_at).minute == 30
    assert list(clinic.teams.all()) == [county.team]
    assert sorted(t.code for t in clinic.service_types.all()) == ["free_clinic", "leaflet"]
    hours = dict(clinic.participants.values_list("member__name", "hours"))
    assert hours == {"王志愿": Decimal("2.5"), "张医生": Decimal("3.0")}
    assert all(p.counted and p.township_code == TOWN_A for p in clinic.participants.all())
    quantity = ActivityQuantity.objects.get(activity=clinic)
    assert quantity.service_type.code == "free_clinic" and quantity.quantity == 40 and quantity.unit == "人次"
    lecture = Activity.objects.get(title="健康讲座进村")
    assert lecture.village_code == VILLAGE_A and lecture.org == county.group_a and lecture.note == "首次"
    assert dict(lecture.participants.values_list("member__name", "hours")) == {
        "王志愿": Decimal("2.0"),
        "张医生": Decimal("2.0"),
    }  # V001 is 王志愿: counted once
    assert ChangeLog.objects.filter(model="servicelog.Activity", action=ChangeLog.Action.IMPORT).count() == 2


def test_a_second_import_updates_headcount_participants_and_notes(county, login):
    client = login(county.owner)
    commit(client, upload(client, workbook(rows(), HEADER), "servicelog_activities"))
    changed = rows()
    changed[0][8] = 55
    changed[0][11] = "王志愿 2.5"
    changed[0][14] = "补录人数"
    job = upload(client, workbook(changed, HEADER), "servicelog_activities")
    assert job.error_count == 0, job.issues
    assert (job.plan["create"], job.plan["update"], job.plan["unchanged"]) == (0, 1, 1)
    job = commit(client, job, mode="update")
    assert job.status == ImportJob.Status.COMMITTED and job.updated_count == 1
    clinic = Activity.objects.get(title="孤山镇义诊")
    assert clinic.headcount == 55 and clinic.note == "补录人数"
    assert list(clinic.participants.values_list("member__name", flat=True)) == ["王志愿"]
    assert Activity.objects.count() == 2 and ActivityParticipant.objects.count() == 3
    log = ChangeLog.objects.get(model="servicelog.Activity", action=ChangeLog.Action.UPDATE)
    assert log.before["headcount"] == 40 and log.after["headcount"] == 55


def test_bad_activity_rows_name_the_column(county, login):
    future = TODAY + datetime.timedelta(days=3)
    bad = [
        ["未来义诊", "", future, "", "内科党支部", "", "", "", 1, "", "", "", "", "", ""],
        ["外科活动", "", DAY, "", "外科党支部", "", "", "", 1, "", "", "", "", "", ""],
        ["倒序", "", f"{DAY} 10:00", f"{DAY} 09:00", "内科党支部", "", "", "", 1, "", "", "", "", "", ""],
        ["外人参加", "", DAY, "", "内科党支部", "", "", "", 1, "", "", "赵外科 2", "", "", ""],
        ["超长时长", "", DAY, "", "内科党支部", "", "", "", 1, "", "", "王志愿 999999999999", "", "", ""],
        ["单位不对", "", DAY, "", "内科党支部", "", "", "", 1, "义诊", "0", "", "", "", ""],
        ["无类型", "", DAY, "", "内科党支部", "", "", "", 1, "精神分裂症随访", "", "", "", "", ""],
        ["健康类", "", DAY, "", "内科党支部", "", "", "", 1, "入户随访", "", "", "", "", ""],
        ["人数太多", "", DAY, "", "内科党支部", "", "", "", 10_000_000, "", "", "", "", "", ""],
        ["孤山镇义诊", "", DAY, "", "内科党支部", "", "", "", 1, "", "", "", "", "", ""],
        ["孤山镇义诊", "", DAY, "", "内科党支部", "", "", "", 2, "", "", "", "", "", ""],
        ["计划活动", "", future, "", "内科党支部", "", "", "", 0, "", "", "", "", "计划中", ""],
    ]
    client = login(county.owner)
    job = upload(client, workbook(bad, HEADER), "servicelog_activities")
    found = issues(job)
    assert "晚于今天" in found[(2, "开始时间")]
    assert "外科党支部" in found[(3, "组织")]
    assert "早于开始时间" in found[(4, "结束时间")]
    assert "赵外科" in found[(5, "参与人员及时长")]
    assert "24" in found[(6, "参与人员及时长")]
    assert "大于 0" in found[(7, "数量")]
    assert "精神分裂症随访" in found[(8, "服务类型")]
    assert "健康类" in found[(9, "服务类型")]
    assert "1000000" in found[(10, "服务人数（不记名）")]
    assert "第 11 行" in found[(12, "活动名称")]
    assert job.error_count == 10, job.issues
    assert commit(client, job).status != ImportJob.Status.COMMITTED
    assert Activity.objects.count() == 0


def test_cell_parsers():
    assert parse_participants("张三 2.5；李四 3") == (("张三", "2.5"), ("李四", "3"))
    assert parse_participants("张三、李四") == (("张三", None), ("李四", None))
    assert parse_participants("张三2.5小时, V2021001") == (("张三", "2.5"), ("V2021001", None))
    assert parse_participants("张三（1.5）") == (("张三", "1.5"),)
    moment = parse_moment("2024年5月1日 14:30")
    assert (moment.date(), moment.hour, moment.minute) == (datetime.date(2024, 5, 1), 14, 30)
    assert timezone.localtime(parse_moment(datetime.date(2024, 5, 1))).hour == 0
