"""Walk the audit hash chains (chain.py) and name every row that breaks them.

One pass per table in ``seq`` order (the unique index), reading only the hashed columns:
- a gap in ``seq`` (also before the first row, or after the last row against the chain
  head) is a deleted row;
- a row whose stored hash is not the HMAC of its content is an altered row;
- a row whose ``prev_hash`` is not the previous row's hash is a broken link;
- ids that do not increase with ``seq`` are reordered rows;
- a row with no ``seq`` was inserted around the application (raw SQL).
"""

from dataclasses import dataclass, field

from . import chain
from .models import AccessLog, AppendOnlyModel, ChainHead, ChangeLog, LoginLog

CHAINED_MODELS: tuple[type[AppendOnlyModel], ...] = (ChangeLog, AccessLog, LoginLog)


@dataclass
class ChainReport:
    label: str
    rows: int = 0
    problems: list[str] = field(default_factory=list)

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


def verify_chain(model: type[AppendOnlyModel], *, using: str = "default", max_problems: int = 100) -> ChainReport:
    label = model._meta.label
    report = ChainReport(label)
    fields = [model._meta.get_field(name) for name in model.chain_fields]
    names = [f.attname for f in fields]
    normalizers = [chain.normalizer(f) for f in fields]
    columns = ["id", "seq", "prev_hash", "row_hash", *names]
    rows = model.objects.using(using).filter(seq__isnull=False).order_by("seq").values_list(*columns)
    last_seq, last_hash, last_id = 0, "", None
    for row_id, seq, prev_hash, row_hash, *values in rows.iterator(chunk_size=5000):
        report.rows += 1
        if seq > last_seq + 1:
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


def verify_all(*, using: str = "default") -> list[ChainReport]:
    return [verify_chain(model, using=using) for model in CHAINED_MODELS]
