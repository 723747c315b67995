"""Key rotation for activity photos and attachments (``manage.py rotate_encryption_key``).

Evidence files and their thumbnails are sealed with the field key (core/filecrypt.py) like import
uploads; after a new key is put first in FIELD_ENCRYPTION_KEY, this re-encrypts every stored file
not written with it, so the old key can be dropped without losing a photo.
"""

import io
import logging
from pathlib import Path

from django.db import transaction

from xianfeng.core import crypto
from xianfeng.core.filecrypt import FileDecryptionError, decrypt_bytes, store_encrypted, stored_key_id

from .models import ActivityFile

logger = logging.getLogger(__name__)
STORED_FIELDS = ("file", "thumbnail")


def _reencrypt(item: ActivityFile, field: str) -> None:
    field_file = getattr(item, field)
    old_name = field_file.name
    plain = decrypt_bytes(field_file)  # evidence is small (≤ 20 MB), unlike import uploads
    with transaction.atomic():
        store_encrypted(field_file, Path(old_name).name, io.BytesIO(plain))
        ActivityFile.objects.filter(pk=item.pk).update(**{field: field_file.name})
    if field_file.name != old_name:
        field_file.storage.delete(old_name)


def _rotate_item(item: ActivityFile, current: str, known: set, dry_run: bool) -> tuple[bool, bool]:
    """(re-encrypted or to re-encrypt, unreadable) for one file and its thumbnail."""
    rotated = False
    for field in STORED_FIELDS:
        field_file = getattr(item, field)
        if not field_file.name:
            continue
        try:
            with field_file.open("rb") as source:
                kid = stored_key_id(source)
        except (OSError, FileDecryptionError):
            logger.warning("activity file %s: stored %s missing or unreadable", item.pk, field)
            return rotated, True
        if kid == current:
            continue
        if kid is not None and kid not in known:
            return rotated, True
        if not dry_run:
            try:
                _reencrypt(item, field)
            except (OSError, FileDecryptionError):
                logger.warning("activity file %s: stored %s could not be re-encrypted", item.pk, field)
                return rotated, True
        rotated = True
    return rotated, False


def rotate_evidence(*, dry_run: bool = False) -> tuple[str, int, int, int]:
    """(label, files scanned, re-encrypted or to re-encrypt, unreadable)."""
    current = crypto.keyring()[0][0]
    known = {kid for kid, _aead in crypto.keyring()}
    scanned = rotated = failed = 0
    for item in ActivityFile.objects.only("pk", "file", "thumbnail").order_by("pk").iterator():
        scanned += 1
        item_rotated, item_failed = _rotate_item(item, current, known, dry_run)
        rotated += item_rotated
        failed += item_failed
    return f"{ActivityFile._meta.label}.file", scanned, rotated, failed
