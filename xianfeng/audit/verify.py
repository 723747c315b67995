"""Walk the audit hash chains (chain.py) and name every row that breaks them.

One pass per table in ``seq`` order (the unique index), reading only the hashed columns:
- a gap in ``seq`` (also before the first row, or after the last row against the chain
  head) is a deleted row;
- a row whose stored hash is not the HMAC of its content is an altered row;
- a row whose ``prev_hash`` is not the previous row's hash is a broken link;
- ids that do not increase with ``seq`` are reordered rows;
- a row with no ``seq`` was inserted around the application (raw SQL).

Rows archived to files (archiving.py) are no longer in the table: the walk starts from the
newest archive record's (last_seq, last_hash) instead of (0, ""), after checking every record's
MAC and that the records follow one another. ``archives=True`` also re-reads every archive file
(its sha256 and the chain inside it) and names a missing or altered one.
"""

from dataclasses import dataclass, field
from pathlib import Path

from . import archive_files, chain
from .models import AccessLog, AppendOnlyModel, AuditArchive, ChainHead, ChangeLog, LoginLog

CHAINED_MODELS: tuple[type[AppendOnlyModel], ...] = (ChangeLog, AccessLog, LoginLog)


@dataclass
class ChainReport:
    label: str
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    archives: int = 0
    archived_rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _gap(report: ChainReport, first: int, last: int, after_id, before_id) -> None:
    where = []
    if after_id is not None:
        where.append(f"after id {after_id}")
    if before_id is not None:
        where.append(f"before id {before_id}")
    seqs = f"seq {first}" if first == last else f"seq {first}-{last}"
    report.problems.append(f"deleted: {last - first + 1} row(s) missing ({seqs}) {' and '.join(where)}".rstrip())


def _archived_start(report: ChainReport, using: str, directory: Path | None) -> tuple[int, str]:
    """Check the chain's archive records (and their files when ``directory`` is given); return
    the (seq, hash) the live rows continue from."""
    last_seq, last_hash = 0, ""
    for archive in AuditArchive.objects.using(using).filter(chain=report.label).order_by("first_seq"):
        name = f"archive {archive.file_name} (seq {archive.first_seq}-{archive.last_seq})"
        report.archives += 1
        report.archived_rows += archive.rows
        if not archive.sealed:
            report.problems.append(f"{name}: archive record altered (its MAC does not match)")
        if archive.first_seq != last_seq + 1:
            report.problems.append(f"{name}: does not follow the previous archive (expected seq {last_seq + 1})")
        elif archive.prev_hash != last_hash:
            report.problems.append(f"{name}: does not link to the previous archive")
        if directory is not None:
            _check_archive_file(report, archive, directory / archive.file_name, name)
        last_seq, last_hash = archive.last_seq, archive.last_hash
    return last_seq, last_hash


def _check_archive_file(report: ChainReport, archive: AuditArchive, path: Path, name: str) -> None:
    if not path.is_file():
        report.problems.append(f"{name}: archive file missing ({path})")
        return
    if archive_files.sha256_of(path) != archive.sha256:
        report.problems.append(f"{name}: archive file altered (sha256 does not match its record)")
    checked = archive_files.check_file(path, label=report.label)
    report.problems.extend(f"{name}: {problem}" for problem in checked.problems)
    if checked.problems:
        return
    if (checked.first_seq, checked.last_seq, checked.rows) != (archive.first_seq, archive.last_seq, archive.rows):
        report.problems.append(
            f"{name}: the file holds seq {checked.first_seq}-{checked.last_seq} ({checked.rows} rows), "
            f"not what its record says"
        )
    elif checked.first_prev_hash != archive.prev_hash or checked.last_hash != archive.last_hash:
        report.problems.append(f"{name}: the file's first or last hash is not its record's")


def unrecorded_files(directory: Path, *, using: str = "default") -> list[str]:
    """Archive files without a record: left by a run that stopped before its transaction
    (harmless, the next run replaces them) or put there by hand."""
    if not directory.is_dir():
        return []
    recorded = set(AuditArchive.objects.using(using).values_list("file_name", flat=True))
    return sorted(p.name for p in directory.glob(f"*{archive_files.SUFFIX}") if p.name not in recorded)


def verify_chain(
    model: type[AppendOnlyModel],
    *,
    using: str = "default",
    max_problems: int = 100,
    archive_directory: Path | None = None,
) -> ChainReport:
    """Walk ``model``'s chain; with ``archive_directory``, also re-read its archive files."""
    label = model._meta.label
    report = ChainReport(label)
    fields = [model._meta.get_field(name) for name in model.chain_fields]
    names = [f.attname for f in fields]
    normalizers = [chain.normalizer(f) for f in fields]
    columns = ["id", "seq", "prev_hash", "row_hash", *names]
    rows = model.objects.using(using).filter(seq__isnull=False).order_by("seq").values_list(*columns)
    last_seq, last_hash = _archived_start(report, using, archive_directory)
    last_id = None
    for row_id, seq, prev_hash, row_hash, *values in rows.iterator(chunk_size=5000):
        report.rows += 1
        if seq <= last_seq and last_id is None:
            report.problems.append(f"archived but still present: id {row_id} (seq {seq})")
        elif seq > last_seq + 1:
            _gap(report, last_seq + 1, seq - 1, last_id, row_id)
        elif prev_hash != last_hash:
            report.problems.append(f"broken link: id {row_id} (seq {seq}) does not follow id {last_id}")
        if last_id is not None and row_id < last_id:
            report.problems.append(f"reordered: id {row_id} (seq {seq}) comes after id {last_id} (seq {last_seq})")
        content = {"seq": seq}
        for name, normalize, value in zip(names, normalizers, values, strict=True):
            content[name] = normalize(value)
        if chain.row_hash(label, content, prev_hash) != row_hash:
            report.problems.append(f"altered: id {row_id} (seq {seq}) does not match its hash")
        last_seq, last_hash, last_id = seq, row_hash, row_id
        if len(report.problems) >= max_problems:
            report.problems.append("… (stopped after too many problems)")
            return report
    unsealed = list(model.objects.using(using).filter(seq__isnull=True).order_by("id").values_list("id", flat=True))
    report.rows += len(unsealed)
    if unsealed:
        shown = ", ".join(map(str, unsealed[:20])) + (" …" if len(unsealed) > 20 else "")
        report.problems.append(f"unchained: {len(unsealed)} row(s) written around the application: id {shown}")
    head = ChainHead.objects.using(using).filter(pk=label).first()
    if head is None:
        if last_seq:
            report.problems.append("chain head missing")
        return report
    if head.mac != chain.head_mac(label, head.seq, head.last_hash):
        report.problems.append("chain head altered")
    elif head.seq > last_seq:
        _gap(report, last_seq + 1, head.seq, last_id, None)
    elif head.seq < last_seq or head.last_hash != last_hash:
        report.problems.append(f"chain head does not match the last row (id {last_id}, seq {last_seq})")
    return report


def verify_all(*, using: str = "default", archive_directory: Path | None = None) -> list[ChainReport]:
    return [verify_chain(model, using=using, archive_directory=archive_directory) for model in CHAINED_MODELS]
