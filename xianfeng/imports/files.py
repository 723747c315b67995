"""Uploaded import files, encrypted at rest with the field key (DESIGN.md §3).

The chunked AES-256-GCM format and its reader and writer live in ``xianfeng.core.filecrypt``
(shared with activity evidence); this module keeps its public names. A truncated, reordered or
altered upload fails to decrypt instead of importing part of the rows. The key is the first of
FIELD_ENCRYPTION_KEYS; every listed key decrypts (key rotation: ``rotate_encryption_key``
re-encrypts stored uploads and error workbooks with ``rotate_files``). The readers take a path,
so the engine gets a plain temporary copy that is deleted as soon as it is done. Files stored
before encryption (no MAGIC) are read as they are until rotation encrypts them.
"""

import logging
from pathlib import Path

from django.db import transaction

from xianfeng.core import crypto, filecrypt
from xianfeng.core.filecrypt import (  # noqa: F401  (the public names of this module)
    KEY_ID_LENGTH,
    MAGIC,
    NONCE,
    FileDecryptionError,
    decrypt_stream,
    stored_key_id,
)

from .models import ImportJob

logger = logging.getLogger(__name__)

CHUNK = filecrypt.CHUNK


def encrypt_stream(source, target) -> None:
    """Read ``source`` (a binary file) to its end and write it encrypted to ``target``."""
    filecrypt.encrypt_stream(source, target, chunk=CHUNK)


def store_encrypted(field_file, name: str, source) -> None:
    """Save ``source`` (a binary file, e.g. an UploadedFile) into ``field_file`` encrypted."""
    filecrypt.store_encrypted(field_file, name, source, chunk=CHUNK)


def plain_copy(field_file, original_name: str):
    """A temporary plain copy of a stored upload (same suffix, so readers know the type),
    readable by the owner only and deleted when the block ends (a context manager)."""
    return filecrypt.plain_copy(field_file, original_name, prefix="xf-import-")


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
