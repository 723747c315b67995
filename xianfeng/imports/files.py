"""Uploaded import files, encrypted at rest with the field key (DESIGN.md §3).

An upload is written to storage as AES-256-GCM ciphertext in 1 MiB chunks, each sealed with
the chunk's index and whether it is the last one, so a truncated, reordered or altered file
fails to decrypt instead of importing part of the rows. Format::

    MAGIC | key id (8 ascii) | { length (4) | nonce (12) | ciphertext+tag }*

The key is the first of FIELD_ENCRYPTION_KEYS; every listed key decrypts (key rotation:
``rotate_encryption_key`` re-encrypts stored uploads and error workbooks with ``rotate_files``). The readers take
a path, so the engine gets a plain temporary copy that is deleted as soon as it is done.
Files stored before encryption (no MAGIC) are read as they are until rotation encrypts them.
"""

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.files import File
from django.db import transaction

from xianfeng.core import crypto

from .models import ImportJob

logger = logging.getLogger(__name__)

MAGIC = b"\x00XFENC1\x00"
KEY_ID_LENGTH = 8
CHUNK = 1024 * 1024
NONCE = 12


class FileDecryptionError(Exception):
    pass


def _aad(kid: bytes, index: int, final: bool) -> bytes:
    return kid + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def encrypt_stream(source, target) -> None:
    """Read ``source`` (a binary file) to its end and write it encrypted to ``target``."""
    kid, aead = crypto.keyring()[0]
    kid_bytes = kid.encode()
    target.write(MAGIC + kid_bytes)
    index, chunk = 0, source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        final = not following
        nonce = os.urandom(NONCE)
        sealed = aead.encrypt(nonce, chunk, _aad(kid_bytes, index, final))
        target.write(len(sealed).to_bytes(4, "big") + nonce + sealed)
        if final:
            return
        index, chunk = index + 1, following


def _read_exactly(source, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise FileDecryptionError("encrypted upload is truncated")
    return data


def stored_key_id(source) -> str | None:
    """The key id a stored file was encrypted with; None for a file stored before encryption."""
    head = source.read(len(MAGIC))
    if head != MAGIC:
        return None
    return _read_exactly(source, KEY_ID_LENGTH).decode("ascii", "replace")


def decrypt_stream(source, target) -> None:
    head = source.read(len(MAGIC))
    if head != MAGIC:  # stored before uploads were encrypted
        target.write(head)
        while block := source.read(CHUNK):
            target.write(block)
        return
    kid_bytes = _read_exactly(source, KEY_ID_LENGTH)
    kid = kid_bytes.decode("ascii", "replace")
    aead = dict(crypto.keyring()).get(kid)
    if aead is None:
        raise FileDecryptionError(f"no key with id {kid} in FIELD_ENCRYPTION_KEY")
    index = 0
    length = source.read(4)
    if not length:
        raise FileDecryptionError("encrypted upload is truncated")
    while length:
        if len(length) != 4:
            raise FileDecryptionError("encrypted upload is truncated")
        nonce = _read_exactly(source, NONCE)
        sealed = _read_exactly(source, int.from_bytes(length, "big"))
        following = source.read(4)
        try:
            target.write(aead.decrypt(nonce, sealed, _aad(kid_bytes, index, final=not following)))
        except InvalidTag as exc:
            raise FileDecryptionError("encrypted upload was altered, truncated or reordered") from exc
        index, length = index + 1, following


def store_encrypted(field_file, name: str, source) -> None:
    """Save ``source`` (a binary file, e.g. an UploadedFile) into ``field_file`` encrypted."""
    if hasattr(source, "seek"):
        source.seek(0)
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as sealed:
        encrypt_stream(source, sealed)
        sealed.seek(0)
        field_file.save(name, File(sealed), save=False)


@contextmanager
def plain_copy(field_file, original_name: str) -> Iterator[Path]:
    """A temporary plain copy of a stored upload (same suffix, so readers know the type),
    readable by the owner only and deleted when the block ends."""
    suffix = Path(original_name).suffix.lower()[:10]
    fd, name = tempfile.mkstemp(prefix="xf-import-", suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        with os.fdopen(fd, "wb") as target, field_file.open("rb") as source:
            decrypt_stream(source, target)
        yield Path(name)
    finally:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass


STORED_FIELDS = ("file", "error_file")  # the upload and the error workbook built from it


def _key_of(field_file) -> str | None:
    with field_file.open("rb") as source:
        return stored_key_id(source)


def _reencrypt(job: ImportJob, field: str) -> None:
    field_file = getattr(job, field)
    old_name = field_file.name
    with plain_copy(field_file, job.original_name) as path, path.open("rb") as plain:
        with transaction.atomic():
            store_encrypted(field_file, Path(old_name).name, plain)
            ImportJob.objects.filter(pk=job.pk).update(**{field: field_file.name})
    if field_file.name != old_name:
        field_file.storage.delete(old_name)


def _rotate_job(job: ImportJob, current: str, known: set, dry_run: bool) -> tuple[bool, bool]:
    """(re-encrypted or to re-encrypt, unreadable) for a job's stored files."""
    rotated = False
    for field in STORED_FIELDS:
        field_file = getattr(job, field)
        if not field_file.name:
            continue
        try:
            kid = _key_of(field_file)
        except (OSError, FileDecryptionError):
            logger.warning("import job %s: stored %s missing or unreadable", job.pk, field)
            return rotated, True
        if kid == current:
            continue
        if kid is not None and kid not in known:
            return rotated, True
        if not dry_run:
            try:
                _reencrypt(job, field)
            except (OSError, FileDecryptionError):
                logger.warning("import job %s: stored %s could not be re-encrypted", job.pk, field)
                return rotated, True
        rotated = True
    return rotated, False


def rotate_files(*, dry_run: bool = False) -> tuple[str, int, int, int]:
    """Re-encrypt every job's stored files (the upload and its error workbook) not written
    with the current key (also those stored before encryption). Registered with
    ``rotate_encryption_key``; returns (label, jobs scanned, jobs re-encrypted or to
    re-encrypt, jobs with an unreadable file)."""
    current = crypto.keyring()[0][0]
    known = {kid for kid, _aead in crypto.keyring()}
    scanned = rotated = failed = 0
    jobs = (
        ImportJob.objects.exclude(file="")
        .filter(file_deleted_at__isnull=True)
        .only("pk", "file", "error_file", "original_name")
    )
    for job in jobs.order_by("pk").iterator():
        scanned += 1
        job_rotated, job_failed = _rotate_job(job, current, known, dry_run)
        rotated += job_rotated
        failed += job_failed
    return f"{ImportJob._meta.label}.file", scanned, rotated, failed
