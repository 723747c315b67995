"""What an import file may hold is bounded (issue 8, item 4): the bytes a workbook expands to,
its rows and its columns are checked before anything big is allocated and again while
reading, with a message that says what to do, entirely in Chinese. The big files are made
here in seconds by writing the zip directly; their refusal is measured in a separate process
(the peak memory of the whole process, as the worker would see it)."""

import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports import readers
from xianfeng.imports.models import ImportJob

PEAK_GROWTH_MB = 300

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
SHEET = "xl/worksheets/sheet1.xml"
PARTS = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK}
PARTS["xl/_rels/workbook.xml.rels"] = WORKBOOK_RELS


def _cell(value) -> str:
    if isinstance(value, str):
        return f'<c t="inlineStr"><is><t>{value}</t></is></c>'
    return f"<c><v>{value}</v></c>"


def row_xml(values) -> bytes:
    return ("<row>" + "".join(_cell(v) for v in values) + "</row>").encode()


def write_xlsx(path: Path, header, body: bytes = b"", repeat: int = 0, dimension: str = "", level: int = 1) -> Path:
    """A minimal workbook whose sheet XML is streamed into the zip: the header row, then
    ``body`` (rows without numbers, as many writers emit them) ``repeat`` times."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>" + row_xml(header))
            for _ in range(repeat):
                sheet.write(body)
            sheet.write(b"</sheetData></worksheet>")
    return path


def bomb_xlsx(path: Path, *, expands_to_mb: int, declares: int | None = None) -> Path:
    """A valid workbook whose sheet is a deflate stream of ``expands_to_mb`` MB of spaces in a
    cell (about 1000 : 1), its zip headers declaring that size or ``declares`` bytes (a lie).
    Made from one compressed megabyte repeated: no gigabytes are ever produced here."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        directory = archive.infolist()
    body = buffer.getvalue()[: min(i.header_offset for i in directory) + sum(_local_size(i) for i in directory)]
    head = (SHEET_HEAD + '<sheetData><row><c t="inlineStr"><is><t>').encode()
    tail = b"</t></is></c></row></sheetData></worksheet>"
    filler = b" " * 2**20
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    piece = deflate.compress(filler) + deflate.flush(zlib.Z_FULL_FLUSH)  # the same bytes each time
    stream = first + piece * expands_to_mb + deflate.compress(tail) + deflate.flush()
    crc = zlib.crc32(head)
    for _ in range(expands_to_mb):
        crc = zlib.crc32(filler, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(filler) * expands_to_mb + len(tail) if declares is None else declares
    name = SHEET.encode()
    offset = len(body)
    body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(stream), size, len(name), 0) + name
    body += stream
    central = b""
    entries = [(i.filename.encode(), i.CRC, i.compress_size, i.file_size, i.header_offset) for i in directory]
    for entry_name, entry_crc, packed, unpacked, at in [*entries, (name, crc, len(stream), size, offset)]:
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0,
            entry_crc,
            packed,
            unpacked,
            len(entry_name),
            0,
            0,
            0,
            0,
            0,
            at,
        )
        central += entry_name
    count = len(entries) + 1
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(body), 0)
    path.write_bytes(body + central + end)
    return path


def _local_size(info: zipfile.ZipInfo) -> int:
    return 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size


MEASURE = """
import json, resource, sys
import django
django.setup()
from xianfeng.imports.readers import FileProblem, read_table

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

start = peak()
message, rows = "", 0
try:
    table = read_table(__import__("pathlib").Path(sys.argv[1]), sys.argv[2])
    for row in table.rows:
        rows += 1
except FileProblem as exc:
    message = str(exc)
print(json.dumps({"message": message, "rows": rows, "growth": peak() - start}))
"""


