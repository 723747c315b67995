"""Files encrypted at rest with the field key (DESIGN.md §3): import uploads, activity evidence.

A file is written to storage as AES-256-GCM ciphertext in chunks (1 MiB by default), each
sealed with the chunk's index and whether it is the last one, so a truncated, reordered or
altered file fails to decrypt instead of yielding part of its content. Format::

    MAGIC | key id (8 ascii) | { length (4) | nonce (12) | ciphertext+tag }*

The key is the first of FIELD_ENCRYPTION_KEYS; every listed key decrypts (key rotation).
Files stored before encryption (no MAGIC) are read as they are.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.files import File

from . import crypto

MAGIC = b"\x00XFENC1\x00"
KEY_ID_LENGTH = 8
CHUNK = 1024 * 1024
NONCE = 12


class FileDecryptionError(Exception):
    pass


def _aad(kid: bytes, index: int, final: bool) -> bytes:
    return kid + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def encrypt_stream(source, target, *, chunk: int = CHUNK) -> None:
    """Read ``source`` (a binary file) to its end and write it encrypted to ``target``."""
    kid, aead = crypto.keyring()[0]
    kid_bytes = kid.encode()
    target.write(MAGIC + kid_bytes)
    index, block = 0, source.read(chunk)
    while True:
        following = source.read(chunk)
        final = not following
        nonce = os.urandom(NONCE)
        sealed = aead.encrypt(nonce, block, _aad(kid_bytes, index, final))
        target.write(len(sealed).to_bytes(4, "big") + nonce + sealed)
        if final:
            return
        index, block = index + 1, following


def _read_exactly(source, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise FileDecryptionError("encrypted file is truncated")
    return data


def stored_key_id(source) -> str | None:
    """The key id a stored file was encrypted with; None for a file stored before encryption."""
    head = source.read(len(MAGIC))
    if head != MAGIC:
        return None
    return _read_exactly(source, KEY_ID_LENGTH).decode("ascii", "replace")


def iter_decrypted(source, *, chunk: int = CHUNK) -> Iterator[bytes]:
    """The plain content of ``source`` (an encrypted or a plain stored file), block by block.

    Raises FileDecryptionError when a block does not authenticate; a consumer that streams
    blocks to a client has then sent only authenticated blocks (never a forged one)."""
    head = source.read(len(MAGIC))
    if head != MAGIC:  # stored before files were encrypted
        if head:
            yield head
        while block := source.read(chunk):
            yield block
        return
    kid_bytes = _read_exactly(source, KEY_ID_LENGTH)
    kid = kid_bytes.decode("ascii", "replace")
    aead = dict(crypto.keyring()).get(kid)
    if aead is None:
        raise FileDecryptionError(f"no key with id {kid} in FIELD_ENCRYPTION_KEY")
    index = 0
    length = source.read(4)
    if not length:
        raise FileDecryptionError("encrypted file is truncated")
    while length:
        if len(length) != 4:
            raise FileDecryptionError("encrypted file is truncated")
        nonce = _read_exactly(source, NONCE)
        sealed = _read_exactly(source, int.from_bytes(length, "big"))
        following = source.read(4)
        try:
            yield aead.decrypt(nonce, sealed, _aad(kid_bytes, index, final=not following))
        except InvalidTag as exc:
            raise FileDecryptionError("encrypted file was altered, truncated or reordered") from exc
        index, length = index + 1, following


def decrypt_stream(source, target) -> None:
    """Write the plain content of ``source`` to ``target``."""
    for block in iter_decrypted(source):
        target.write(block)


def decrypt_bytes(field_file) -> bytes:
    """The whole plain content of a stored file (small files only: photos, thumbnails)."""
    with field_file.open("rb") as source:
        return b"".join(iter_decrypted(source))


def store_encrypted(field_file, name: str, source, *, chunk: int = CHUNK) -> None:
    """Save ``source`` (a binary file, e.g. an UploadedFile) into ``field_file`` encrypted."""
    if hasattr(source, "seek"):
        source.seek(0)
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as sealed:
        encrypt_stream(source, sealed, chunk=chunk)
        sealed.seek(0)
        field_file.save(name, File(sealed), save=False)


@contextmanager
def plain_copy(field_file, original_name: str, *, prefix: str = "xf-") -> Iterator[Path]:
    """A temporary plain copy of a stored file (same suffix, so readers know the type),
    readable by the owner only and deleted when the block ends."""
    suffix = Path(original_name).suffix.lower()[:10]
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        with os.fdopen(fd, "wb") as target, field_file.open("rb") as source:
            decrypt_stream(source, target)
        yield Path(name)
    finally:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
