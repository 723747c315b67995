"""Background report jobs through the pages: start (needs 导出), progress polled by HTMX, the file
encrypted at rest and downloaded by its creator only, failures told in words, old files purged."""

import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core import filecrypt
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.reports import services_jobs
from xianfeng.reports.models import ReportJob

from .test_report_command import PERIOD, make_facts


@pytest.fixture
def start(login, django_capture_on_commit_callbacks):
    """start(user, **params) -> the response to POST /reports/jobs/export/ (tasks run at once)."""

    def _start(user, **params):
        with django_capture_on_commit_callbacks(execute=True):
            return login(user).post(reverse("reports:job_start"), params)

    return _start


def read_xlsx(response) -> dict:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {row[4]: row[1] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}


def test_a_clerk_starts_a_job_and_downloads_the_figures(world, start, client):
    make_facts(world)
    seen = []
    original = services_jobs._Progress.__call__
    services_jobs._Progress.__call__ = lambda self, p: (seen.append(p), original(self, p))
    try:
        response = start(world.owner, kind="metrics_xlsx", **PERIOD)
    finally:
        services_jobs._Progress.__call__ = original
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:job_detail", args=[job.pk])
    assert job.status == ReportJob.Status.DONE and job.progress == 100 and job.created_by == world.owner
    assert seen == sorted(seen) and 0 < seen[0] < 100  # the bar moved before the file was stored
    with job.file.open("rb") as stored:  # encrypted at rest
        assert stored.read(len(filecrypt.MAGIC)) == filecrypt.MAGIC
    page = client.get(reverse("reports:job_detail", args=[job.pk]))
    assert "已生成" in page.content.decode() and 'hx-trigger="every 1s"' not in page.content.decode()
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote('统计数据-20250101-20251231.xlsx')}"
    assert read_xlsx(download)["person_times"] == 2  # branch A's figures, as the clerk reads them
    assert job in client.get(reverse("reports:jobs")).context["page"]


def test_only_the_creator_reaches_a_job(world, start, login):
    start(world.owner, kind="metrics_xlsx", **PERIOD)
    job = ReportJob.objects.get()
    other = login(world.outsider)
    assert other.get(reverse("reports:job_detail", args=[job.pk])).status_code == 404
    assert other.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
    assert list(other.get(reverse("reports:jobs")).context["page"]) == []


def test_readers_without_export_and_volunteers_are_refused(world, login):
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="sec")
    assert login(secretary).post(reverse("reports:job_start"), {"kind": "metrics_xlsx"}).status_code == 403
    assert login(secretary).get(reverse("reports:jobs")).status_code == 200  # reads the page, no form
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_a, username="vol")
    assert login(volunteer).get(reverse("reports:jobs")).status_code == 403
    assert not ReportJob.objects.exists()


def test_a_bad_filter_is_shown_and_no_job_is_made(world, start):
    response = start(world.owner, kind="metrics_xlsx", **{"from": "2025-12-31", "to": "2025-01-01"})
    assert response.status_code == 400
    assert "开始日期晚于结束日期" in response.content.decode()
    assert start(world.owner, kind="lottery").status_code == 400
    assert not ReportJob.objects.exists()


def test_the_status_part_polls_while_the_job_waits(world, login):
    job = ReportJob.objects.create(kind="metrics_xlsx", params=PERIOD, created_by=world.owner, progress=40)
    part = login(world.owner).get(reverse("reports:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    text = part.content.decode()
    assert 'hx-trigger="every 1s"' in text and "width: 40%" in text and "<html" not in text
    assert login(world.owner).get(reverse("reports:job_download", args=[job.pk])).status_code == 302


def test_a_failure_is_told_in_words_without_the_traceback(world, start, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /srv/xianfeng")

    monkeypatch.setattr(services_jobs, "metrics_workbook", broken)
    start(world.owner, kind="metrics_xlsx", **PERIOD)
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.FAILED and not job.file.name
    assert "生成失败" in job.message and "internals" not in job.message


def test_a_job_whose_creator_lost_export_fails_instead_of_running(world):
    job = ReportJob.objects.create(kind="metrics_xlsx", params=PERIOD, created_by=world.reader)
    world.reader.grants.update(role=Role.SECRETARY)
    services_jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and "导出" in job.message


def test_old_jobs_and_their_files_are_deleted_after_seven_days(world, start):
    start(world.owner, kind="metrics_xlsx", **PERIOD)
    start(world.owner, kind="metrics_xlsx", **PERIOD)
    old, recent = ReportJob.objects.order_by("pk")
    ReportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    assert services_jobs.purge_old_jobs() == 1
    assert not storage.exists(name)
    assert list(ReportJob.objects.all()) == [recent]


def test_a_job_left_running_by_a_dead_worker_ends_as_failed(world):
    job = ReportJob.objects.create(kind="metrics_xlsx", params=PERIOD, created_by=world.owner, status="running")
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=7))
    services_jobs.purge_old_jobs()
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and job.message


def test_a_statistics_table_and_a_word_report_are_built_in_the_background(world, start, client):
    make_facts(world)
    start(world.owner, kind="table_xlsx", rows="org", metrics="person_times,persons", **PERIOD)
    start(world.owner, kind="report_docx", **PERIOD)
    table, report = ReportJob.objects.order_by("pk")
    assert (table.status, report.status) == ("done", "done"), (table.message, report.message)
    assert table.params["rows"] == "org" and report.filename.endswith(".docx")
    content = b"".join(client.get(reverse("reports:job_download", args=[table.pk])).streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "合计")
    assert total[1:3] == (2, 1)  # 人次, 人数 of branch A: the dashboard's figures
    word = client.get(reverse("reports:job_download", args=[report.pk]))
    assert word["Content-Type"].endswith("wordprocessingml.document")
    assert b"".join(word.streaming_content)[:2] == b"PK"


def test_a_table_with_an_unknown_figure_is_refused_before_it_is_queued(world, start):
    response = start(world.owner, kind="table_xlsx", metrics="person_times,happiness", **PERIOD)
    assert response.status_code == 400 and "happiness" in response.content.decode()
    assert not ReportJob.objects.exists()