def measure(path: Path, name: str = "big.xlsx", **limits) -> dict:
    """Read ``path`` as an upload named ``name`` in a fresh process, as the worker would: the
    message it was refused with, the rows read and the growth of the process's peak memory."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    env.update({key: str(value) for key, value in limits.items()})
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), name],
        capture_output=True,
        text=True,
        env=env,
        cwd=django_settings.BASE_DIR,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def chinese_only(message: str) -> bool:
    """No library text: the only Latin words a message may hold are names of programs and formats."""
    return not (set(re.findall(r"[A-Za-z_]{2,}", message)) - {"Excel", "WPS", "xlsx", "xls", "CSV", "GB", "MB", "KB"})


@pytest.fixture(scope="module")
def three_million_rows(tmp_path_factory) -> Path:
    """3 000 000 data rows with a sheet that says so (its dimension record), like an export
    from another system; about 4 MB on disk, 400 MB expanded."""
    folder = tmp_path_factory.mktemp("limits")
    block = row_xml(["张三", "450102199001011234", 13900000000]) * 10_000
    return write_xlsx(
        folder / "three-million.xlsx", ["姓名", "身份证号", "手机号"], block, repeat=300, dimension="A1:C3000001"
    )


def test_three_million_rows_are_refused_before_reading_with_little_memory(three_million_rows):
    result = measure(three_million_rows)
    assert result["message"] == "工作表约有 300 万行数据，超过上限 100 万行；请拆分为多个文件，每个不超过 100 万行"
    assert result["rows"] == 0
    assert result["growth"] < PEAK_GROWTH_MB, result


def test_three_million_rows_without_a_dimension_are_refused_by_their_compression(tmp_path):
    """The 888 KB workbook of the issue: no dimension record, 3 million identical rows."""
    block = row_xml(["张三", "450102199001011234", 13900000000]) * 10_000
    path = write_xlsx(tmp_path / "no-dimension.xlsx", ["姓名", "身份证号", "手机号"], block, repeat=300, level=9)
    assert path.stat().st_size < 2 * 2**20  # 400 MB of sheet
    result = measure(path)
    assert "压缩比异常" in result["message"] and "另存为 .xlsx" in result["message"]
    assert chinese_only(result["message"])
    assert result["growth"] < PEAK_GROWTH_MB, result


def test_a_zip_bomb_declaring_gigabytes_is_refused_from_its_directory(tmp_path):
    path = bomb_xlsx(tmp_path / "bomb.xlsx", expands_to_mb=2100)
    assert path.stat().st_size < 3 * 2**20
    result = measure(path)
    assert result["message"] == "工作簿展开后约 2.1 GB，超过上限 1.0 GB；请拆分为多个文件，每个不超过 100 万行"
    assert result["growth"] < PEAK_GROWTH_MB, result


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "calamine"])
def test_a_zip_bomb_lying_about_its_size_stops_at_what_it_declared(tmp_path, stream):
    """Headers that claim 5 MB for a part that inflates to 2 GB: reading stops at 5 MB, the
    file is refused as damaged, and memory stays flat whichever reader meets it."""
    path = bomb_xlsx(tmp_path / "liar.xlsx", expands_to_mb=2048, declares=5 * 2**20)
    result = measure(path, IMPORT_STREAM_ABOVE_BYTES=0 if stream else 64 * 2**20)
    assert result["message"].startswith("无法读取该工作簿") and chinese_only(result["message"])
    assert result["growth"] < PEAK_GROWTH_MB, result


def test_decompression_stops_past_the_limit_whatever_the_directory_says(tmp_path):
    path = write_xlsx(tmp_path / "small.xlsx", ["姓名"], row_xml(["张三"]) * 1000, repeat=10)
    archive = readers._GuardedZip(path, readers.Limits(rows=100, columns=10, expanded=4096))
    with pytest.raises(readers.FileProblem, match="工作簿展开后约"), archive.open(SHEET) as source:
        while source.read(1024):
            pass


# Through the upload page, as a clerk meets them.


@pytest.fixture
def importer(world):
    return user_with_grant(Role.ADMIN, Scope.REGION, region_prefixes="210681", org=world.branch_a, username="importer")


def upload(client, name: str, content: bytes) -> ImportJob:
    response = client.post(reverse("imports:upload", args=["regions"]), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.latest("pk")


def region_rows(count: int) -> list[list]:
    return [["210681101", "孤山镇", 30000]] + [[f"210681101{i:03d}", f"第{i}村", 100] for i in range(1, count)]


def region_xlsx(tmp_path: Path, count: int, extra_columns: int = 0) -> bytes:
    header = ["区划代码", "名称", "常住人口"] + [f"备用{i}" for i in range(extra_columns)]
    body = b"".join(row_xml(row + ["x"] * extra_columns) for row in region_rows(count))
    return write_xlsx(tmp_path / "regions.xlsx", header, body, repeat=1).read_bytes()


@pytest.mark.parametrize("stream", [False, True], ids=["calamine", "streamed"])
def test_rows_beyond_the_limit_are_refused_while_reading(importer, login, settings, tmp_path, monkeypatch, stream):
    settings.IMPORT_MAX_ROWS = 5
    if stream:
        monkeypatch.setattr(readers, "STREAM_XLSX_ABOVE_BYTES", 0)
    job = upload(login(importer), "regions.xlsx", region_xlsx(tmp_path, 8))
    assert job.status == "failed"
    # calamine knows the sheet's height once loaded; the streamed reader counts as it goes
    expected = "数据超过 5 行的上限" if stream else "工作表约有 8 行数据，超过上限 5 行"
    assert job.message == expected + "；请拆分为多个文件，每个不超过 5 行"
    assert job.created_count == 0 and not job.issues


def test_csv_rows_beyond_the_limit_are_refused_while_reading(importer, login, settings):
    settings.IMPORT_MAX_ROWS = 5
    content = "区划代码,名称,常住人口\n" + "".join(f"210681101{i:03d},第{i}村,100\n" for i in range(1, 9))
    job = upload(login(importer), "regions.csv", content.encode("gb18030"))
    assert job.status == "failed" and "数据超过 5 行的上限" in job.message


def test_a_csv_larger_than_the_limit_is_refused_before_reading(importer, login, settings):
    settings.IMPORT_MAX_EXPANDED_BYTES = 2048
    content = "区划代码,名称,常住人口\n" + "".join(f"210681101{i:03d},第{i}村,100\n" for i in range(1, 200))
    job = upload(login(importer), "regions.csv", content.encode())
    assert job.status == "failed"
    assert job.message.startswith("CSV 文件有 ") and "超过上限 2 KB；请拆分为多个文件" in job.message


def test_too_many_columns_are_refused(importer, login, settings, tmp_path):
    settings.IMPORT_MAX_COLUMNS = 20
    job = upload(login(importer), "wide.xlsx", region_xlsx(tmp_path, 3, extra_columns=30))
    assert job.status == "failed"
    assert job.message == "表格有 33 列，超过上限 20 列；请删去不需要导入的列后再上传"


@pytest.mark.parametrize("stream", [False, True], ids=["calamine", "streamed"])
def test_rows_within_the_limit_import_as_before(importer, login, settings, tmp_path, monkeypatch, stream):
    settings.IMPORT_MAX_ROWS = 8  # data rows: the header is not counted
    if stream:
        monkeypatch.setattr(readers, "STREAM_XLSX_ABOVE_BYTES", 0)
    job = upload(login(importer), "regions.xlsx", region_xlsx(tmp_path, 8))
    assert job.status == "validated" and job.total_rows == 8 and job.error_count == 0


def test_streaming_is_chosen_by_what_the_sheet_expands_to(importer, login, settings, tmp_path, monkeypatch):
    """A workbook far smaller than the threshold on disk but expanding beyond it is streamed
    (calamine, which holds the whole sheet, is not even opened); a small one is not."""
    content = region_xlsx(tmp_path, 300)
    expanded = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist() if i.filename == SHEET)
    settings.IMPORT_STREAM_ABOVE_BYTES = len(content) + 1  # the upload is below, its sheet above
    assert expanded > settings.IMPORT_STREAM_ABOVE_BYTES
    opened = []
    real = readers.CalamineWorkbook.from_path
    monkeypatch.setattr(readers.CalamineWorkbook, "from_path", lambda p: opened.append(p) or real(p))
    job = upload(login(importer), "regions.xlsx", content)
    assert job.status == "validated" and job.total_rows == 300 and not opened
    settings.IMPORT_STREAM_ABOVE_BYTES = expanded + 1
    job = upload(login(importer), "regions.xlsx", content)
    assert job.status == "validated" and job.total_rows == 300 and opened


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"PK\x03\x04 cut short", "无法读取该工作簿：文件不完整或已损坏，或扩展名与实际格式不符"),
        (b"not a workbook at all", "无法读取该工作簿：文件不完整或已损坏，或扩展名与实际格式不符"),
        (readers.OLE_MAGIC + b"\x00" * 600, "该工作簿设置了打开密码（已加密）"),
        ("missing-parts", "工作簿缺少必要的组成部分"),
    ],
    ids=["truncated-zip", "not-a-zip", "encrypted", "missing-parts"],
)
def test_unreadable_workbooks_are_explained_in_chinese_only(importer, login, content, expected):
    if content == "missing-parts":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("xl/workbook.xml", WORKBOOK)
        content = buffer.getvalue()
    job = upload(login(importer), "regions.xlsx", content)
    assert job.status == "failed" and job.message.startswith(expected)
    assert "EOCD" not in job.message and "rels" not in job.message and chinese_only(job.message)


def test_a_damaged_xls_is_explained_in_chinese_only(importer, login):
    job = upload(login(importer), "regions.xls", readers.OLE_MAGIC + b"\x00" * 600)
    assert job.status == "failed" and job.message.startswith("无法读取该工作簿") and chinese_only(job.message)


def test_a_big_xls_is_refused_before_it_is_loaded_whole(importer, login, settings):
    settings.IMPORT_STREAM_ABOVE_BYTES = 1024
    job = upload(login(importer), "regions.xls", readers.OLE_MAGIC + b"\x00" * 4096)
    assert job.status == "failed"
    assert job.message.startswith("旧格式（.xls）文件有 4 KB，超过可读取的上限 2 KB；请另存为 .xlsx")


@pytest.mark.parametrize(
    "far_cell,expected",
    [
        ("XFD1048576", "数据超过 100 万行的上限"),
        ("ZZ200000", "表格有 702 列，超过上限 200 列"),
    ],
    ids=["last-cell-of-the-sheet", "far-column"],
)
def test_a_tiny_workbook_spanning_a_huge_grid_is_read_without_allocating_it(tmp_path, far_cell, expected):
    """Two cells at opposite corners of a 5 KB workbook: calamine would allocate the whole
    grid (500 GB) and abort the process; it is streamed instead, and refused."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "姓名"
    workbook.active[far_cell] = "x"
    path = tmp_path / "corners.xlsx"
    workbook.save(path)
    assert path.stat().st_size < 10_000
    result = measure(path)
    assert result["message"].startswith(expected)
    assert result["growth"] < PEAK_GROWTH_MB, result


ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="数据"><table:table-row>'
    '<table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell></table:table-row>'
    '<table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="{columns}" '
    'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)


