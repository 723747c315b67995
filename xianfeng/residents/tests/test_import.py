import datetime
import io

import pytest
from openpyxl import Workbook

from xianfeng.imports import engine
from xianfeng.imports.models import ImportJob
from xianfeng.imports.spec import ImportContext, get_spec
from xianfeng.residents import selectors
from xianfeng.residents.models import Household, HouseholdTag, Resident, ResidentTag

from .factories import VILLAGE_A, VILLAGE_A2, VILLAGE_B, ResidentFactory, make_id_number

HEADER = "姓名,公民身份号码,性别,出生日期,手机号,村(社区),住址,户编号,与户主关系,人群分类\n"
ID1 = make_id_number(datetime.date(1965, 3, 2), serial=1)
ID2 = make_id_number(datetime.date(1968, 7, 9), serial=2, female=True)
ID3 = make_id_number(datetime.date(2015, 9, 1), serial=3)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def write(tmp_path, text: str, encoding="gbk", name="list.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, user, commit=False):
    return engine.run(get_spec("residents"), path, ImportContext(user=user), commit=commit)


MESSY = (
    HEADER
    + f"陳大文,{fullwidth(ID1)},男,1965.3.2,１３８ 1234 5678,{VILLAGE_A},孤山镇東街1號,H001,户主,残疾人、低保户\n"
    + f"  黃 美玲 ,{ID2},女,1968年7月9日,13900000001,冯家屯村,孤山镇東街1號,H001,妻,\n"
    + f"陳小文,{ID3},,2015/9/1,,{VILLAGE_A},孤山镇東街1號,H001,子,在校学生\n"
    + f"無證人,,女,1950-01-01,,{VILLAGE_A2},,,,\n"
)


def test_messy_gbk_csv_imports(tmp_path, doctors, county):
    path = write(tmp_path, MESSY, "gbk")
    outcome = run(path, doctors.a)
    assert outcome.ok, [e.as_dict() for e in outcome.errors]
    assert outcome.encoding == "gb18030" and outcome.valid == 4
    assert not Resident.objects.exists()  # a dry run writes nothing
    outcome = run(path, doctors.a, commit=True)
    assert outcome.committed and outcome.created == 4
    chan = Resident.objects.get(name="陳大文")
    assert chan.id_number == ID1 and chan.phone == "13812345678" and chan.birth_date == datetime.date(1965, 3, 2)
    wong = Resident.objects.get(name_norm="黄美玲")
    assert wong.name == "黃 美玲" and wong.village_id == VILLAGE_A and wong.relation == "spouse"
    household = Household.objects.get()
    assert household.head == chan and household.number == "H001" and household.members.count() == 3
    assert HouseholdTag.objects.get().tag == "dibao"
    assert set(ResidentTag.objects.values_list("tag", flat=True)) == {"disabled", "student"}
    assert Resident.objects.get(name="無證人").id_missing
    for query in ("陈大文", "cdw"):
        assert list(selectors.resident_list(user=doctors.a, query=query)) == [chan]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings(tmp_path, doctors, county, encoding):
    outcome = run(write(tmp_path, MESSY, encoding), doctors.a)
    assert outcome.ok and outcome.valid == 4


def test_xlsx_with_excel_dates_and_synonyms(tmp_path, doctors, county):
    wb = Workbook()
    sheet = wb.active
    sheet.append(["名字", "身份证号码", "生日", "所属村", "家庭住址"])
    sheet.append(["张三", ID1, 23803, VILLAGE_A, "x"])  # 23803 = 1965-03-02 as an Excel serial
    sheet.append(["李四", "", datetime.datetime(1970, 1, 2), "谷家屯", "y"])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    outcome = run(path, doctors.a, commit=True)
    assert outcome.committed, [e.as_dict() for e in outcome.errors]
    assert Resident.objects.get(name="李四").village_id == VILLAGE_A2


def test_errors_name_row_and_column_and_nothing_is_committed(tmp_path, doctors, county):
    bad = (
        HEADER
        + f"甲,{ID1},男,1965-03-02,,{VILLAGE_A},,,,\n"  # row 2: fine
        + f"乙,{ID1[:-1]}{'0' if ID1[-1] != '0' else '1'},男,,,{VILLAGE_A},,,,\n"  # row 3: wrong checksum
        + f"丙,,男,1965.2.30,,{VILLAGE_A},,,,\n"  # row 4: impossible date
        + f"丁,,男,,,{VILLAGE_B},,,,\n"  # row 5: village outside the doctor's township
        + f"戊,{ID1},男,,,{VILLAGE_A},,,,\n"  # row 6: same ID as row 2
        + f"己,{ID2},男,,,{VILLAGE_A},,,,\n"  # row 7: ID says female
        + "庚,,男,,,999999999999,,,,\n"  # row 8: no such village
        + f"辛,,男,,,{VILLAGE_A},,,,外星人\n"  # row 9: unknown tag
    )
    outcome = run(write(tmp_path, bad), doctors.a, commit=True)
    assert not outcome.committed and not Resident.objects.exists()
    found = {(e.row, e.column): e.message for e in outcome.errors}
    assert "校验位" in found[(3, "公民身份号码")]
    assert "不是存在的日期" in found[(4, "出生日期")]
    assert "不在您可登记居民的地区范围内" in found[(5, "村(社区)")]
    assert "第 2 行重复" in found[(6, "公民身份号码")]
    assert "不一致" in found[(7, "性别")]
    assert "不存在" in found[(8, "村(社区)")]
    assert "外星人" in found[(9, "人群分类")]
    assert (2, "公民身份号码") not in found


def test_duplicate_against_database_and_possible_duplicate_warning(tmp_path, doctors, county):
    from xianfeng.residents import services

    services.resident_create(acting_user=doctors.a, name="甲", village=county[VILLAGE_A], id_number=ID1)
    ResidentFactory(name="陈无证", birth_date=datetime.date(1950, 1, 1), village_id=VILLAGE_A)
    text = HEADER + f"甲,{ID1},,,,{VILLAGE_A},,,,\n"
    outcome = run(write(tmp_path, text), doctors.a)
    assert outcome.ok and outcome.planned["unchanged"] == 1  # registered here: a re-import (test_import_update)
    text = HEADER + f"陳無證,,,1950-01-01,,{VILLAGE_A},,,,\n陳無證,,,1950-01-01,,{VILLAGE_A},,,,\n"
    outcome = run(write(tmp_path, text), doctors.a)
    assert outcome.ok
    messages = [w.message for w in outcome.warnings]
    assert any("已登记的居民重复" in m for m in messages) and any("第 2 行是同一人" in m for m in messages)


def test_file_problems(tmp_path, doctors, county):
    path = tmp_path / "list.csv"
    path.write_bytes(MESSY.encode("utf-16"))
    assert run(path, doctors.a).file_problem
    wb = Workbook()
    sheet = wb.active
    sheet.append(["居民信息", None, None])
    sheet.merge_cells("A1:C1")
    sheet.append(["张三", ID1, VILLAGE_A])
    wb.create_sheet("其他").append(["x"])
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    outcome = run(path, doctors.a)
    assert outcome.file_problem and not outcome.committed


def test_upload_through_the_page(tmp_path, doctors, county, login):
    client = login(doctors.a)
    upload = io.BytesIO(MESSY.encode("gbk"))
    upload.name = "名单.csv"
    response = client.post("/imports/new/residents/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "validated" and job.error_count == 0, job.issues
    response = client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.status == "committed" and job.created_count == 4
    assert Resident.objects.count() == 4
