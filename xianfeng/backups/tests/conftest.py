"""One seeded demo deployment and its archive, shared by the tests that need a real archive
(seeding is the slow part: ~35 s on SQLite, ~90 s on PostgreSQL)."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from .support import Site


def pytest_configure(config):
    # Registered here too so --strict-markers accepts it when xdist is not loaded (-p no:xdist).
    config.addinivalue_line("markers", "xdist_group(name): run these tests in one xdist worker (--dist loadgroup)")


# Three sign-ins of last year, logged before anything else: the retention run archives them to a
# file in AUDIT_ARCHIVE_DIR (older than six months), which a backup must carry along.
OLD_SIGN_INS = (
    "import datetime; from xianfeng.audit.models import LoginLog; "
    "[LoginLog.objects.create(at=datetime.datetime(2025, 3, d, 8, tzinfo=datetime.UTC), username='old', "
    "success=True) for d in (1, 2, 3)]"
)


@dataclass
class Demo:
    source: Site
    archive: Path
    before: dict  # the source's snapshot (snapshot.py) when the archive was made


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    source = Site.create(tmp_path_factory.mktemp("backups-demo"))
    try:
        source.manage("migrate", "-v0")
        source.manage("shell", "-c", OLD_SIGN_INS)
        source.manage("seed_demo")
        archived = source.manage("archive_audit_logs").stdout
        assert "audit.LoginLog: seq 1-3, 3 rows" in archived, archived
        before = source.snapshot()
        yield Demo(source, source.backup(), before)
    finally:
        source.drop()


@pytest.fixture
def empty_site(tmp_path):
    site = Site.create(tmp_path)
    yield site
    site.drop()
