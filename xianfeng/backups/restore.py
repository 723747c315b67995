"""Check an archive and restore it into the EMPTY database and MEDIA_ROOT of the current settings.

Order: everything that needs no target first (format, keys, vendor, migrations, checksum, full
decrypt), then the target (empty database, no file under MEDIA_ROOT). The payload is decrypted
into a private work directory beside MEDIA_ROOT (same disk, so the media move in by rename; the
clear dump never goes to /tmp, which may be another, shared disk). The database is restored,
then checked (row counts, the field key on every encrypted column, the audit chains); only then
do the media move in. Any failure drops what was restored: nothing is left half-restored.
"""

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from xianfeng.core import crypto, filecrypt
from xianfeng.core.fields import EncryptedTextField

from . import archive, database
from .archive import ArchiveError
from .backup import AUDIT_ARCHIVE_MEMBER

SAMPLE_ROWS = 25
SAMPLE_FILES = 20


@dataclass
class CheckedArchive:
    opened: archive.OpenedArchive
    newer_here: int = 0  # migrations this code has that the archive lacks (run migrate after)
    notes: list[str] = field(default_factory=list)

    @property
    def manifest(self) -> dict:
        return self.opened.manifest


def check_keys(opened: archive.OpenedArchive) -> None:
    keys = opened.manifest.get("keys") or {}
    wanted, have = keys.get("field_key_id"), archive.field_key_ids()
    if wanted not in have or archive.payload_key_id(opened) not in have:
        raise ArchiveError(
            f"{opened.path.name} was sealed with the field key whose id is {wanted}; FIELD_ENCRYPTION_KEY "
            f"here has key id(s) {', '.join(have)}. It comes from another deployment or the key is wrong: "
            "set FIELD_ENCRYPTION_KEY to the key of the deployment that made the archive."
        )
    if keys.get("blind_index_check") != archive.blind_index_check():
        raise ArchiveError(
            f"{opened.path.name} was made with another BLIND_INDEX_KEY (its key check differs): set "
            "BLIND_INDEX_KEY to the key of the deployment that made the archive (the exact-ID search and "
            "the audit chains depend on it)."
        )


def check_vendor(manifest: dict) -> None:
    made, here = (manifest.get("database") or {}).get("vendor"), database.vendor()
    if made != here:
        raise ArchiveError(
            f"the archive holds a {made} database; the current settings use {here}. Restore it with "
            f"DATABASE_URL pointing at an empty {made} database."
        )


