"""The backup archive format (``xianfeng-backup-YYYYmmdd-HHMMSS.xfbak``) and the status page's list.

An archive is a plain (uncompressed) tar with exactly two members, in this order:

``manifest.json``
    Plain JSON, no personal data, padded with spaces to MANIFEST_RESERVED bytes (it is written
    first as a placeholder and completed once the payload is sealed, so a 10 GB payload is
    streamed once and never copied). Fields: ``format`` ("xianfeng-backup"), ``format_version``,
    ``created_at`` (ISO, aware), ``database`` (vendor, server_version, dump_tool, dump_file),
    ``migrations`` (app -> applied names), ``row_counts`` (table -> rows, counted in the very
    snapshot that was dumped), ``row_total``, ``media`` (files, bytes), ``keys`` (``field_key_id``:
    the id filecrypt writes, never the key; ``blind_index_check``: HMAC(BLIND_INDEX_KEY, fixed
    label) truncated), ``payload`` (size, sha256 of the member's bytes, cipher).

``payload``
    An inner tar encrypted exactly like uploads (core/filecrypt.py: chunked AES-256-GCM under the
    first FIELD_ENCRYPTION_KEY, each chunk sealed with its index and a last-chunk flag, so a
    truncated or altered payload fails to decrypt). The inner tar holds ``manifest.json`` (the
    manifest without ``payload``: restore compares it with the plain one, so an edited manifest
    is noticed), the database (``database.pgdump``: pg_dump --format=custom, or
    ``database.sqlite3``: a copy made with SQLite's online backup API) and ``media/…`` (every file
    under MEDIA_ROOT as stored, i.e. still encrypted).

The outer tar uses GNU headers (one 512-byte block whatever the payload size), so standard
``tar tvf`` lists it. Neither key is ever written into the archive.
"""

import contextlib
import hashlib
import hmac
import json
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from xianfeng.core import crypto, filecrypt

FORMAT = "xianfeng-backup"
FORMAT_VERSION = 1
SUFFIX = ".xfbak"
NAME_PREFIX = "xianfeng-backup-"
MANIFEST_NAME = "manifest.json"
PAYLOAD_NAME = "payload"
MANIFEST_RESERVED = 256 * 1024
BLOCK = 512
CIPHER = "filecrypt-v1 (AES-256-GCM, 1 MiB chunks)"
BLIND_CHECK_LABEL = "xianfeng-backup key check v1"
READ_SIZE = 1024 * 1024


class ArchiveError(Exception):
    """A refusal: the message says what is wrong and what to do."""


def backup_dir() -> Path:
    return Path(getattr(settings, "BACKUP_DIR", Path(settings.VAR_DIR) / "backups"))


def field_key_ids() -> list[str]:
    return [kid for kid, _aead in crypto.keyring()]


