"""Attachments of the minutes as the branch secretary, a member who reads, and an outsider meet
them: upload (photo stripped of its GPS, stored encrypted), the list on the meeting's page, the
download (only to who may see the meeting), the limits with a clear message, removal after a
confirmation, the ChangeLog."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from xianfeng.audit.models import ChangeLog
from xianfeng.core.filecrypt import MAGIC
from xianfeng.partylife import services_meetings as meeting_services
from xianfeng.partylife import services_meetings_files as services
from xianfeng.partylife.models import MeetingFile, MeetingKind
from xianfeng.servicelog.tests.test_evidence import jpeg_with_gps

from .factories_meetings import meeting, meetings_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def w(world):
    return meetings_world(world)


@pytest.fixture
def m(w):
    return meeting(w, kind=MeetingKind.COMMITTEE, title="支委会：发展党员")


def _upload(client, m, *files, caption=""):
    data = {"caption": caption, "file": [SimpleUploadedFile(name, content) for name, content in files]}
    return client.post(reverse("partylife:meeting_upload", args=[m.pk]), data)


def test_a_photo_of_the_minutes_is_stored_encrypted_and_served_without_its_gps(w, m, login):
    client = login(w.secretary)
    form = client.get(reverse("partylife:meeting_upload", args=[m.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in form and "20 MB" in form
    response = _upload(client, m, ("签字页.jpg", jpeg_with_gps()), ("记录.pdf", PDF), caption="会议记录")
    assert response.status_code == 302
    photo, document = MeetingFile.objects.order_by("id")
    with photo.file.open("rb") as stored:
        raw = stored.read()
    assert raw.startswith(MAGIC) and b"SecretCamera" not in raw  # encrypted at rest
    assert (photo.uploaded_by, photo.caption, document.content_type) == (w.secretary, "会议记录", "application/pdf")
    served = client.get(reverse("partylife:meeting_file", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff" and "sandbox" in served["Content-Security-Policy"]
    image = Image.open(io.BytesIO(served.content))
    assert not image.getexif() and b"SecretCamera" not in served.content
    pdf = client.get(reverse("partylife:meeting_file", args=[document.pk]))
    assert pdf.content == PDF and pdf["Content-Disposition"].startswith("attachment")
    page = client.get(reverse("partylife:meeting_detail", args=[m.pk])).content.decode()
    assert f'data-file="{photo.pk}"' in page and "记录.pdf" in page and "上传会议附件：记录.pdf" in page
    logs = ChangeLog.objects.filter(model="partylife.MeetingFile", action=ChangeLog.Action.CREATE)
    assert logs.count() == 2


def test_a_reader_downloads_but_cannot_upload_and_an_outsider_gets_404(w, m, login):
    item = services.meeting_file_add(acting_user=w.secretary, meeting=m, name="记录.pdf", data=PDF)
    member = login(w.member_user)  # a party member of the branch: reads the meetings
    assert member.get(reverse("partylife:meeting_file", args=[item.pk])).content == PDF
    page = member.get(reverse("partylife:meeting_detail", args=[m.pk])).content.decode()
    assert "记录.pdf" in page and reverse("partylife:meeting_upload", args=[m.pk]) not in page
    assert member.get(reverse("partylife:meeting_upload", args=[m.pk])).status_code == 403
    assert _upload(member, m, ("x.pdf", PDF)).status_code == 403
    assert member.post(reverse("partylife:meeting_file_delete", args=[item.pk])).status_code == 403
    outsider = login(w.outsider)
    assert outsider.get(reverse("partylife:meeting_file", args=[item.pk])).status_code == 404
    assert outsider.get(reverse("partylife:meeting_file_delete", args=[item.pk])).status_code == 404
    assert _upload(outsider, m, ("x.pdf", PDF)).status_code == 404
    assert MeetingFile.objects.count() == 1


def test_too_big_or_not_a_document_is_a_clear_error_and_nothing_is_kept(w, m, login):
    client = login(w.secretary)
    big = PDF + b"0" * (20 * 1024 * 1024)
    response = _upload(client, m, ("扫描件.pdf", big))
    assert response.status_code == 400 and "“扫描件.pdf”超过 20 MB" in response.content.decode()
    fake = _upload(client, m, ("照片.jpg", b"<script>alert(1)</script>"))
    assert fake.status_code == 400 and "不是有效的照片" in fake.content.decode()
    nothing = client.post(reverse("partylife:meeting_upload", args=[m.pk]), {"caption": "x"})
    assert nothing.status_code == 400 and "请选择要上传的" in nothing.content.decode()
    with pytest.raises(ValidationError) as exc:  # a photo over 10 MB, through the service
        services.meeting_file_add(
            acting_user=w.secretary, meeting=m, name="p.jpg", data=b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024)
        )
    assert "超过 10 MB" in str(exc.value)
    assert not MeetingFile.objects.exists()
    assert not ChangeLog.objects.filter(model="partylife.MeetingFile").exists()


def test_removal_asks_first_and_leaves_a_trace(w, m, login):
    item = services.meeting_file_add(acting_user=w.secretary, meeting=m, name="记录.pdf", data=PDF, caption="签字")
    client = login(w.secretary)
    confirm = client.get(reverse("partylife:meeting_file_delete", args=[item.pk])).content.decode()
    assert "data-confirm" in confirm and "记录.pdf" in confirm
    response = client.post(reverse("partylife:meeting_file_delete", args=[item.pk]))
    assert response.status_code == 302 and not MeetingFile.objects.exists()
    log = ChangeLog.objects.get(model="partylife.MeetingFile", action=ChangeLog.Action.DELETE)
    assert log.before["original_name"] == "记录.pdf"
    page = client.get(reverse("partylife:meeting_detail", args=[m.pk])).content.decode()
    assert "删除会议附件：记录.pdf" in page and "无附件" in page


def test_a_voided_meeting_takes_no_attachment(w, m, login):
    item = services.meeting_file_add(acting_user=w.secretary, meeting=m, name="记录.pdf", data=PDF)
    meeting_services.meeting_void(acting_user=w.secretary, meeting=m, reason="重复")
    client = login(w.secretary)
    response = _upload(client, m, ("又一份.pdf", PDF))
    assert response.status_code == 400 and "已作废" in response.content.decode()
    client.post(reverse("partylife:meeting_file_delete", args=[item.pk]))
    assert MeetingFile.objects.count() == 1  # kept with the voided meeting, still readable
    assert client.get(reverse("partylife:meeting_file", args=[item.pk])).content == PDF


def test_the_api_lists_the_attachments(w, m, login):
    item = services.meeting_file_add(acting_user=w.secretary, meeting=m, name="记录.pdf", data=PDF)
    data = login(w.member_user).get(f"/api/partylife/meetings/{m.pk}/").json()
    assert data["files"] == [
        {
            "id": item.pk,
            "name": "记录.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
            "caption": "",
            "uploaded_at": data["files"][0]["uploaded_at"],
            "url": reverse("partylife:meeting_file", args=[item.pk]),
        }
    ]
