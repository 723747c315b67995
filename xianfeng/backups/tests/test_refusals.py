"""Bad input (issue 15): every refusal names the problem and what to do, and leaves the target
as it was. Refusals decided before the target is looked at run in this process without database
access (pytest-django would fail a test whose code touched the database); the others run
manage.py restore against a real empty (or not empty) target and look at it afterwards."""

import io
import json
import tarfile
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from xianfeng.backups import archive, restore
from xianfeng.backups.archive import ArchiveError

from .support import OTHER_FIELD_KEY, rewrite_manifest

pytestmark = pytest.mark.xdist_group("backups_demo")


def _refusal(path) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(path))
    assert "restore refused, nothing was changed" in str(caught.value)
    return str(caught.value)


def _payload_range(path) -> tuple[int, int]:
    with tarfile.open(path, "r:") as outer:
        outer.next()
        payload = outer.next()
        return payload.offset_data, payload.size


# --- decided from the archive alone ---------------------------------------------------------


def test_random_bytes_another_tar_and_a_zip_are_not_archives(tmp_path):
    random_file = tmp_path / "random.xfbak"
    random_file.write_bytes(bytes(range(256)) * 40)
    other_tar = tmp_path / "other.tar"
    with tarfile.open(other_tar, "w") as tar:
        data = b"hello"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    a_zip = tmp_path / "backup.zip"
    with zipfile.ZipFile(a_zip, "w") as z:
        z.writestr("manifest.json", "{}")
    for path in (random_file, other_tar, a_zip):
        message = _refusal(path)
        assert "is not a Xianfeng backup archive" in message
        assert "manage.py backup" in message


