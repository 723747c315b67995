"""The import framework, exercised through the region import (townships and villages)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports.models import ImportJob
from xianfeng.regions.imports import RegionImport
from xianfeng.regions.models import Region

GOOD_CSV = "区划代码,名称,常住人口\n210681101,孤山镇,30000\n210681101001,孤山村,1200\n"


@pytest.fixture
def importer(world):
    """A clerk who may maintain the regions of 东港市 (210681)."""
    return user_with_grant(Role.ADMIN, Scope.REGION, region_prefixes="210681", org=world.branch_a, username="importer")


def upload(client, name, content, spec="regions"):
    data = content if isinstance(content, bytes) else content.encode()
    response = client.post(reverse("imports:upload", args=[spec]), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.latest("id")


def xlsx(rows, extra_sheet=False, merge=None):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    if merge:
        wb.active.merge_cells(merge)
    if extra_sheet:
        wb.create_sheet("Sheet2").append(["other", "data"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_template_has_chinese_headers_and_a_guidance_sheet(importer, login):
    response = login(importer).get(reverse("imports:template", args=["regions"]))
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb["数据"][1]] == ["区划代码*", "名称*", "常住人口"]
    assert "填写说明" in wb.sheetnames


def test_dry_run_then_commit_writes_all_rows(importer, login):
    client = login(importer)
    job = upload(client, "regions.csv", GOOD_CSV)
    assert job.status == "validated" and job.error_count == 0 and job.valid_rows == 2
    assert not Region.objects.filter(code="210681101").exists()  # a check writes nothing
    client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "committed" and job.created_count == 2
    assert Region.objects.get(code="210681101001").population == 1200
    assert ChangeLog.objects.filter(action="import", object_id=str(job.pk)).exists()


def test_gbk_csv_with_synonym_headers_and_fullwidth_digits(importer, login):
    content = "统计用区划代码,村名,人口\n２１０６８１１０１,孤山镇,３０００\n".encode("gbk")
    job = upload(login(importer), "from-other-system.csv", content)
    assert job.error_count == 0, job.issues
    assert job.encoding == "gb18030"
    assert job.mapping == {"code": "统计用区划代码", "name": "村名", "population": "人口"}


def test_errors_are_listed_row_by_row_and_nothing_is_committed(importer, login):
    content = (
        "区划代码,名称,常住人口\n"
        "210681101,孤山镇,30000\n"
        "21068110,错位码,\n"  # row 3: wrong length
        "210681101,孤山镇重复,\n"  # row 4: duplicate of row 2
        "210681999001,无乡镇村,\n"  # row 5: parent township missing
        "210681101002,人口乱填,很多\n"  # row 6: population not a number
        "110101001,北京的乡镇,\n"  # row 7: outside the importer's regions
    )
    client = login(importer)
    job = upload(client, "bad.csv", content)
    found = {(i["row"], i["column"]) for i in job.issues}
    assert found == {(3, "区划代码"), (4, "区划代码"), (5, "区划代码"), (6, "常住人口"), (7, "区划代码")}
    messages = {i["row"]: i["message"] for i in job.issues}
    assert "与第 2 行重复" in messages[4]
    assert "210681999" in messages[5]
    assert "不在您可维护的地区范围内" in messages[7]
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "人口乱填" not in page or "很多" in page
    assert "确认导入" not in page  # no commit button while errors remain
    response = client.post(reverse("imports:commit", args=[job.pk]))
    assert response.status_code == 302
    assert not Region.objects.filter(code__startswith="210681101").exists()


def test_error_workbook_marks_each_bad_row(importer, login):
    client = login(importer)
    job = upload(client, "bad.csv", "区划代码,名称\n210681101,孤山镇\n123,坏代码\n")
    response = client.get(reverse("imports:errors", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(response.content))["数据"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["错误说明", "区划代码", "名称"]
    assert rows[1][0] is None
    assert "区划代码" in rows[2][0] and rows[2][1:] == [123, "坏代码"] or rows[2][1:] == ["123", "坏代码"]


def test_reuploaded_error_workbook_is_accepted_once_fixed(importer, login):
    client = login(importer)
    fixed = xlsx([["错误说明", "区划代码", "名称"], ["", "210681101", "孤山镇"], ["已改正", "210681104", "前阳镇"]])
    job = upload(client, "fixed.xlsx", fixed)
    assert job.error_count == 0 and job.valid_rows == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (xlsx([["区划代码", "名称"], ["210681101", "孤山镇"]], extra_sheet=True), "多个含数据的工作表"),
        (xlsx([["区划信息", None], ["210681101", "孤山镇"]], merge="A1:B1"), "合并单元格"),
        (xlsx([["代号", "叫法"], ["210681101", "孤山镇"]]), "缺少必需的列“区划代码”"),
        (b"PK\x03\x04 not really a workbook", "无法读取该工作簿"),
    ],
    ids=["extra-sheet", "merged-header", "unknown-headers", "corrupt"],
)
def test_malformed_files_get_a_clear_message(importer, login, content, message):
    job = upload(login(importer), "bad.xlsx", content)
    assert job.status == "failed"
    assert message in job.message


def test_utf16_csv_is_refused_with_advice(importer, login):
    job = upload(login(importer), "utf16.csv", "区划代码,名称\n".encode("utf-16"))
    assert job.status == "failed" and "UTF-8" in job.message


def test_large_files_run_in_the_background_with_progress(importer, login, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_INLINE_MAX_BYTES = 10  # force the background path (tasks run immediately in tests)
    client = login(importer)
    rows = "".join(f"210681101{n:03d},村{n},{n}\n" for n in range(1, 400))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = upload(client, "big.csv", "区划代码,名称,常住人口\n210681101,孤山镇,\n" + rows)
    assert len(callbacks) == 1  # the task was enqueued after the upload committed
    job.refresh_from_db()
    assert job.status == "validated" and job.progress == 100 and job.valid_rows == 400
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:commit", args=[job.pk]))
    assert Region.objects.filter(code__startswith="210681101").count() == 400


def test_running_job_page_polls_for_progress(importer, login):
    client = login(importer)
    job = upload(client, "regions.csv", GOOD_CSV)
    ImportJob.objects.filter(pk=job.pk).update(status="validating", progress=42)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "42%" in page


def test_users_without_region_rights_cannot_import_regions(world, login):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a)
    assert login(secretary).get(reverse("imports:upload", args=["regions"])).status_code == 403


def test_only_the_uploader_commits(importer, world, login):
    job = upload(login(importer), "regions.csv", GOOD_CSV)
    other = user_with_grant(Role.ADMIN, Scope.ALL, username="other-admin")
    login(other).post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "validated"


def test_big_workbooks_are_streamed_with_the_same_result(importer, login, monkeypatch):
    """Above the streaming threshold an .xlsx is read row by row (flat memory); same outcome."""
    from xianfeng.imports import readers

    rows = [["区划代码", "名称", "常住人口"], ["210681101", "孤山镇", 30000], ["21068110", "错码", None]]
    content = xlsx(rows, extra_sheet=False)
    client = login(importer)
    calamine_job = upload(client, "small.xlsx", content)
    monkeypatch.setattr(readers, "STREAM_XLSX_ABOVE_BYTES", 0)
    streamed_job = upload(client, "streamed.xlsx", content)
    assert (streamed_job.total_rows, streamed_job.valid_rows) == (calamine_job.total_rows, calamine_job.valid_rows)
    assert streamed_job.issues == calamine_job.issues
    multi = upload(client, "two-sheets.xlsx", xlsx(rows, extra_sheet=True))
    assert "多个含数据的工作表" in multi.message


def test_commit_rechecks_scope_after_writing(importer, login, monkeypatch):
    """A row that gets past the per-county check (a crafted file, a bug in the lookup) is
    caught by the re-check inside the transaction: nothing of the file is written."""
    monkeypatch.setattr(RegionImport, "_writable", lambda self, county, ctx: True)
    client = login(importer)
    job = upload(client, "regions.csv", GOOD_CSV + "110101001,北京的乡镇,\n")
    assert job.status == "validated" and job.error_count == 0
    client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "failed" and "不在您可维护的地区范围内" in job.message
    assert not Region.objects.filter(code__in=["210681101", "210681101001", "110101001"]).exists()
    assert not ChangeLog.objects.filter(action="import").exists()


def test_committed_region_import_logs_what_it_changed(importer, login):
    """Regions come by the thousand: one ChangeLog row per import, listing every code created
    and every name or population changed (before and after)."""
    client = login(importer)
    job = upload(client, "regions.csv", GOOD_CSV)
    client.post(reverse("imports:commit", args=[job.pk]))
    job = upload(client, "rename.csv", "区划代码,名称,常住人口\n210681101,孤山新镇,30000\n210681101002,新村,10\n")
    client.post(reverse("imports:commit", args=[job.pk]), {"mode": "update"})
    log = ChangeLog.objects.get(action="import", object_id=str(job.pk))
    assert log.user == importer and "新增 1，更新 1" in log.note
    assert log.after == {"created": ["210681101002"], "updated": {"210681101": {"name": ["孤山镇", "孤山新镇"]}}}
