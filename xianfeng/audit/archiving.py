"""Archive the oldest audit rows to files and delete them from the tables (issue 15 §4).

Per chain: the contiguous run of rows from the lowest live seq whose ``at`` is older than the
cutoff (now − AUDIT_RETENTION_DAYS, never less than 183 days), in batches of at most
``batch_rows``. Each batch is written to a gzip JSON-lines file (archive_files.py), fsynced and
checksummed; then ONE transaction inserts its AuditArchive record (sealed with the chain key) and
deletes exactly the rows it covers. A crash between the file and the transaction leaves only a
file without a record, which the next run replaces (same name).

The deletion: on PostgreSQL through ``xianfeng_audit_archive_delete`` (migration 0007), the only
way the application role can delete a log row, whose trigger also refuses any row younger than
183 days or not covered by an archive record. SQLite has no roles or session variables: the same
checks are made here, in the application, before a plain DELETE.
"""

import datetime
import hashlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from . import archive_files, chain
from .models import AppendOnlyModel, AuditArchive
from .retention import FLOOR_DAYS, archive_directory, audit_retention_days
from .verify import CHAINED_MODELS

logger = logging.getLogger(__name__)

BATCH_ROWS = 200_000


class ArchiveRefused(Exception):
    """The rows cannot be archived as they stand (a broken chain, a row inside the window)."""


@dataclass
class ChainOutcome:
    label: str
    archives: list[AuditArchive] = field(default_factory=list)
    problem: str = ""

    @property
    def rows(self) -> int:
        return sum(a.rows for a in self.archives)


def _start(model: type[AppendOnlyModel], label: str, using: str) -> tuple[int, str]:
    """(the seq the next archive must start at, the hash its first row links to)."""
    newest = AuditArchive.objects.using(using).filter(chain=label).order_by("-last_seq").first()
    if newest is None:
        return 1, ""
    if not newest.sealed:
        raise ArchiveRefused(f"the newest archive record ({newest.file_name}) does not match its MAC")
    return newest.last_seq + 1, newest.last_hash