def test_a_tar_with_a_foreign_manifest_is_not_an_archive(tmp_path):
    path = tmp_path / "foreign.tar"
    with tarfile.open(path, "w") as tar:
        data = json.dumps({"format": "something-else"}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    assert "manifest names another format" in _refusal(path)


def test_an_unknown_format_version_is_refused(demo, tmp_path):
    edited = tmp_path / "v9.xfbak"
    rewrite_manifest(demo.archive, edited, lambda m: m.update(format_version=9))
    message = _refusal(edited)
    assert "archive format version 9" in message
    assert "Xianfeng version that wrote it" in message


@pytest.mark.parametrize("where", ["first header", "manifest", "payload header", "payload", "end"])
def test_a_truncated_archive_is_refused(demo, tmp_path, where):
    offset, size = _payload_range(demo.archive)
    cut = {
        "first header": 100,
        "manifest": 512 + 5000,
        "payload header": offset - 200,
        "payload": offset + size // 2,
        "end": demo.archive.stat().st_size - 1,
    }[where]
    truncated = tmp_path / "cut.xfbak"
    truncated.write_bytes(demo.archive.read_bytes()[:cut])
    message = _refusal(truncated)
    assert "truncated" in message or "is not a Xianfeng backup archive" in message


def test_a_flipped_byte_with_its_checksum_recomputed_still_fails_to_decrypt(demo, tmp_path):
    import hashlib

    offset, size = _payload_range(demo.archive)
    data = bytearray(demo.archive.read_bytes())
    data[offset + size // 2] ^= 0x01
    altered = tmp_path / "altered.xfbak"
    altered.write_bytes(bytes(data))
    sha = hashlib.sha256(bytes(data[offset : offset + size])).hexdigest()
    resealed = tmp_path / "resealed.xfbak"
    rewrite_manifest(altered, resealed, lambda m: m["payload"].update(sha256=sha))
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(resealed), "--check")
    assert "the payload does not decrypt" in str(caught.value)


def test_an_edited_row_count_is_noticed(demo, tmp_path):
    edited = tmp_path / "counts.xfbak"
    rewrite_manifest(demo.archive, edited, lambda m: m["row_counts"].update(residents_resident=1))
    with pytest.raises(ArchiveError, match="its manifest was edited"):
        restore.check_archive(edited)


def test_a_manifest_naming_another_field_key_is_refused(demo, tmp_path):
    edited = tmp_path / "key.xfbak"
    rewrite_manifest(demo.archive, edited, lambda m: m["keys"].update(field_key_id="0badc0de"))
    message = _refusal(edited)
    assert "field key whose id is 0badc0de" in message
    assert "set FIELD_ENCRYPTION_KEY to the key of the deployment that made the archive" in message
    assert OTHER_FIELD_KEY not in message


def test_another_blind_index_key_is_refused(demo):
    with override_settings(BLIND_INDEX_KEY="another-deployment-blind-index-key-0123456789"):
        message = _refusal(demo.archive)
    assert "another BLIND_INDEX_KEY" in message
    assert "another-deployment" not in message  # the key itself is never printed


def test_another_database_vendor_is_refused(demo, tmp_path):
    made = archive.read_manifest(demo.archive).manifest["database"]["vendor"]
    other = "sqlite" if made == "postgresql" else "postgresql"
    edited = tmp_path / "vendor.xfbak"
    rewrite_manifest(demo.archive, edited, lambda m: m["database"].update(vendor=other))
    message = _refusal(edited)
    assert f"holds a {other} database; the current settings use {made}" in message


def test_migrations_unknown_to_this_code_are_refused(demo, tmp_path):
    edited = tmp_path / "newer.xfbak"
    rewrite_manifest(demo.archive, edited, lambda m: m["migrations"]["residents"].append("9999_from_the_future"))
    message = _refusal(edited)
    assert "made by a newer version of Xianfeng" in message
    assert "residents.9999_from_the_future" in message
    assert "Upgrade the code" in message


# --- decided with a real target -------------------------------------------------------------


def _refused(site, archive_path, *args, **env) -> str:
    result = site.manage("restore", archive_path, *args, check=False, **env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "restore refused, nothing was changed" in result.stderr
    return result.stderr


def test_a_flipped_byte_is_refused_and_the_target_stays_empty(demo, empty_site, tmp_path):
    offset, size = _payload_range(demo.archive)
    data = bytearray(demo.archive.read_bytes())
    data[offset + 1000] ^= 0x80
    altered = tmp_path / "flipped.xfbak"
    altered.write_bytes(bytes(data))
    assert "was altered or damaged: its payload's sha256 differs" in _refused(empty_site, altered)
    assert empty_site.table_count() == 0
    assert empty_site.media_files() == []


def test_a_truncated_payload_is_refused_and_the_target_stays_empty(demo, empty_site, tmp_path):
    offset, size = _payload_range(demo.archive)
    truncated = tmp_path / "half.xfbak"
    truncated.write_bytes(demo.archive.read_bytes()[: offset + size // 3])
    assert "is truncated" in _refused(empty_site, truncated)
    assert empty_site.table_count() == 0
    assert empty_site.media_files() == []


def test_a_wrong_field_key_in_the_environment_is_refused(demo, empty_site):
    message = _refused(empty_site, demo.archive, FIELD_ENCRYPTION_KEY=OTHER_FIELD_KEY)
    assert "FIELD_ENCRYPTION_KEY" in message and "another deployment or the key is wrong" in message
    assert OTHER_FIELD_KEY not in message
    assert empty_site.table_count() == 0
    assert empty_site.media_files() == []


def test_a_database_that_is_not_empty_is_refused_and_unchanged(demo):
    before = demo.source.counts()
    message = _refused(demo.source, demo.archive)
    assert f"is not empty: it has {len(before)} table(s)" in message
    assert "create a new one" in message
    assert demo.source.counts() == before


def test_media_root_with_files_is_refused(demo, empty_site):
    (empty_site.media / "imports").mkdir(parents=True)
    (empty_site.media / "imports" / "left-over.bin").write_bytes(b"x")
    message = _refused(empty_site, demo.archive)
    assert "holds 1 file(s)" in message and "move those files away" in message
    assert empty_site.table_count() == 0
    assert empty_site.media_files() == ["imports/left-over.bin"]


def test_an_audit_archive_dir_with_files_is_refused(demo, empty_site):
    archives = empty_site.var_dir / "audit-archive"
    archives.mkdir(parents=True)
    (archives / "audit.LoginLog-000000000001.jsonl.gz").write_bytes(b"x")
    message = _refused(empty_site, demo.archive)
    assert "AUDIT_ARCHIVE_DIR" in message and "holds 1 file(s)" in message
    assert empty_site.table_count() == 0 and empty_site.media_files() == []


def test_data_the_key_cannot_open_is_restored_then_removed_again(demo, empty_site, tmp_path):
    """Archive sealed with a new key while the rows are still under the old one (a rotation in
    progress); restored with only the new key, the sampled columns do not decrypt: the restored
    database is dropped again and no media are moved in."""
    rotated = demo.source.backup(
        "--output-dir",
        tmp_path / "rotated",
        FIELD_ENCRYPTION_KEY=f"{OTHER_FIELD_KEY},{demo.source.env()['FIELD_ENCRYPTION_KEY']}",
    )
    message = _refused(empty_site, rotated, FIELD_ENCRYPTION_KEY=OTHER_FIELD_KEY)
    assert "failed its checks, so it was removed again" in message
    assert "does not decrypt with FIELD_ENCRYPTION_KEY" in message
    assert empty_site.table_count() == 0
    assert empty_site.media_files() == []
    assert not list(empty_site.var_dir.glob(".restore-work-*")), "the decrypted work directory is removed"