ODS_MANIFEST = (
    '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


@pytest.mark.parametrize(
    "rows,columns", [(50_000, 100), (1_000_000, 1_000)], ids=["5-million-cells", "1-billion-cells"]
)
def test_an_ods_repeating_cells_is_refused_without_loading_it_here(tmp_path, rows, columns):
    """.ods is read only by calamine, whole: a 1 KB file repeating one cell millions of times
    is first loaded in a child process with capped memory, and refused."""
    path = tmp_path / "repeated.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", ODS_CONTENT.format(rows=rows, columns=columns))
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    result = measure(path, "repeated.ods")
    assert result["message"].startswith("工作表的范围太大") and chinese_only(result["message"])
    assert result["growth"] < PEAK_GROWTH_MB, result


def test_damage_met_half_way_through_a_streamed_sheet_is_explained(importer, login, settings, tmp_path):
    """A sheet cut off after its first rows: streamed, the damage shows only once reading is
    under way, and still ends the job with the same Chinese message."""
    settings.IMPORT_STREAM_ABOVE_BYTES = 0
    header = row_xml(["区划代码", "名称", "常住人口"])
    body = b"".join(row_xml(row) for row in region_rows(999)) * 5  # far beyond the first block read
    path = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr(SHEET, SHEET_HEAD.encode() + b"<sheetData>" + header + body[:-500])
    job = upload(login(importer), "cut.xlsx", path.read_bytes())
    assert job.status == "failed" and job.message.startswith("无法读取该工作簿") and chinese_only(job.message)
