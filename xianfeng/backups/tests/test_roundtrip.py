"""The judged scenario: back up the demo (with its service records), restore it into a fresh
database and media directory, and find every row, figure and revealed number again."""

import hashlib
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("backups_demo")


def _digests(root: Path) -> dict:
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_round_trip_brings_back_every_row_figure_and_revealed_number(demo, empty_site):
    assert demo.before["counts"]["servicelog_servicerecord"] > 0, "the demo must include service records"
    assert demo.source.media_files(), "the demo must include uploaded files"

    result = empty_site.manage("restore", demo.archive)
    assert "restored" in result.stdout

    after = empty_site.snapshot(login=True)
    assert after.pop("login") is True, "a demo user signs in against the restored database"
    assert after["counts"] == demo.before["counts"]
    for figures in ("report_all", "report_org", "report_region"):
        assert after[figures] == demo.before[figures], figures
    assert after["report_all"] != after["report_org"], "the org filter selects a part of the figures"
    for people in ("residents", "members", "households", "hotline"):
        assert after[people] == demo.before[people], people
    assert any(id_number for id_number, _phone in after["residents"].values())
    assert _digests(empty_site.media) == _digests(demo.source.media)
    # The sign-ins archived after their retention window come back as files, and the chain verifies
    # from the archived file through the restored anchor into the live rows.
    archived = _digests(empty_site.var_dir / "audit-archive")
    assert len(archived) == 1 and archived == _digests(demo.source.var_dir / "audit-archive")
    verify = empty_site.manage("verify_audit", "--archives", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_check_verifies_an_archive_and_restores_nothing(demo, empty_site):
    result = empty_site.manage("restore", demo.archive, "--check")
    assert result.stdout.startswith("OK ")
    assert "checksum, keys, full decrypt and migrations verified" in result.stdout
    assert empty_site.table_count() == 0
    assert empty_site.media_files() == []


def test_keep_deletes_only_the_oldest_xianfeng_archives(demo, tmp_path):
    out = tmp_path / "nightly"
    out.mkdir()
    older = [out / "xianfeng-backup-20250101-020000.xfbak", out / "xianfeng-backup-20250102-020000.xfbak"]
    for path in older:  # two earlier nights (copies of one real archive)
        shutil.copyfile(demo.archive, path)
    (out / "notes.xfbak").write_bytes(b"not an archive")  # a foreign file with the suffix: never deleted
    (out / "readme.txt").write_text("kept")
    lines = demo.source.manage("backup", "--output-dir", out, "--keep", "2").stdout.splitlines()
    newest = Path(lines[0])
    assert newest.parent == out and newest.name.startswith("xianfeng-backup-") and newest.suffix == ".xfbak"
    assert f"deleted old archive {older[0].name}" in lines
    remaining = sorted(p.name for p in out.iterdir())
    assert remaining == sorted([older[1].name, newest.name, "notes.xfbak", "readme.txt"])