def _planned_last_seq(model, start: int, cutoff: datetime.datetime, batch_rows: int, using: str) -> int | None:
    """The last seq of the next batch: before the first row that is not old enough, at most
    ``batch_rows`` rows; None when the oldest live row is inside the window."""
    rows = model.objects.using(using).filter(seq__isnull=False)
    oldest = rows.order_by("seq").values_list("seq", "at").first()
    if oldest is None or oldest[1] >= cutoff:
        return None
    if oldest[0] != start:
        raise ArchiveRefused(
            f"the oldest live row is seq {oldest[0]}, the archives end at seq {start - 1}: "
            "the chain is broken here (run verify_audit)"
        )
    young = rows.filter(seq__gte=start, at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    last = start + batch_rows - 1
    if young is not None:
        last = min(last, young - 1)
    newest = rows.order_by("-seq").values_list("seq", flat=True).first()
    return min(last, newest)


def _row_values(model) -> tuple[list[str], list]:
    columns = archive_files.row_columns(model)
    names = [f.attname for f in columns]
    return names, [chain.normalizer(f) for f in columns]


def _rows(model, first: int, last: int, using: str):
    """The rows first…last as dicts of normalized values, checking that they run without a gap."""
    names, normalizers = _row_values(model)
    expected = first
    queryset = model.objects.using(using).filter(seq__gte=first, seq__lte=last).order_by("seq")
    for values in queryset.values_list(*names).iterator(chunk_size=5000):
        row = {name: normalize(value) for name, normalize, value in zip(names, normalizers, values, strict=True)}
        if row["seq"] != expected:
            raise ArchiveRefused(f"seq {expected} is missing: the chain is broken here (run verify_audit)")
        expected += 1
        yield row
    if expected != last + 1:
        raise ArchiveRefused(f"seq {expected} is missing: the chain is broken here (run verify_audit)")


def _delete_archived(model, archive: AuditArchive, using: str, now: datetime.datetime) -> int:
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT xianfeng_audit_archive_delete(%s)", [archive.pk])
            return cursor.fetchone()[0]
        # SQLite: the checks the PostgreSQL trigger and function make, made here; the floor from
        # the clock, not from the caller's ``now``, like the trigger's now().
        floor = timezone.now() - datetime.timedelta(days=FLOOR_DAYS)
        rows = model.objects.using(using).filter(seq__gte=archive.first_seq, seq__lte=archive.last_seq)
        if rows.filter(at__gte=floor).exists():
            raise ArchiveRefused(
                f"a row of seq {archive.first_seq}-{archive.last_seq} is younger than {FLOOR_DAYS} days"
            )
        last_hash = rows.filter(seq=archive.last_seq).values_list("row_hash", flat=True).first()
        if last_hash != archive.last_hash:
            raise ArchiveRefused(f"the archive does not end at the row it names (seq {archive.last_seq})")
        cursor.execute(
            f"DELETE FROM {table} WHERE seq BETWEEN %s AND %s",
            [archive.first_seq, archive.last_seq],
        )
        return cursor.rowcount


def _archive_batch(model, label: str, start: int, prev_hash: str, last: int, directory: Path, now, using: str):
    name = archive_files.file_name(label, start)
    if AuditArchive.objects.using(using).filter(file_name=name).exists():
        raise ArchiveRefused(f"{name} is already the file of an archive record")
    hashed = ["seq", *(model._meta.get_field(name).attname for name in model.chain_fields)]
    written = archive_files.write(directory, name, label, hashed, _rows(model, start, last, using))
    if written.prev_hash != prev_hash:
        raise ArchiveRefused(f"seq {start} does not link to the newest archive: the chain is broken here")
    archive = AuditArchive(
        chain=label,
        first_seq=written.first_seq,
        last_seq=written.last_seq,
        first_at=datetime.datetime.fromisoformat(written.first_at),
        last_at=datetime.datetime.fromisoformat(written.last_at),
        rows=written.rows,
        prev_hash=written.prev_hash,
        last_hash=written.last_hash,
        file_name=name,
        size_bytes=written.size_bytes,
        sha256=written.sha256,
        created_at=now,
    )
    archive.seal()
    try:
        with transaction.atomic(using=using):
            archive.save(using=using, force_insert=True)
            deleted = _delete_archived(model, archive, using, now)
            if deleted != archive.rows:
                raise ArchiveRefused(f"{archive.rows} rows archived but {deleted} deleted")
    except DatabaseError as exc:  # the trigger or the archive function said no (PostgreSQL)
        raise ArchiveRefused(f"the database refused to delete the archived rows: {exc}".strip()) from exc
    return archive


@contextmanager
def _exclusive(label: str, using: str):
    """One archiving run per chain at a time (two would write the same file name): a PostgreSQL
    session advisory lock. SQLite serializes writers anyway and runs one process in practice."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    key = int.from_bytes(hashlib.sha256(f"xianfeng-audit-archive|{label}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            raise ArchiveRefused("another archiving run is working on this chain")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def archive_chain(
    model: type[AppendOnlyModel],
    *,
    now: datetime.datetime | None = None,
    batch_rows: int = BATCH_ROWS,
    directory: Path | None = None,
    using: str = "default",
) -> ChainOutcome:
    """Archive every batch of ``model``'s rows older than the retention window."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=audit_retention_days())  # refuses a window below 183 days
    directory = directory or archive_directory()
    label = model._meta.label
    outcome = ChainOutcome(label)
    try:
        with _exclusive(label, using):
            _archive_batches(model, label, outcome, cutoff, batch_rows, directory, now, using)
    except ArchiveRefused as exc:
        outcome.problem = str(exc)
        logger.error("audit archive of %s refused: %s", label, exc)
    return outcome


def _archive_batches(model, label, outcome, cutoff, batch_rows, directory, now, using) -> None:
    start, prev_hash = _start(model, label, using)
    while (last := _planned_last_seq(model, start, cutoff, batch_rows, using)) is not None:
        archive = _archive_batch(model, label, start, prev_hash, last, directory, now, using)
        outcome.archives.append(archive)
        logger.info("audit archive %s: %s rows (seq %s-%s)", archive.file_name, archive.rows, start, last)
        start, prev_hash = archive.last_seq + 1, archive.last_hash


def archive_all(**kwargs) -> list[ChainOutcome]:
    return [archive_chain(model, **kwargs) for model in CHAINED_MODELS]
