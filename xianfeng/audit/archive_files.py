"""The audit archive file format: gzip-compressed JSON lines, one file per run of rows.

Line 1 is a header (format, chain, the chain version and the fields the row hashes cover); every
following line is one row with every column of the table (hash fields included), values spelled
as chain.normalize spells them. So the file alone, with the chain key, re-verifies: each row's
HMAC, each row's link to the previous one, and the seq run (``check_file``).

Writing goes to a temporary name, is fsynced and renamed, and the directory fsynced: a crash
leaves either no file or a complete one. The name depends only on the chain and the first seq,
so a file left by a run that crashed before its database transaction is replaced by the next run.
"""

import gzip
import hashlib
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import chain

FORMAT = "xianfeng-audit-archive-v1"
SUFFIX = ".jsonl.gz"


def file_name(label: str, first_seq: int) -> str:
    """``audit.ChangeLog`` from seq 1 → ``changelog-000000000001.jsonl.gz``."""
    return f"{label.rpartition('.')[2].lower()}-{first_seq:012d}{SUFFIX}"


def row_columns(model) -> list:
    return list(model._meta.concrete_fields)


@dataclass
class Written:
    path: Path
    rows: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    first_at: str | None = None
    last_at: str | None = None
    prev_hash: str = ""
    last_hash: str = ""
    size_bytes: int = 0
    sha256: str = ""


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(directory: Path, name: str, label: str, chain_fields: Iterable[str], rows: Iterable[dict]) -> Written:
    """Write ``rows`` (dicts of normalized column values, in seq order) to ``directory/name``."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = directory / name
    # The pid keeps two writers of the same name (a second archiver started by hand beside the
    # nightly task) from renaming each other's half-written file.
    partial = directory / f".{name}.{os.getpid()}.partial"
    written = Written(path=target)
    header = {
        "format": FORMAT,
        "chain": label,
        "chain_version": chain.CHAIN_VERSION,
        "chain_fields": list(chain_fields),
    }
    try:
        with open(partial, "wb") as raw:
            os.chmod(partial, 0o600)  # the rows name users and IPs: readable by the service account only
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as out:
                out.write(_line(header))
                for row in rows:
                    out.write(_line(row))
                    if written.first_seq is None:
                        written.first_seq, written.first_at, written.prev_hash = row["seq"], row["at"], row["prev_hash"]
                    written.rows += 1
                    written.last_seq, written.last_at, written.last_hash = row["seq"], row["at"], row["row_hash"]
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        _fsync_directory(directory)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    written.size_bytes, written.sha256 = target.stat().st_size, sha256_of(target)
    return written


def _line(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def read(path: Path) -> tuple[dict, Iterator[dict]]:
    """(header, rows) of an archive file; raises ValueError (or OSError) when it does not read."""
    stream = gzip.open(path, "rb")
    try:
        header = json.loads(stream.readline() or b"null")
    except (OSError, EOFError, json.JSONDecodeError) as exc:
        stream.close()
        raise ValueError(f"not an audit archive ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        stream.close()
        raise ValueError("not an audit archive (no header)")

    def rows() -> Iterator[dict]:
        with stream:
            for line in stream:
                yield json.loads(line)

    return header, rows()


@dataclass
class FileCheck:
    rows: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    first_prev_hash: str | None = None
    last_hash: str = ""
    problems: list[str] = field(default_factory=list)


def check_file(path: Path, *, label: str, max_problems: int = 20) -> FileCheck:
    """Walk the rows of one archive file: seq run, links and every row's HMAC."""
    result = FileCheck()
    try:
        header, rows = read(path)
        if header.get("chain") != label:
            result.problems.append(f"holds the chain {header.get('chain')!r}, not {label}")
            return result
        names = header["chain_fields"]
        previous_seq, previous_hash = None, None
        for row in rows:
            seq, prev_hash = row["seq"], row["prev_hash"]
            if result.first_seq is None:
                result.first_seq, result.first_prev_hash = seq, prev_hash
            elif seq != previous_seq + 1:
                result.problems.append(f"seq {previous_seq + 1}-{seq - 1} missing before seq {seq}")
            elif prev_hash != previous_hash:
                result.problems.append(f"broken link at seq {seq}")
            content = {"seq": seq} | {name: row[name] for name in names}
            if chain.row_hash(label, content, prev_hash) != row["row_hash"]:
                result.problems.append(f"row seq {seq} (id {row.get('id')}) does not match its hash")
            result.rows += 1
            result.last_seq, result.last_hash = seq, row["row_hash"]
            previous_seq, previous_hash = seq, row["row_hash"]
            if len(result.problems) >= max_problems:
                result.problems.append("… (stopped after too many problems)")
                break
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError) as exc:
        result.problems.append(f"unreadable ({type(exc).__name__}: {exc})")
    return result