def blind_index_check() -> str:
    """A fingerprint of BLIND_INDEX_KEY (it keys the exact-ID search and the audit chain)."""
    digest = hmac.new(settings.BLIND_INDEX_KEY.encode(), BLIND_CHECK_LABEL.encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


# --- writing ---------------------------------------------------------------------------------


class _CountingHasher:
    """Writes through to ``target`` while counting and hashing the bytes."""

    def __init__(self, target):
        self.target, self.size, self.sha256 = target, 0, hashlib.sha256()

    def write(self, data) -> int:
        self.target.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


class SealingWriter:
    """A write-only file producing exactly filecrypt's format (MAGIC | key id | chunks) from a
    stream of unknown length: a chunk is sealed only once it is known whether more follows."""

    def __init__(self, target, *, chunk: int = filecrypt.CHUNK):
        kid, self._aead = crypto.keyring()[0]
        self._kid, self._target, self._chunk = kid.encode(), target, chunk
        self._buffer, self._index, self.key_id = bytearray(), 0, kid
        target.write(filecrypt.MAGIC + self._kid)

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > self._chunk:  # strictly more: the last chunk is sealed by close()
            self._seal(bytes(self._buffer[: self._chunk]), final=False)
            del self._buffer[: self._chunk]
        return len(data)

    def close(self) -> None:
        self._seal(bytes(self._buffer), final=True)
        self._buffer = bytearray()

    def _seal(self, block: bytes, *, final: bool) -> None:
        nonce = os.urandom(filecrypt.NONCE)
        sealed = self._aead.encrypt(nonce, block, filecrypt._aad(self._kid, self._index, final))
        self._target.write(len(sealed).to_bytes(4, "big") + nonce + sealed)
        self._index += 1


def _header(name: str, size: int, mtime: float) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, int(mtime), 0o600, tarfile.REGTYPE
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _manifest_bytes(manifest: dict) -> bytes:
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    if len(data) >= MANIFEST_RESERVED:
        raise ArchiveError(f"the manifest is {len(data)} bytes, more than the {MANIFEST_RESERVED} reserved")
    return data + b" " * (MANIFEST_RESERVED - len(data) - 1) + b"\n"


def write_archive(target: Path, manifest: dict, fill: Callable[[tarfile.TarFile], None]) -> dict:
    """Write the archive to ``target`` (which must not exist) and return the completed manifest.

    ``fill(inner)`` adds the database and media to the inner tar (after its manifest.json). The
    file is fsynced before this returns; the caller renames it into place."""
    now = timezone.now().timestamp()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(b"\0" * (BLOCK + MANIFEST_RESERVED + BLOCK))  # manifest and payload headers come last
        counter = _CountingHasher(out)
        sealer = SealingWriter(counter)
        with tarfile.open(fileobj=sealer, mode="w|", format=tarfile.PAX_FORMAT) as inner:
            inner_manifest = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime, info.mode = len(inner_manifest), int(now), 0o600
            inner.addfile(info, _BytesReader(inner_manifest))
            fill(inner)
        sealer.close()
        out.write(b"\0" * (-counter.size % BLOCK) + b"\0" * (2 * BLOCK))  # pad, then end-of-archive
        manifest = manifest | {
            "payload": {"size": counter.size, "sha256": counter.sha256.hexdigest(), "cipher": CIPHER}
        }
        out.seek(0)
        out.write(_header(MANIFEST_NAME, MANIFEST_RESERVED, now) + _manifest_bytes(manifest))
        out.write(_header(PAYLOAD_NAME, counter.size, now))
        out.flush()
        os.fsync(out.fileno())
    return manifest


class _BytesReader:
    def __init__(self, data: bytes):
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk, self._pos = self._data[self._pos : end], min(end, len(self._data))
        return chunk


# --- reading ---------------------------------------------------------------------------------

NOT_AN_ARCHIVE = "{name} is not a Xianfeng backup archive ({why}). Give a file written by `manage.py backup`."


@dataclass
class OpenedArchive:
    path: Path
    manifest: dict
    payload_offset: int
    payload_size: int


def read_manifest(path: Path) -> OpenedArchive:
    """The manifest and where the payload lies; ArchiveError when the file is not an archive of
    a known format or is visibly truncated. Reads a few kilobytes only."""
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"{path}: no such file")
    try:
        with tarfile.open(path, "r:") as outer:
            first = outer.next()
            if first is None or first.name != MANIFEST_NAME or not first.isfile():
                raise ArchiveError(NOT_AN_ARCHIVE.format(name=path.name, why="its first member is not manifest.json"))
            raw = outer.extractfile(first).read()
            if len(raw) != first.size:
                raise ArchiveError(f"{path.name} is truncated (it ends inside the manifest)")
            payload = outer.next()
    except tarfile.TarError as exc:
        raise ArchiveError(NOT_AN_ARCHIVE.format(name=path.name, why=f"not a readable tar: {exc}")) from None
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise ArchiveError(NOT_AN_ARCHIVE.format(name=path.name, why="its manifest is not JSON")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(NOT_AN_ARCHIVE.format(name=path.name, why="its manifest names another format"))
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ArchiveError(
            f"{path.name} has archive format version {version!r}; this code reads version {FORMAT_VERSION}. "
            "Restore it with the Xianfeng version that wrote it (or a newer one)."
        )
    if payload is None or payload.name != PAYLOAD_NAME:
        raise ArchiveError(f"{path.name} is truncated or damaged: it has no payload after the manifest")
    expected = (manifest.get("payload") or {}).get("size")
    if payload.size != expected:
        raise ArchiveError(f"{path.name} is damaged: its payload is {payload.size} bytes, the manifest says {expected}")
    actual, complete = path.stat().st_size, archive_length(payload.offset_data, payload.size)
    if actual < complete:
        raise ArchiveError(
            f"{path.name} is truncated: {actual} bytes on disk, {complete} expected. "
            "Copy the archive again from where it was stored, or use another archive."
        )
    if actual > complete:
        raise ArchiveError(f"{path.name} is damaged: {actual - complete} unexpected bytes after its end")
    return OpenedArchive(path, manifest, payload.offset_data, payload.size)


def archive_length(payload_offset: int, payload_size: int) -> int:
    """The exact length write_archive produces: payload padded to a block, two zero blocks."""
    return payload_offset + payload_size + (-payload_size % BLOCK) + 2 * BLOCK


def _payload_blocks(opened: OpenedArchive) -> Iterator[bytes]:
    with open(opened.path, "rb") as source:
        source.seek(opened.payload_offset)
        left = opened.payload_size
        while left:
            block = source.read(min(READ_SIZE, left))
            if not block:
                raise ArchiveError(f"{opened.path.name} is truncated inside its payload")
            left -= len(block)
            yield block


def verify_checksum(opened: OpenedArchive) -> None:
    digest = hashlib.sha256()
    for block in _payload_blocks(opened):
        digest.update(block)
    if digest.hexdigest() != opened.manifest["payload"].get("sha256"):
        raise ArchiveError(
            f"{opened.path.name} was altered or damaged: its payload's sha256 differs from the manifest. "
            "Use another copy of this archive or another archive."
        )


class _BlockReader:
    """A read()-able view of an iterator of byte blocks (tarfile's stream mode reads from it in
    10 KiB pieces: slices are taken at an offset, never by re-copying the rest of a block)."""

    def __init__(self, blocks: Iterator[bytes]):
        self._blocks, self._block, self._pos = blocks, b"", 0

    def read(self, size: int = -1) -> bytes:
        parts, wanted = [], size
        while wanted != 0:
            if self._pos >= len(self._block):
                self._block, self._pos = next(self._blocks, None), 0
                if self._block is None:
                    self._block = b""
                    break
            end = len(self._block) if wanted < 0 else self._pos + wanted
            part = self._block[self._pos : end]
            self._pos += len(part)
            parts.append(part)
            if wanted > 0:
                wanted -= len(part)
        return b"".join(parts)


def payload_key_id(opened: OpenedArchive) -> str:
    """The id of the field key that sealed the payload (read from its header, like filecrypt)."""
    with open(opened.path, "rb") as source:
        source.seek(opened.payload_offset)
        head = source.read(len(filecrypt.MAGIC) + filecrypt.KEY_ID_LENGTH)
    if not head.startswith(filecrypt.MAGIC) or len(head) != len(filecrypt.MAGIC) + filecrypt.KEY_ID_LENGTH:
        raise ArchiveError(
            f"{opened.path.name} is damaged: its payload is not sealed the way `manage.py backup` seals it"
        )
    return head[len(filecrypt.MAGIC) :].decode("ascii", "replace")


def decrypted_members(opened: OpenedArchive) -> Iterator[tuple[tarfile.TarInfo, object]]:
    """(member, file object) for each member of the decrypted inner tar, in order; the file
    object is valid until the next member. Raises ArchiveError when decryption fails."""
    blocks = filecrypt.iter_decrypted(_BlockReader(_payload_blocks(opened)))
    with payload_errors(opened.path.name):
        with tarfile.open(fileobj=_BlockReader(blocks), mode="r|") as inner:
            for member in inner:
                yield member, (inner.extractfile(member) if member.isfile() else None)


@contextlib.contextmanager
def payload_errors(archive_name: str) -> Iterator[None]:
    """A payload that fails to decrypt or to read as tar, wherever it is read (listing the
    members, or a member's content while it is unpacked), as the operator's ArchiveError."""
    try:
        yield
    except filecrypt.FileDecryptionError as exc:
        raise ArchiveError(
            f"{archive_name}: the payload does not decrypt ({exc}). The archive was altered or "
            "truncated, or FIELD_ENCRYPTION_KEY is not the deployment's key."
        ) from None
    except tarfile.TarError as exc:
        raise ArchiveError(f"{archive_name}: the decrypted payload is not a valid tar ({exc})") from None


# --- the status page's list ------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveInfo:
    path: Path
    name: str
    created_at: datetime
    size_bytes: int
    vendor: str
    row_total: int
    problem: str = ""


def archive_info(path: Path) -> ArchiveInfo:
    stat = path.stat()
    try:
        manifest = read_manifest(path).manifest
        created = datetime.fromisoformat(manifest["created_at"])
        vendor = str(manifest["database"]["vendor"])
        rows = int(manifest["row_total"])
    except (ArchiveError, KeyError, TypeError, ValueError) as exc:
        modified = datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone())
        return ArchiveInfo(path, path.name, modified, stat.st_size, "", 0, str(exc) or exc.__class__.__name__)
    return ArchiveInfo(path, path.name, created, stat.st_size, vendor, rows)


def list_archives(directory: Path | None = None) -> list[ArchiveInfo]:
    """The archives in ``directory`` (default BACKUP_DIR), newest first, read from their
    manifests only (never decrypted). A missing directory has none."""
    directory = Path(directory) if directory is not None else backup_dir()
    if not directory.is_dir():
        return []
    infos = [archive_info(p) for p in directory.glob(f"*{SUFFIX}") if p.is_file()]
    return sorted(infos, key=lambda info: (info.created_at, info.name), reverse=True)
