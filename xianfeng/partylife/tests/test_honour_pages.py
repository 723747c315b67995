"""Honours and outputs pages: the two tabs with filters, the form with a certificate scan, the
scan served decrypted to those who may see the honour (404 to others), voiding with confirmation."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xianfeng.partylife import services_honours as services
from xianfeng.partylife.models import Honour, Output

from .factories_study import study_world
from .test_honour_services import png_bytes


@pytest.fixture
def w(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return study_world(world)


def _honour(w, **kwargs):
    defaults = {
        "org": w.branch_a,
        "title": "先进基层党组织",
        "level": "city",
        "issuer": "市委",
        "awarded_on": date(2024, 6, 28),
    }
    return services.honour_create(acting_user=w.owner, **{**defaults, **kwargs})


def test_list_two_tabs_and_filters(w, login):
    _honour(w)
    _honour(w, org=None, member=w.member, title="优秀共产党员", level="institution", awarded_on=date(2023, 7, 1))
    services.output_create(
        acting_user=w.owner,
        org=w.branch_a,
        kind="magazine",
        title="院刊第103期",
        issue_no="103",
        published_on=date(2024, 5, 1),
    )
    client = login(w.reader)
    page = client.get(reverse("partylife:honour_list")).content.decode()
    assert "先进基层党组织" in page and "优秀共产党员" in page and "院刊第103期" not in page
    only_city = client.get(reverse("partylife:honour_list"), {"level": "city"}, HTTP_HX_REQUEST="true").content.decode()
    assert "先进基层党组织" in only_city and "优秀共产党员" not in only_city and "<html" not in only_city
    by_year = client.get(reverse("partylife:honour_list"), {"year": 2023}).content.decode()
    assert "优秀共产党员" in by_year and "先进基层党组织" not in by_year
    outputs = client.get(reverse("partylife:honour_list"), {"tab": "outputs", "q": "103"}).content.decode()
    assert "院刊第103期" in outputs
    assert "登记荣誉" not in page  # a leader only reads


def test_outsider_sees_nothing_of_ours(w, login):
    honour = _honour(w)
    client = login(w.outsider)
    assert "先进基层党组织" not in client.get(reverse("partylife:honour_list")).content.decode()
    assert client.get(reverse("partylife:honour_detail", args=[honour.pk])).status_code == 404


def test_form_with_certificate_and_download(w, login):
    client = login(w.owner)
    scan = SimpleUploadedFile("证书.png", png_bytes(), content_type="image/png")
    response = client.post(
        reverse("partylife:honour_new"),
        {
            "recipient": "member",
            "member": w.member.pk,
            "title": "优秀共产党员",
            "level": "institution",
            "issuer": "医院党委",
            "awarded_on": "2024-07-01",
            "certificate": scan,
        },
    )
    assert response.status_code == 302
    honour = Honour.objects.get()
    assert honour.member == w.member and honour.org == w.branch_a
    download = client.get(reverse("partylife:honour_certificate", args=[honour.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert download.content[:4] == b"\x89PNG"
    assert login(w.outsider).get(reverse("partylife:honour_certificate", args=[honour.pk])).status_code == 404


def test_form_refuses_a_missing_recipient(w, login):
    response = login(w.owner).post(
        reverse("partylife:honour_new"),
        {"recipient": "member", "title": "x", "level": "city", "issuer": "y", "awarded_on": "2024-01-01"},
    )
    assert response.status_code == 400 and "请选择获奖人员" in response.content.decode()
    assert not Honour.objects.exists()


def test_void_honour_with_confirmation(w, login):
    honour = _honour(w)
    client = login(w.owner)
    url = reverse("partylife:honour_void", args=[honour.pk])
    assert "data-confirm" in client.get(url).content.decode()
    assert client.post(url, {"reason": "误登记"}).status_code == 302
    assert "已作废" in client.get(reverse("partylife:honour_detail", args=[honour.pk])).content.decode()
    assert login(w.reader).post(url, {"reason": "x"}).status_code == 403


def test_output_form_and_duplicate_issue(w, login):
    client = login(w.owner)
    data = {"org": w.branch_a.pk, "kind": "magazine", "title": "院刊", "issue_no": "101", "published_on": "2024-01-05"}
    assert client.post(reverse("partylife:output_new"), data).status_code == 302
    again = client.post(reverse("partylife:output_new"), data)
    assert again.status_code == 400 and "第 101 期已登记" in again.content.decode()
    output = Output.objects.get()
    edit = client.post(reverse("partylife:output_edit", args=[output.pk]), {**data, "title": "院刊（春季）"})
    assert edit.status_code == 302
    output.refresh_from_db()
    assert output.title == "院刊（春季）"
