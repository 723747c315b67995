"""系统状态 (/health/): administrators only, every part of the system on one self-refreshing page."""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.health import selectors
from xianfeng.health.models import WorkerHeartbeat

from .tasks import noop

pytestmark = pytest.mark.django_db
URL = "/health/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass(frozen=True)
class FakeArchive:  # the contract's ArchiveInfo
    path: Path
    name: str
    created_at: datetime.datetime
    size_bytes: int
    vendor: str
    row_total: int
    problem: str = ""


@dataclass
class FakeRetention:  # the contract's RetentionStatus
    retention_days: int = 190
    archive_count: int = 3
    last_archive_at: datetime.datetime | None = None
    oldest_live_at: dict = field(default_factory=dict)
    evidence_retention_days: int = 1095
    files_purged: int = 12
    next_run_at: datetime.datetime | None = None


@pytest.fixture
def operations(settings, monkeypatch):
    """The database queue, one backup and a retention status (the other helpers' functions)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    now = timezone.now()
    archive = FakeArchive(Path("/srv/b/x.xfbak"), "xianfeng-20261124-0200.xfbak", now, 5 * 1024**2, "sqlite", 48213)
    monkeypatch.setattr(selectors, "backups", lambda: [archive])
    retention = FakeRetention(last_archive_at=now, oldest_live_at={"变更日志": now - datetime.timedelta(days=150)})
    monkeypatch.setattr(selectors, "retention", lambda: retention)
    return now


def heartbeat(worker_id, *, seconds_ago, stopped=False, task="", task_minutes=0):
    seen = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    host, pid = worker_id.split(":")
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=host,
        pid=int(pid),
        queues="*",
        started_at=seen - datetime.timedelta(hours=2),
        last_seen_at=seen,
        stopped_at=seen if stopped else None,
        tasks_done=1234,
        current_task=task,
        current_task_since=timezone.now() - datetime.timedelta(minutes=task_minutes) if task else None,
    )


def test_administrators_see_every_part(login, world, operations):
    heartbeat("app1:100", seconds_ago=12, task="xianfeng.imports.tasks.run_import", task_minutes=3)
    heartbeat("app1:99", seconds_ago=3600, stopped=True)
    heartbeat("app2:7", seconds_ago=300)
    noop.enqueue()
    response = login(world.admin).get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "系统状态" in page and 'data-overall="ok"' in page and "运行正常" in page
    assert connection.vendor in page  # the database's kind
    assert "<span data-depth>1</span>" in page
    assert re.search(r">1[2-9] 秒前<", page)  # 12 seconds, and the time this test takes
    assert 'data-state="running"' in page and "运行中" in page and "xianfeng.imports.tasks.run_import" in page
    assert 'data-state="stopped"' in page and "已停止" in page
    assert 'data-state="lost"' in page and "失联" in page
    assert "xianfeng-20261124-0200.xfbak" in page and "48213" in page
    assert "审计日志在数据库中保留 190 天" in page and "已按期删除 12 个文件" in page
    assert "没有未应用的迁移" in page and "已应用" in page
    assert 'hx-trigger="every 15s"' in page


def test_a_holder_of_an_administrator_grant_may_see_it(client, operations):
    admin = user_with_grant(Role.ADMIN, Scope.ALL, None, username="it-office")
    client.force_login(admin)
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.CLERK, Role.AUDITOR, Role.LEADER])
def test_other_roles_are_refused(client, world, operations, role):
    client.force_login(user_with_grant(role, Scope.ALL if role != Role.CLERK else Scope.ORG_SUBTREE, world.branch_a))
    assert client.get(URL).status_code == 403
    assert client.get(URL, **HTMX).status_code == 403


def test_an_administrator_over_one_organization_only_is_refused(client, world, operations):
    client.force_login(user_with_grant(Role.ADMIN, Scope.ORG_SUBTREE, world.branch_a))
    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_login(client, operations):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_refresh_after_the_session_ended_sends_the_browser_to_login(client, operations):
    response = client.get(URL, **HTMX)
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_the_refresh_renders_the_panel_only_and_keeps_the_idle_timeout(login, world, operations):
    client = login(world.admin)
    client.get(URL)
    session = client.session
    session["_xf_refreshed"] = 0  # the last activity long ago: a real page view would refresh now
    session.save()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith('<div id="health-status"') and "<html" not in page
    assert "数据库结构版本" not in page  # unchanged between deploys: not re-read every 15 s
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert client.session.get("_xf_refreshed") == 0


def test_a_degraded_system_says_so(login, world, operations):
    heartbeat("app1:100", seconds_ago=600)
    page = login(world.admin).get(URL).content.decode()
    assert 'data-overall="degraded"' in page and "没有运行中的进程" in page


def test_a_task_running_for_hours_is_pointed_out(login, world, operations):
    heartbeat("app1:100", seconds_ago=5, task="xianfeng.reports.tasks.build_report", task_minutes=125)
    page = login(world.admin).get(URL).content.decode()
    assert "已运行 2 小时 5 分钟" in page and "可能卡住" in page


def test_failed_tasks_of_the_last_day_are_counted(login, world, operations):
    from django_tasks_db.models import DBTaskResult

    for days_ago in (0, 0, 3):
        result = noop.enqueue()
        finished = timezone.now() - datetime.timedelta(days=days_ago, minutes=5)
        DBTaskResult.objects.filter(pk=result.id).update(status="FAILED", finished_at=finished)
    assert selectors.failed_tasks_last_day() == 2
    page = login(world.admin).get(URL).content.decode()
    assert '近 24 小时失败：<span class="text-danger fw-bold">2</span>' in page


def test_a_part_that_fails_shows_its_error_and_the_rest_still_shows(login, world, operations, monkeypatch):
    def unreadable():
        raise PermissionError("/srv/backups: Permission denied")

    monkeypatch.setattr(selectors, "backups", unreadable)
    response = login(world.admin).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "PermissionError: /srv/backups: Permission denied" in page and "日志保留" in page


def test_no_backup_yet_is_a_warning(login, world, settings, tmp_path, operations, monkeypatch):
    from xianfeng.backups.archive import list_archives

    settings.BACKUP_DIR = tmp_path / "none-yet"
    monkeypatch.setattr(selectors, "backups", lambda: list_archives())
    page = login(world.admin).get(URL).content.decode()
    assert "备份目录中没有备份" in page


def test_the_number_of_queries_does_not_grow_with_workers(login, world, operations):
    client = login(world.admin)
    client.get(URL)
    heartbeat("app1:1", seconds_ago=1)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    few = count()
    for n in range(2, 12):
        heartbeat(f"app{n}:{n}", seconds_ago=n, task="xianfeng.imports.tasks.run_import", task_minutes=n)
    assert count() == few
    assert few <= 15, few
