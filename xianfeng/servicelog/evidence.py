"""Evidence of an activity: photos and attachments, checked by their content (not their name).

Plain functions, no database: ``check_upload`` reads an upload and returns what to store, or
raises ValidationError({"file": message}) naming the file and the reason.

- Photos (JPEG, PNG, WebP, at most 10 MB) must open and verify in Pillow; a "photo" that is
  really a script, an HTML page or a truncated file is refused. Huge pixel counts are refused
  before decoding (decompression bombs). The image is re-encoded without EXIF, XMP or text
  chunks (so no GPS position or camera serial leaves the server), turned upright according to
  its EXIF orientation, its longest side capped at MAX_SIDE, with a THUMB_SIDE thumbnail.
- Attachments (PDF, Word .docx, Excel .xlsx, at most 20 MB) are recognised by their bytes: a
  PDF header, or an Office Open XML package holding the document or workbook part.
"""

import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MB = 1024 * 1024
MAX_PHOTO_BYTES = 10 * MB
MAX_ATTACHMENT_BYTES = 20 * MB
MAX_SIDE = 2560
THUMB_SIDE = 320
MAX_PIXELS = 60_000_000  # 60 MP: more than any phone camera, far below a decompression bomb
MAX_NAME = 200

PHOTO_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".jfif", ".png", ".webp"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ATTACHMENT_TYPES = {".pdf": "application/pdf", ".docx": DOCX, ".xlsx": XLSX}


@dataclass
class Checked:
    kind: str  # "photo" or "attachment" (ActivityFile.Kind values)
    name: str  # the original name, cleaned, for Content-Disposition and the page
    content_type: str
    suffix: str
    data: bytes  # what is stored (the re-encoded photo, or the attachment as uploaded)
    thumbnail: bytes = b""  # JPEG, photos only
    width: int | None = None
    height: int | None = None


def clean_name(name: str) -> str:
    """The file's own name without any folder, control characters or surrounding blanks."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip(".")
    return base[:MAX_NAME] or "file"


def _size_text(size: int) -> str:
    return f"{size / MB:.1f} MB"


def check_upload(name: str, data: bytes) -> Checked:
    """Decide what an upload is by its content and prepare it for storage."""
    name = clean_name(name)
    suffix = PurePosixPath(name.lower()).suffix
    if _looks_like_image(data) or suffix in PHOTO_SUFFIXES:
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationError(
                {"file": _("照片“%(n)s”有 %(s)s，超过 10 MB") % {"n": name, "s": _size_text(len(data))}}
            )
        return process_photo(name, data)
    if suffix in ATTACHMENT_TYPES or data[:5] == b"%PDF-" or data[:2] == b"PK":
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise ValidationError(
                {"file": _("附件“%(n)s”有 %(s)s，超过 20 MB") % {"n": name, "s": _size_text(len(data))}}
            )
        return check_attachment(name, data)
    raise ValidationError(
        {
            "file": _(
                "“%(n)s”不是可接受的文件：照片限 JPG、PNG、WebP（10 MB 以内），"
                "附件限 PDF、Word（.docx）、Excel（.xlsx）（20 MB 以内）"
            )
            % {"n": name}
        }
    )


def _looks_like_image(data: bytes) -> bool:
    return (
        data[:3] == b"\xff\xd8\xff"
        or data[:8] == b"\x89PNG\r\n\x1a\n"
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def _not_a_photo(name: str) -> ValidationError:
    return ValidationError({"file": _("“%(n)s”不是有效的照片（只接受 JPG、PNG、WebP 图片）") % {"n": name}})


def open_image(name: str, data: bytes) -> Image.Image:
    """Open and verify an image of an accepted format, refusing bombs before decoding."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data), formats=list(PHOTO_FORMATS))
            _check_pixels(name, probe)
            probe.verify()  # structure and checksums; the image must then be opened again
            image = Image.open(io.BytesIO(data), formats=list(PHOTO_FORMATS))
            _check_pixels(name, image)
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(name) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _not_a_photo(name) from None
    return image


def _too_many_pixels(name: str) -> ValidationError:
    return ValidationError(
        {"file": _("照片“%(n)s”像素过多（超过 %(m)d 万像素）") % {"n": name, "m": MAX_PIXELS // 10_000}}
    )


def _check_pixels(name: str, image: Image.Image) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise _not_a_photo(name)
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(name)


def _plain(image: Image.Image, fmt: str) -> Image.Image:
    """A copy holding only pixels: no EXIF, XMP, ICC or text metadata travels along."""
    if fmt == "JPEG" and image.mode not in ("L", "RGB"):
        image = _flatten(image)
    elif image.mode not in ("1", "L", "LA", "RGB", "RGBA", "P", "I;16", "I"):
        image = image.convert("RGBA")
    clean = Image.new(image.mode, image.size)
    if image.mode == "P":
        clean.putpalette(image.getpalette() or [])
    clean.paste(image)
    clean.info = {}
    return clean


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background (JPEG has no transparency)."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def process_photo(name: str, data: bytes) -> Checked:
    image = open_image(name, data)
    fmt = image.format
    content_type, suffix = PHOTO_FORMATS[fmt]
    try:
        upright = ImageOps.exif_transpose(image)  # honour the camera's orientation, then drop EXIF
    except Exception:  # a broken orientation tag: keep the pixels as stored
        upright = image
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean = _plain(upright, fmt)
    thumb = _flatten(clean) if clean.mode != "RGB" else clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    thumb.info = {}
    stored_name = str(PurePosixPath(name).with_suffix(suffix)) if PurePosixPath(name).suffix else name + suffix
    return Checked(
        kind="photo",
        name=stored_name[:MAX_NAME],
        content_type=content_type,
        suffix=suffix,
        data=_encode(clean, fmt),
        thumbnail=_encode(thumb, "JPEG"),
        width=clean.width,
        height=clean.height,
    )


def check_attachment(name: str, data: bytes) -> Checked:
    suffix = PurePosixPath(name.lower()).suffix
    if data[:5] == b"%PDF-":
        detected = ".pdf"
    elif data[:2] == b"PK":
        detected = _office_kind(data)
    else:
        detected = None
    if detected is None:
        raise ValidationError(
            {"file": _("附件“%(n)s”不是有效的 PDF、Word（.docx）或 Excel（.xlsx）文件") % {"n": name}}
        )
    if suffix != detected:
        name = (name[: -len(suffix)] if suffix else name) + detected
    return Checked(
        kind="attachment",
        name=name[:MAX_NAME],
        content_type=ATTACHMENT_TYPES[detected],
        suffix=detected,
        data=data,
    )


def _office_kind(data: bytes) -> str | None:
    """.docx or .xlsx by the parts of the package (names only: nothing is decompressed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return ".docx"
    if "xl/workbook.xml" in names:
        return ".xlsx"
    return None


def placeholder_svg(label: str) -> bytes:
    """The thumbnail of an attachment: a document icon with its type (no user text)."""
    label = "".join(ch for ch in label.upper() if ch.isalnum())[:4]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240">'
        '<rect width="240" height="240" fill="#f1f3f5"/>'
        '<path d="M80 40h60l30 30v130H80z" fill="#fff" stroke="#adb5bd" stroke-width="4"/>'
        '<text x="125" y="150" font-family="sans-serif" font-size="28" text-anchor="middle" fill="#495057">'
        f"{label}</text>"
        "</svg>"
    ).encode()
