"""Evidence checks as plain functions: photos by content, EXIF/GPS stripped, orientation kept,
size and pixel limits, attachments by their bytes; and storage encrypted at rest."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from xianfeng.servicelog import evidence


def jpeg_with_gps(size=(64, 32), orientation: int | None = None, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "SecretCamera 1.0"  # Software
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (40.0, 1.0, 30.0)
    gps[3], gps[4] = "E", (124.0, 2.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size=(40, 40), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def office(parts: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name in parts:
            package.writestr(name, "<x/>")
    return out.getvalue()


def test_a_photo_loses_its_exif_and_gps():
    data = jpeg_with_gps()
    assert b"SecretCamera" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    checked = evidence.check_upload("IMG_0001.JPG", data)
    assert (checked.kind, checked.content_type, checked.suffix) == ("photo", "image/jpeg", ".jpg")
    for stored in (checked.data, checked.thumbnail):
        image = Image.open(io.BytesIO(stored))
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
        assert b"SecretCamera" not in stored and b"PhoneMaker" not in stored


def test_a_photo_is_turned_upright_by_its_orientation():
    checked = evidence.check_upload("side.jpg", jpeg_with_gps(size=(64, 32), orientation=6))  # rotated 90°
    assert (checked.width, checked.height) == (32, 64)


def test_big_photos_are_capped_and_get_a_small_thumbnail():
    checked = evidence.check_upload("wide.png", png(size=(3000, 1500), mode="RGB"))
    assert (checked.width, checked.height) == (evidence.MAX_SIDE, evidence.MAX_SIDE // 2)
    thumb = Image.open(io.BytesIO(checked.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == evidence.THUMB_SIDE


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("photo.jpg", b"<script>alert(1)</script>", "不是有效的照片"),
        ("photo.png", b"<!doctype html><html><body>hi</body></html>", "不是有效的照片"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "不是有效的照片"),  # a JPEG header and nothing else
        ("run.sh", b"#!/bin/sh\nrm -rf /\n", "不是可接受的文件"),
        ("page.html", b"<html></html>", "不是可接受的文件"),
        ("report.pdf", b"not a pdf at all", "不是有效的 PDF"),
        ("report.docx", office(["[Content_Types].xml", "other/thing.xml"]), "不是有效的 PDF"),
        ("report.xlsx", b"PK\x03\x04broken zip", "不是有效的 PDF"),
        ("photo.gif", b"GIF89a" + b"\x00" * 20, "不是可接受的文件"),
    ],
)
def test_what_is_not_a_photo_or_a_document_is_refused_by_name(name, data, words):
    with pytest.raises(ValidationError) as exc:
        evidence.check_upload(name, data)
    message = " ".join(exc.value.message_dict["file"])
    assert words in message and name in message


def test_size_limits():
    big = jpeg_with_gps() + b"\x00" * (evidence.MAX_PHOTO_BYTES + 1)
    with pytest.raises(ValidationError, match="超过 10 MB"):
        evidence.check_upload("big.jpg", big)
    with pytest.raises(ValidationError, match="超过 20 MB"):
        evidence.check_upload("big.pdf", b"%PDF-1.7" + b"\x00" * evidence.MAX_ATTACHMENT_BYTES)


def test_a_decompression_bomb_is_refused_before_decoding():
    # A tiny PNG that claims 20 000 × 20 000 pixels.
    data = png(size=(20_000, 20_000), mode="1")
    assert len(data) < 200_000
    with pytest.raises(ValidationError, match="像素过多"):
        evidence.check_upload("bomb.png", data)


@pytest.mark.parametrize(
    "name, data, suffix, content_type",
    [
        ("会议纪要.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", ".pdf", "application/pdf"),
        ("签到表.docx", office(["[Content_Types].xml", "word/document.xml"]), ".docx", evidence.DOCX),
        ("统计.xlsx", office(["[Content_Types].xml", "xl/workbook.xml"]), ".xlsx", evidence.XLSX),
        ("misnamed.docx", office(["[Content_Types].xml", "xl/workbook.xml"]), ".xlsx", evidence.XLSX),
    ],
)
def test_attachments_are_recognised_by_their_bytes(name, data, suffix, content_type):
    checked = evidence.check_upload(name, data)
    assert (checked.kind, checked.suffix, checked.content_type) == ("attachment", suffix, content_type)
    assert checked.name.endswith(suffix) and checked.data == data


@pytest.mark.parametrize(
    "raw, clean",
    [("../../etc/passwd", "passwd"), ("C:\\Users\\me\\照片.jpg", "照片.jpg"), ("a\x00b.pdf", "ab.pdf"), ("", "file")],
)
def test_names_lose_their_folders_and_control_characters(raw, clean):
    assert evidence.clean_name(raw) == clean


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from(["x.jpg", "x.png", "x.webp", "x.pdf", "x.docx", "x.bin"]))
def test_any_bytes_either_pass_as_what_they_are_or_fail_with_a_field_error(data, name):
    try:
        checked = evidence.check_upload(name, data)
    except ValidationError as exc:
        assert list(exc.message_dict) == ["file"]
    else:
        if checked.kind == "photo":
            Image.open(io.BytesIO(checked.data)).verify()
        else:
            assert checked.data[:5] == b"%PDF-" or checked.data[:2] == b"PK"


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 300),
    st.integers(1, 300),
    st.sampled_from(["RGB", "RGBA", "L", "P", "LA", "CMYK"]),
    st.sampled_from(["JPEG", "PNG", "WEBP"]),
)
def test_every_accepted_image_comes_out_clean_and_bounded(width, height, mode, fmt):
    image = Image.new(mode, (width, height))
    if fmt == "JPEG" and mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    if fmt == "WEBP" and mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    if fmt == "PNG" and mode == "CMYK":  # PNG has no CMYK
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt)
    checked = evidence.check_upload(f"p.{fmt.lower()}", out.getvalue())
    result = Image.open(io.BytesIO(checked.data))
    assert result.format == fmt and result.size == (width, height)
    assert not result.getexif()
    assert max(Image.open(io.BytesIO(checked.thumbnail)).size) <= evidence.THUMB_SIDE
