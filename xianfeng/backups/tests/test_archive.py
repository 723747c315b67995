"""The archive format's building blocks, without a database: the payload cipher is filecrypt's
own format, and the status page's list reads manifests only."""

import io
import os
from datetime import datetime

import pytest

from xianfeng.backups import archive
from xianfeng.backups.backup import prune
from xianfeng.core import filecrypt


@pytest.mark.parametrize("length", [0, 1, 100, 1024, 1025, 4096, 5000])
def test_sealed_payload_decrypts_with_filecrypt_and_fails_when_cut_or_altered(length):
    data = os.urandom(length)
    sealed = io.BytesIO()
    writer = archive.SealingWriter(sealed, chunk=1024)
    for start in range(0, length, 333):  # written in pieces, as tarfile does
        writer.write(data[start : start + 333])
    writer.close()
    blob = sealed.getvalue()
    assert b"".join(filecrypt.iter_decrypted(io.BytesIO(blob), chunk=1024)) == data
    with pytest.raises(filecrypt.FileDecryptionError):
        b"".join(filecrypt.iter_decrypted(io.BytesIO(blob[:-1])))
    flipped = bytearray(blob)
    flipped[-5] ^= 1
    with pytest.raises(filecrypt.FileDecryptionError):
        b"".join(filecrypt.iter_decrypted(io.BytesIO(bytes(flipped))))


def _write(path, manifest_extra=None):
    manifest = {
        "format": archive.FORMAT,
        "format_version": archive.FORMAT_VERSION,
        "created_at": "2026-01-0%sT02:00:00+08:00" % (manifest_extra or 1),
        "database": {"vendor": "sqlite", "server_version": "3", "dump_tool": "x", "dump_file": "database.sqlite3"},
        "row_total": 42,
    }
    archive.write_archive(path, manifest, lambda inner: None)


def test_list_archives_newest_first_from_the_manifests(tmp_path):
    assert archive.list_archives(tmp_path / "missing") == []
    _write(tmp_path / "xianfeng-backup-a.xfbak", 1)
    _write(tmp_path / "xianfeng-backup-b.xfbak", 3)
    (tmp_path / "broken.xfbak").write_bytes(b"junk")
    (tmp_path / "other.txt").write_text("not listed")
    infos = archive.list_archives(tmp_path)
    readable = [i for i in infos if not i.problem]
    assert [i.name for i in readable] == ["xianfeng-backup-b.xfbak", "xianfeng-backup-a.xfbak"]
    newest = readable[0]
    assert newest.created_at == datetime.fromisoformat("2026-01-03T02:00:00+08:00")
    assert (newest.vendor, newest.row_total, newest.problem) == ("sqlite", 42, "")
    assert newest.size_bytes == (tmp_path / newest.name).stat().st_size
    broken = [i for i in infos if i.name == "broken.xfbak"][0]
    assert broken.problem and broken.created_at.tzinfo is not None


def test_prune_keeps_the_newest_and_never_touches_other_files(tmp_path):
    for day in (1, 2, 3):
        _write(tmp_path / f"xianfeng-backup-{day}.xfbak", day)
    (tmp_path / "broken.xfbak").write_bytes(b"junk")
    removed = prune(tmp_path, 2)
    assert [p.name for p in removed] == ["xianfeng-backup-1.xfbak"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "broken.xfbak",
        "xianfeng-backup-2.xfbak",
        "xianfeng-backup-3.xfbak",
    ]
