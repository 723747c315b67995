"""The activity pages as a user meets them: list and filters, create, edit with participants and
quantities, status, void, batch attendance, photos and attachments."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.filecrypt import MAGIC
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions
from xianfeng.servicelog import services_activities as services
from xianfeng.servicelog.models import Activity, ActivityFile, ActivityParticipant, ActivityQuantity, ServiceRecord
from xianfeng.teams.models import Team, TeamMembership

from .factories import service_type
from .test_evidence import jpeg_with_gps

YESTERDAY = timezone.localtime() - datetime.timedelta(days=1)


@pytest.fixture
def setup(world):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    leader = MemberFactory(name="张书记", branch=world.branch_a, user=secretary)
    team = Team.objects.create(name="内科先锋队", kind=Team.Kind.VANGUARD, owner_org=world.branch_a)
    TeamMembership.objects.create(team=team, member=leader, start_on=datetime.date(2020, 1, 1))
    activity = services.activity_create(
        acting_user=secretary,
        title="孤山镇义诊",
        kind="free_clinic",
        start_at=YESTERDAY,
        status="held",
        teams=[team],
        region=regions[VILLAGE_A],
    ).activity
    world.secretary, world.leader, world.team, world.activity = secretary, leader, team, activity
    return world


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_list_shows_activities_in_scope_with_filters(setup, login):
    other = services.activity_create(
        acting_user=setup.admin, title="外科讲座", kind="lecture", start_at=YESTERDAY, org=setup.branch_b
    ).activity
    client = login(setup.secretary)
    page = text(client.get(reverse("servicelog:activity_list")))
    assert "孤山镇义诊" in page and other.title not in page
    assert "孤山镇义诊" not in text(client.get(reverse("servicelog:activity_list"), {"status": "planned"}))
    assert "孤山镇义诊" in text(client.get(reverse("servicelog:activity_list"), {"q": "义诊", "team": setup.team.pk}))
    assert client.get(reverse("servicelog:activity_list"), {"from": "not-a-date", "team": "9" * 30}).status_code == 200


def test_a_secretary_creates_an_activity_and_bad_input_is_named(setup, login):
    client = login(setup.secretary)
    form = client.get(reverse("servicelog:activity_new"))
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form.content.decode()).group(1)
    data = {
        "title": "前阳镇健康讲座",
        "kind": "lecture",
        "status": "held",
        "start_at": YESTERDAY.strftime("%Y-%m-%dT%H:%M"),
        "teams": [setup.team.pk],
        "region": f"冯家屯村委会（{VILLAGE_A}）",
        "headcount": "60",
        "service_types": [service_type("free_clinic").pk],
        "idempotency_key": key,
    }
    response = client.post(reverse("servicelog:activity_new"), data)
    assert response.status_code == 302
    created = Activity.objects.get(title="前阳镇健康讲座")
    assert created.headcount == 60 and created.village_code == VILLAGE_A and created.org == setup.branch_a
    assert client.post(reverse("servicelog:activity_new"), data).status_code == 302  # a double tap
    assert Activity.objects.filter(title="前阳镇健康讲座").count() == 1
    bad = client.post(reverse("servicelog:activity_new"), {**data, "idempotency_key": "", "region": "不存在的村"})
    assert bad.status_code == 400 and "未知的乡镇或村" in text(bad)
    bad = client.post(reverse("servicelog:activity_new"), {**data, "idempotency_key": "", "headcount": "1" * 30})
    assert bad.status_code == 400 and Activity.objects.count() == 2


def test_edit_sets_participants_hours_and_quantities(setup, login):
    client = login(setup.secretary)
    activity = setup.activity
    url = reverse("servicelog:activity_edit", args=[activity.pk])
    assert client.get(url).status_code == 200
    mate = MemberFactory(name="李护士", branch=setup.branch_a)
    data = {
        "title": activity.title,
        "kind": activity.kind,
        "start_at": timezone.localtime(activity.start_at).strftime("%Y-%m-%dT%H:%M"),
        "teams": [setup.team.pk],
        "region": VILLAGE_A,
        "headcount": "40",
        "p-TOTAL_FORMS": "3",
        "p-INITIAL_FORMS": "0",
        "p-0-member": setup.leader.pk,
        "p-0-hours": "3.5",
        "p-1-member": mate.pk,
        "p-1-hours": "4",
        "p-1-role": "测血压",
        "q-TOTAL_FORMS": "2",
        "q-INITIAL_FORMS": "0",
        "q-0-service_type": service_type("leaflet").pk,
        "q-0-quantity": "300",
    }
    response = client.post(url, data)
    assert response.status_code == 302, text(response)[-2000:]
    rows = ActivityParticipant.objects.values_list("member__name", "hours", "role")
    assert sorted((n, float(h), r) for n, h, r in rows) == [("张书记", 3.5, ""), ("李护士", 4.0, "测血压")]
    assert ActivityQuantity.objects.get().quantity == 300
    too_long = client.post(url, {**data, "p-0-hours": "30"})
    assert too_long.status_code == 400 and "24" in text(too_long)
    assert ActivityParticipant.objects.count() == 2  # nothing half-saved
    page = text(client.get(reverse("servicelog:activity_detail", args=[activity.pk])))
    assert "李护士" in page and "7.5" in page and "300" in page


def test_status_buttons_and_void(setup, login):
    client = login(setup.secretary)
    planned = services.activity_create(
        acting_user=setup.secretary,
        title="下周义诊",
        start_at=timezone.now() + datetime.timedelta(days=7),
        teams=[setup.team],
    ).activity
    status_url = reverse("servicelog:activity_status", args=[planned.pk])
    client.post(status_url, {"status": "held"})
    planned.refresh_from_db()
    assert planned.status == "planned"  # not begun yet: refused with a message
    client.post(status_url, {"status": "cancelled"})
    planned.refresh_from_db()
    assert planned.status == "cancelled"
    void_url = reverse("servicelog:activity_void", args=[setup.activity.pk])
    assert client.post(void_url, {"reason": ""}).status_code == 400
    assert client.post(void_url, {"reason": "重复录入"}).status_code == 302
    setup.activity.refresh_from_db()
    assert setup.activity.is_voided
    assert "孤山镇义诊" not in text(client.get(reverse("servicelog:activity_list")))
    assert "孤山镇义诊" in text(client.get(reverse("servicelog:activity_list"), {"voided": "1"}))


def test_a_reader_sees_but_cannot_change(setup, login):
    client = login(setup.reader)
    activity = setup.activity
    assert client.get(reverse("servicelog:activity_detail", args=[activity.pk])).status_code == 200
    for name in ("activity_edit", "activity_void", "activity_attendees", "activity_upload"):
        assert client.get(reverse(f"servicelog:{name}", args=[activity.pk])).status_code == 403
    assert client.post(reverse("servicelog:activity_status", args=[activity.pk]), {"status": "held"}).status_code == 403
    outsider = login(setup.outsider)
    assert outsider.get(reverse("servicelog:activity_detail", args=[activity.pk])).status_code == 404


def test_batch_attendance_named_and_headcount(setup, login):
    client = login(setup.secretary)
    activity = setup.activity
    url = reverse("servicelog:activity_attendees", args=[activity.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-autocomplete-url="/residents/autocomplete/"' in page.content.decode()
    people = [ResidentFactory(name=f"参加者{i}", village_id=VILLAGE_A) for i in range(5)]
    data = {
        "form": "attendees",
        "residents": [p.pk for p in people],
        "service_type": service_type("health_consult").pk,
        "idempotency_key": "batch-1",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # resubmitted: nothing twice
    assert ServiceRecord.objects.filter(activity=activity).count() == 5
    assert client.post(url, {"form": "headcount", "headcount": "40"}).status_code == 302
    assert client.post(url, {"form": "headcount", "headcount": "-3"}).status_code == 400
    detail = text(client.get(reverse("servicelog:activity_detail", args=[activity.pk])))
    assert 'id="headcount">40<' in detail and 'id="named-count">5<' in detail and "参加者3" in detail
    empty = client.post(url, {"form": "attendees", "service_type": service_type("health_consult").pk})
    assert empty.status_code == 400 and "请添加参加者" in text(empty)


def test_photos_are_stored_encrypted_and_served_without_exif(setup, login):
    client = login(setup.secretary)
    activity = setup.activity
    upload_url = reverse("servicelog:activity_upload", args=[activity.pk])
    photo = io.BytesIO(jpeg_with_gps(size=(800, 600)))
    photo.name = "IMG_20260101.jpg"
    response = client.post(upload_url, {"file": photo, "caption": "义诊现场"})
    assert response.status_code == 302
    item = ActivityFile.objects.get()
    with item.file.open("rb") as stored:
        raw = stored.read()
    assert raw.startswith(MAGIC) and b"\xff\xd8\xff" not in raw[:64]
    served = client.get(reverse("servicelog:activity_file", args=[item.pk]))
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (800, 600) and not image.getexif() and b"SecretCamera" not in served.content
    thumb = client.get(reverse("servicelog:activity_file_thumb", args=[item.pk]))
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320
    assert "义诊现场" in text(client.get(reverse("servicelog:activity_detail", args=[activity.pk])))
    # Someone who may not see the activity does not learn the file exists.
    assert login(setup.outsider).get(reverse("servicelog:activity_file", args=[item.pk])).status_code == 404


def test_a_script_posing_as_a_photo_is_refused_and_attachments_download(setup, login):
    client = login(setup.secretary)
    upload_url = reverse("servicelog:activity_upload", args=[setup.activity.pk])
    fake = io.BytesIO(b"<script>alert('x')</script>")
    fake.name = "photo.jpg"
    response = client.post(upload_url, {"file": fake})
    assert response.status_code == 400 and "不是有效的照片" in text(response)
    assert ActivityFile.objects.count() == 0
    pdf = io.BytesIO(b"%PDF-1.4\n<html><script>alert(1)</script>")
    pdf.name = "签到表.pdf"
    assert client.post(upload_url, {"file": pdf}).status_code == 302
    item = ActivityFile.objects.get()
    served = client.get(reverse("servicelog:activity_file", args=[item.pk]))
    assert served["Content-Type"] == "application/pdf" and served["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("servicelog:activity_file_thumb", args=[item.pk]))["Content-Type"] == "image/svg+xml"
    delete_url = reverse("servicelog:activity_file_delete", args=[item.pk])
    reader = login(setup.reader)
    assert reader.post(delete_url).status_code == 403
    secretary = login(setup.secretary)
    assert secretary.post(delete_url).status_code == 302
    assert ActivityFile.objects.count() == 0
