"""Make one archive (archive.py describes the format) and prune old ones.

The database dump is written in clear to a private work directory under VAR_DIR (the local disk
that already holds the database), never into the output directory, which may be a NAS mount:
only the sealed archive goes there, first under a ``.partial`` name, then fsynced and renamed.
"""

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import archive, database


@dataclass
class BackupResult:
    path: Path
    size_bytes: int
    tables: int
    rows: int
    media_files: int
    media_bytes: int
    seconds: float


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


AUDIT_ARCHIVE_MEMBER = "audit-archive"  # the payload's folder for AUDIT_ARCHIVE_DIR


def audit_archive_root() -> Path:
    """The audit logs archived after their retention window (xianfeng/audit/archiving.py): the
    database keeps only their anchors, so without these files ``verify_audit --archives`` fails."""
    return Path(settings.AUDIT_ARCHIVE_DIR)


def media_files(root: Path) -> list[tuple[Path, str]]:
    """(path, name relative to MEDIA_ROOT) of every regular file, sorted (symlinks skipped)."""
    found = []
    if root.is_dir():
        for directory, _dirs, files in os.walk(root):
            for name in files:
                path = Path(directory) / name
                if path.is_file() and not path.is_symlink():
                    found.append((path, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda item: item[1])


def _archive_name(directory: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = directory / f"{archive.NAME_PREFIX}{stamp}{archive.SUFFIX}"
    counter = 2
    while path.exists() or path.with_name(path.name + ".partial").exists():
        path = directory / f"{archive.NAME_PREFIX}{stamp}-{counter}{archive.SUFFIX}"
        counter += 1
    return path


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_backup(output_dir: Path | None = None) -> BackupResult:
    started = time.monotonic()
    output_dir = Path(output_dir) if output_dir else archive.backup_dir()
    output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=".backup-work-", dir=settings.VAR_DIR))
    partial = None
    try:
        dump_path, facts = database.dump(work)
        files = media_files(media_root())
        media_bytes = sum(path.stat().st_size for path, _name in files)
        audit_files = media_files(audit_archive_root())
        manifest = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "created_at": timezone.localtime().isoformat(),
            "database": {
                "vendor": database.vendor(),
                "server_version": facts["server_version"],
                "dump_tool": facts["dump_tool"],
                "dump_file": dump_path.name,
            },
            "migrations": facts["migrations"],
            "row_counts": facts["counts"],
            "row_total": sum(facts["counts"].values()),
            "media": {"files": len(files), "bytes": media_bytes},
            "audit_archive": {
                "files": len(audit_files),
                "bytes": sum(path.stat().st_size for path, _name in audit_files),
            },
            "keys": {"field_key_id": archive.field_key_ids()[0], "blind_index_check": archive.blind_index_check()},
        }
        final = _archive_name(output_dir)
        partial = final.with_name(final.name + ".partial")

        def fill(inner):
            inner.add(dump_path, arcname=dump_path.name, recursive=False)
            for path, name in files:
                inner.add(path, arcname=f"media/{name}", recursive=False)
            for path, name in audit_files:
                inner.add(path, arcname=f"{AUDIT_ARCHIVE_MEMBER}/{name}", recursive=False)

        manifest = archive.write_archive(partial, manifest, fill)
        os.replace(partial, final)
        partial = None
        _fsync_directory(output_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if partial is not None:
            partial.unlink(missing_ok=True)
    return BackupResult(
        path=final,
        size_bytes=final.stat().st_size,
        tables=len(manifest["row_counts"]),
        rows=manifest["row_total"],
        media_files=len(files),
        media_bytes=media_bytes,
        seconds=time.monotonic() - started,
    )


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete the oldest archives beyond ``keep`` in ``directory``; only files whose manifest
    reads as a Xianfeng archive are counted or deleted (anything else is left alone)."""
    archives = [info for info in archive.list_archives(directory) if not info.problem]
    removed = []
    for info in archives[keep:]:
        info.path.unlink(missing_ok=True)
        removed.append(info.path)
    return removed
