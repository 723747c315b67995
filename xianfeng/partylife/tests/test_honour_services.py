"""Honours (to an organization or a member, exactly one; certificate scans stored encrypted) and
outputs (a magazine issue needs its number, once)."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xianfeng.core.filecrypt import MAGIC, decrypt_bytes
from xianfeng.partylife import services_honours as services
from xianfeng.partylife.models import Honour, HonourLevel, Output

from .factories_study import study_world


@pytest.fixture
def w(world):
    return study_world(world)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_honour_to_the_branch(w):
    honour = services.honour_create(
        acting_user=w.owner,
        org=w.branch_a,
        title="先进基层党组织",
        level=HonourLevel.CITY,
        issuer="中共东港市委",
        awarded_on=date(2024, 6, 28),
    )
    assert honour.org == w.branch_a and honour.member is None and honour.recipient == "内科党支部"


def test_honour_to_a_member_is_kept_by_their_branch(w):
    honour = services.honour_create(
        acting_user=w.owner,
        member=w.probationary,
        title="优秀共产党员",
        level=HonourLevel.INSTITUTION,
        issuer="医院党委",
        awarded_on=date(2024, 7, 1),
    )
    assert honour.org == w.group_a and honour.recipient == "钱预备"


@pytest.mark.parametrize("both", [True, False])
def test_exactly_one_recipient(w, both):
    kwargs = {"org": w.branch_a, "member": w.member} if both else {}
    with pytest.raises(ValidationError) as exc:
        services.honour_create(
            acting_user=w.owner, title="x", level=HonourLevel.CITY, issuer="y", awarded_on=date(2024, 1, 1), **kwargs
        )
    assert "二选一" in str(exc.value)
    assert not Honour.objects.exists()


def test_future_award_date_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        services.honour_create(
            acting_user=w.owner, org=w.branch_a, title="x", level="city", issuer="y", awarded_on=date(2199, 1, 1)
        )
    assert "awarded_on" in exc.value.message_dict


def test_certificate_is_stored_encrypted(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    scan = SimpleUploadedFile("证书.png", png_bytes(), content_type="image/png")
    honour = services.honour_create(
        acting_user=w.owner,
        org=w.branch_a,
        title="先进基层党组织",
        level="city",
        issuer="市委",
        awarded_on=date(2024, 6, 28),
        certificate=scan,
    )
    with honour.certificate.open("rb") as stored:
        assert stored.read(len(MAGIC)) == MAGIC
    assert decrypt_bytes(honour.certificate)[:8] == b"\x89PNG\r\n\x1a\n"
    assert honour.certificate_name.endswith(".png")


def test_a_script_as_certificate_is_refused_and_nothing_kept(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bad = SimpleUploadedFile("证书.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        services.honour_create(
            acting_user=w.owner,
            org=w.branch_a,
            title="x",
            level="city",
            issuer="y",
            awarded_on=date(2024, 1, 1),
            certificate=bad,
        )
    assert "certificate" in exc.value.message_dict
    assert not Honour.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_outsider_cannot_honour_our_branch(w):
    with pytest.raises(ValidationError):
        services.honour_create(
            acting_user=w.outsider, org=w.branch_a, title="x", level="city", issuer="y", awarded_on=date(2024, 1, 1)
        )


def test_reader_cannot_void(w):
    honour = services.honour_create(
        acting_user=w.owner, org=w.branch_a, title="x", level="city", issuer="y", awarded_on=date(2024, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        services.honour_void(acting_user=w.reader, honour=honour, reason="r")
    voided = services.honour_void(acting_user=w.owner, honour=honour, reason="重复登记")
    assert voided.is_voided and voided.void_reason == "重复登记"


def test_update_moves_the_honour_to_a_member(w):
    honour = services.honour_create(
        acting_user=w.owner, org=w.branch_a, title="x", level="city", issuer="y", awarded_on=date(2024, 1, 1)
    )
    honour = services.honour_update(acting_user=w.owner, honour=honour, member=w.member, org=None, title="优秀党员")
    assert (honour.member, honour.org, honour.title) == (w.member, w.branch_a, "优秀党员")


def test_magazine_needs_its_issue_number_once(w):
    kwargs = {"acting_user": w.owner, "org": w.branch_a, "kind": Output.Kind.MAGAZINE, "published_on": date(2024, 3, 1)}
    with pytest.raises(ValidationError) as exc:
        services.output_create(title="院刊", **kwargs)
    assert "issue_no" in exc.value.message_dict
    services.output_create(title="院刊第103期", issue_no="103", **kwargs)
    with pytest.raises(ValidationError) as exc:
        services.output_create(title="院刊第103期（重）", issue_no="103", **kwargs)
    assert "第 103 期已登记" in str(exc.value)
    assert Output.objects.count() == 1


def test_output_update_and_void(w):
    output = services.output_create(
        acting_user=w.owner, org=w.branch_a, kind=Output.Kind.PUSH, title="推送", published_on=date(2024, 3, 1)
    )
    output = services.output_update(acting_user=w.owner, output=output, title="公众号推送：义诊")
    assert output.title == "公众号推送：义诊"
    output = services.output_void(acting_user=w.owner, output=output, reason="误登记")
    assert output.is_voided
    with pytest.raises(ValidationError):
        services.output_update(acting_user=w.owner, output=output, title="再改")