def check_migrations(manifest: dict) -> int:
    """ArchiveError when the archive holds migrations this code does not know; otherwise the
    number of migrations this code has beyond the archive (``migrate`` applies them)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in (manifest.get("migrations") or {}).items() for name in names}
    unknown = sorted(applied - known)
    if unknown:
        shown = ", ".join(f"{app}.{name}" for app, name in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise ArchiveError(
            f"the archive was made by a newer version of Xianfeng: {len(unknown)} migration(s) unknown to this "
            f"code ({shown}). Upgrade the code to that version first, then restore."
        )
    return len(known - applied)


def inspect(path: Path) -> CheckedArchive:
    """Every check that needs no target: format, keys, vendor, migrations (cheap ones first)."""
    opened = archive.read_manifest(Path(path))
    check_keys(opened)
    check_vendor(opened.manifest)
    return CheckedArchive(opened, newer_here=check_migrations(opened.manifest))


def _safe_relative(name: str) -> PurePosixPath:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ArchiveError(f"the archive holds an unsafe path {name!r}")
    return relative


def unpack(checked: CheckedArchive, work: Path | None) -> None:
    """Decrypt the whole payload; with ``work``, write the dump and media/ into it (else only
    read: ``--check``). Compares the sealed manifest and the media totals with the plain one."""
    manifest = checked.manifest
    expected = {key: value for key, value in manifest.items() if key != "payload"}
    with archive.payload_errors(checked.opened.path.name):  # also raised while a member's content is read
        _unpack_members(checked, work, expected)


def _unpack_members(checked: CheckedArchive, work: Path | None, expected: dict) -> None:
    manifest = checked.manifest
    dump_name = manifest["database"]["dump_file"]
    seen_manifest, seen_dump, files, size = False, False, 0, 0
    audit_files, audit_size = 0, 0
    for member, source in archive.decrypted_members(checked.opened):
        if member.isdir():
            continue
        if not member.isfile():
            raise ArchiveError(f"the archive holds an unexpected entry {member.name!r}")
        if member.name == archive.MANIFEST_NAME:
            seen_manifest = True
            if json.loads(source.read()) != expected:
                raise ArchiveError(
                    f"{checked.opened.path.name}: its manifest was edited (it differs from the sealed copy)"
                )
            continue
        relative = _safe_relative(member.name)
        if member.name == dump_name:
            seen_dump = True
        elif relative.parts[0] == "media" and len(relative.parts) > 1:
            files, size = files + 1, size + member.size
        elif relative.parts[0] == AUDIT_ARCHIVE_MEMBER and len(relative.parts) > 1:
            audit_files, audit_size = audit_files + 1, audit_size + member.size
        else:
            raise ArchiveError(f"the archive holds an unexpected entry {member.name!r}")
        if work is None:
            while source.read(archive.READ_SIZE):
                pass
            continue
        target = work.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)  # inside the private work directory
        with open(target, "xb") as out:
            shutil.copyfileobj(source, out, archive.READ_SIZE)
    if not seen_manifest or not seen_dump:
        raise ArchiveError(f"{checked.opened.path.name}: the payload lacks its manifest or database dump")
    if (files, size) != (manifest["media"]["files"], manifest["media"]["bytes"]):
        raise ArchiveError(f"{checked.opened.path.name}: the media files differ from the manifest")
    # Archives made before the audit archive files travelled along have no "audit_archive" entry.
    expected_audit = manifest.get("audit_archive", {"files": 0, "bytes": 0})
    if (audit_files, audit_size) != (expected_audit["files"], expected_audit["bytes"]):
        raise ArchiveError(f"{checked.opened.path.name}: the audit archive files differ from the manifest")


def check_archive(path: Path) -> CheckedArchive:
    """``restore --check``: format, keys, vendor, migrations, checksum and a full decrypt."""
    checked = inspect(path)
    archive.verify_checksum(checked.opened)
    unpack(checked, None)
    return checked


# --- the target --------------------------------------------------------------------------------


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def audit_archive_root() -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR)


def media_file_count(root: Path) -> int:
    return sum(len(files) for _dir, _dirs, files in os.walk(root)) if root.is_dir() else 0


def check_target_empty() -> None:
    tables = database.target_table_count()
    if tables:
        where = settings.DATABASES["default"]["NAME"]
        raise ArchiveError(
            f"the target database {where} is not empty: it has {tables} table(s). Restore only into an empty "
            "database: create a new one (PostgreSQL: createdb; SQLite: move the file away) and try again."
        )
    files = media_file_count(media_root())
    if files:
        raise ArchiveError(
            f"MEDIA_ROOT ({media_root()}) holds {files} file(s). Restore only into an empty MEDIA_ROOT: "
            "move those files away and try again."
        )
    files = media_file_count(audit_archive_root())
    if files:
        raise ArchiveError(
            f"AUDIT_ARCHIVE_DIR ({audit_archive_root()}) holds {files} file(s). Restore only into an empty "
            "AUDIT_ARCHIVE_DIR: move those files away and try again."
        )


def _decrypt_samples(problems: list[str]) -> None:
    """The key in the environment must open every encrypted column (a sample of each)."""
    table_names = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields or table not in table_names:
                continue
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            for fld in fields:
                if fld.column not in columns:
                    continue
                col, pk = database.quote(fld.column), database.quote(model._meta.pk.column)
                for order in ("ASC", "DESC"):
                    cursor.execute(
                        f"SELECT {pk}, {col} FROM {database.quote(table)} WHERE {col} IS NOT NULL AND {col} <> '' "
                        f"ORDER BY {pk} {order} LIMIT {SAMPLE_ROWS}"
                    )
                    for row_id, token in cursor.fetchall():
                        try:
                            crypto.decrypt(token)
                        except Exception:  # DecryptionError, InvalidTag, bad base64: all mean "not this key"
                            problems.append(
                                f"{table}.{fld.column} (id {row_id}) does not decrypt with FIELD_ENCRYPTION_KEY: "
                                "add the deployment's older key(s) to FIELD_ENCRYPTION_KEY"
                            )
                            return


def _sample_media(staging: Path, problems: list[str]) -> None:
    """The first SAMPLE_FILES uploads must decrypt with the key in the environment."""
    sampled = 0
    for directory, _dirs, files in os.walk(staging):
        for name in sorted(files):
            try:
                with open(Path(directory) / name, "rb") as source:
                    for _block in filecrypt.iter_decrypted(source):
                        pass
            except filecrypt.FileDecryptionError as exc:
                problems.append(f"media file {name} does not decrypt with FIELD_ENCRYPTION_KEY ({exc})")
                return
            sampled += 1
            if sampled >= SAMPLE_FILES:
                return


def verify_restored(manifest: dict, work: Path) -> list[str]:
    """What must hold before the restore is kept; ``work`` holds the decrypted media/ and
    audit-archive/ (the archived audit files are checked against their restored anchors)."""
    from xianfeng.audit.verify import verify_all

    problems = []
    counts = database.current_counts()
    if counts != manifest["row_counts"]:
        differ = sorted(
            t for t in set(counts) | set(manifest["row_counts"]) if counts.get(t) != manifest["row_counts"].get(t)
        )
        problems.append(f"row counts differ from the manifest in {len(differ)} table(s): {', '.join(differ[:5])}")
    _decrypt_samples(problems)
    _sample_media(work / "media", problems)
    audit_files = work / AUDIT_ARCHIVE_MEMBER if "audit_archive" in manifest else None
    for report in verify_all(archive_directory=audit_files):
        if not report.intact:
            problems.append(f"audit chain {report.label}: {'; '.join(report.problems[:3])}")
    return problems


def _move_tree_in(staging: Path, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    if media_file_count(root):  # written to while we restored: leave it to the operator
        raise ArchiveError(f"files appeared in {root} during the restore")
    if not staging.is_dir():
        return
    for entry in staging.iterdir():
        target = root / entry.name
        if target.exists():
            shutil.rmtree(target)  # an empty directory tree (checked: no files)
        os.replace(entry, target)


def restore(path: Path) -> CheckedArchive:
    checked = inspect(path)
    manifest = checked.manifest
    check_target_empty()
    archive.verify_checksum(checked.opened)
    root = media_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".restore-work-", dir=root.parent))  # mode 0700
    is_pg = database.vendor() == "postgresql"
    restored, before = False, None
    try:
        unpack(checked, work)
        check_target_empty()  # again: nothing may have arrived while we decrypted
        dump = work / manifest["database"]["dump_file"]
        if is_pg:
            database.tool_major("pg_restore")
            before = database.pg_objects()
            restored = True
            database.restore_postgresql(dump)
        else:
            restored = True
            database.restore_sqlite(dump)
        problems = verify_restored(manifest, work)
        if problems:
            raise ArchiveError(
                "the restored data failed its checks, so it was removed again:\n  " + "\n  ".join(problems)
            )
        for root in (media_root(), audit_archive_root()):  # both still empty before either moves in
            if media_file_count(root):
                raise ArchiveError(f"files appeared in {root} during the restore")
        _move_tree_in(work / "media", media_root())
        _move_tree_in(work / AUDIT_ARCHIVE_MEMBER, audit_archive_root())
        restored = False  # success: keep it
    finally:
        if restored:
            if is_pg:
                database.undo_postgresql(before)
            else:
                database.undo_sqlite()
        shutil.rmtree(work, ignore_errors=True)
    return checked
