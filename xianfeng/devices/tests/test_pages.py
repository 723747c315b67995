"""The device pages (issue 14 §4): an administrator sees every device and its last contact, 党办
those of its subtree, everyone else their own; a device's page lists what it delivered and what
was refused; revoking needs a reason and is in the access log."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AccessLog
from xianfeng.audit.services import accesslog_write
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.devices import services, views_pages
from xianfeng.devices.models import Device, SyncedEntry
from xianfeng.servicelog.models import ServiceRecord
from xianfeng.servicelog.services import record_create
from xianfeng.servicelog.tests.factories import service_type

from . import device_world as dw

LIST = reverse("devices:list")


def _device(user, label: str, client_id: str | None = None) -> Device:
    return services.device_register(
        acting_user=user, client_id=client_id or f"id-{label}", secret=dw.SECRET, label=label
    ).device


@pytest.fixture
def w(world):
    w = dw.build(world)
    w.outsider_user = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_b, username="far")
    w.mine = _device(w.volunteer, "王的手机")
    w.doctors = _device(w.doctor, "赵的平板")
    w.far = _device(w.outsider_user, "外科的手机")
    return w


def _shown(client, url=LIST) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    return {label for label in ("王的手机", "赵的平板", "外科的手机") if label in text}


def test_who_sees_which_devices(w):
    assert _shown(dw.client_of(w.admin)) == {"王的手机", "赵的平板", "外科的手机"}
    assert _shown(dw.client_of(w.world.owner)) == {"王的手机", "赵的平板"}  # 党办 over branch_a's subtree
    assert _shown(dw.client_of(w.volunteer)) == {"王的手机"}
    assert _shown(dw.client_of(w.doctor)) == {"赵的平板"}
    assert dw.client_of(w.world.reader).get(LIST).status_code == 403  # the leader has no devices
    volunteer = dw.client_of(w.volunteer)
    assert volunteer.get(reverse("devices:detail", args=[w.doctors.pk])).status_code == 404
    assert volunteer.get(reverse("devices:detail", args=[w.mine.pk])).status_code == 200
    assert dw.client_of(w.world.owner).get(reverse("devices:detail", args=[w.far.pk])).status_code == 404


def test_the_list_searches_filters_and_pages(w, monkeypatch):
    admin = dw.client_of(w.admin)
    assert _shown(admin, LIST + "?q=赵") == {"赵的平板"}
    assert _shown(admin, LIST + "?q=far") == {"外科的手机"}
    services.device_revoke(acting_user=w.admin, device=w.far, reason="手机丢失")
    assert _shown(admin, LIST + "?state=revoked") == {"外科的手机"}
    assert _shown(admin, LIST + "?state=active") == {"王的手机", "赵的平板"}
    monkeypatch.setattr(views_pages.DeviceListView, "paginate_by", 2)
    first, second = admin.get(LIST).content.decode(), admin.get(LIST + "?page=2").content.decode()
    on_first = {label for label in ("王的手机", "赵的平板", "外科的手机") if label in first}
    on_second = {label for label in ("王的手机", "赵的平板", "外科的手机") if label in second}
    assert len(on_first) == 2 and len(on_second) == 1 and not on_first & on_second
    assert "第 1/2 页，共 3 条" in first


def test_a_device_silent_for_days_is_flagged_with_its_last_contact(w):
    Device.objects.filter(pk=w.mine.pk).update(last_contact_at=timezone.now() - datetime.timedelta(days=5, hours=1))
    Device.objects.filter(pk=w.doctors.pk).update(last_contact_at=timezone.now() - datetime.timedelta(days=2))
    text = dw.client_of(w.admin).get(LIST).content.decode()
    assert text.count("data-stale") == 1 and "5 天未联系" in text and "2 天未联系" not in text


def test_revoking_needs_a_reason_and_writes_the_access_log(w):
    url = reverse("devices:revoke", args=[w.mine.pk])
    clerk = dw.client_of(w.world.owner)
    page = clerk.get(url)
    assert page.status_code == 200 and "撤销原因" in page.content.decode()
    refused = clerk.post(url, {"reason": ""})
    assert refused.status_code == 400 and "这个字段是必填项" in refused.content.decode()
    w.mine.refresh_from_db()
    assert w.mine.state == "active" and not AccessLog.objects.filter(kind=AccessLog.Kind.DEVICE_REVOKE).exists()
    done = clerk.post(url, {"reason": "手机丢失"})
    assert done.status_code == 302 and done["Location"] == reverse("devices:detail", args=[w.mine.pk])
    w.mine.refresh_from_db()
    assert w.mine.state == "revoked"
    log = AccessLog.objects.get(kind=AccessLog.Kind.DEVICE_REVOKE)
    assert (log.user, log.object_id, log.reason) == (w.world.owner, str(w.mine.pk), "手机丢失")
    detail = clerk.get(reverse("devices:detail", args=[w.mine.pk])).content.decode()
    assert "手机丢失" in detail and "撤销此设备" not in detail


def test_a_volunteer_cannot_revoke_someone_else_s_device_but_may_revoke_their_own(w):
    volunteer = dw.client_of(w.volunteer)
    assert volunteer.post(reverse("devices:revoke", args=[w.doctors.pk]), {"reason": "x"}).status_code == 404
    w.doctors.refresh_from_db()
    assert w.doctors.state == "active"
    assert volunteer.post(reverse("devices:revoke", args=[w.mine.pk]), {"reason": "换手机了"}).status_code == 302
    w.mine.refresh_from_db()
    assert w.mine.state == "revoked"


def _synced(w, record) -> SyncedEntry:
    return SyncedEntry.objects.create(
        device=w.mine,
        user=w.volunteer,
        client_id="0b9e-entry-1",
        kind="record",
        made_at=timezone.now() - datetime.timedelta(hours=3),
        clock_skew_seconds=86400,
        made=[["servicelog.ServiceRecord", record.pk]],
        org_path=w.mine.org_path,
    )


def _refused(w):
    accesslog_write(
        actor=w.volunteer,
        kind=AccessLog.Kind.SYNC_REFUSED,
        model=ServiceRecord,
        object_id="0b9e-entry-2",
        object_repr="record 送药上门",
        fields=f"device:{w.mine.client_id}",
        reason="该居民不在您可登记的范围内",
        org_path=w.mine.org_path,
    )


def test_the_device_page_shows_what_it_delivered_and_what_was_refused(w):
    record = record_create(
        acting_user=w.volunteer, service_type=service_type("medicine_delivery"), resident=w.zhang, providers=[w.member]
    ).record
    _synced(w, record)
    _refused(w)
    url = reverse("devices:detail", args=[w.mine.pk])
    admin = dw.client_of(w.admin).get(url).content.decode()
    assert "0b9e-entry-1" in admin and "手机慢 1 天" in admin and "服务记录" in admin
    assert reverse("servicelog:record_detail", args=[record.pk]) in admin
    assert "该居民不在您可登记的范围内" in admin  # the administrator reads the audit
    # 党办 sees the device but does not read the audit: the refusals are counted, not shown.
    clerk = dw.client_of(w.world.owner).get(url).content.decode()
    assert "0b9e-entry-1" in clerk and "该居民不在您可登记的范围内" not in clerk
    assert "data-refusal-count>1<" in clerk


def test_clock_skew_is_said_as_people_say_it():
    assert views_pages.skew_text(86400) == "手机慢 1 天"
    assert views_pages.skew_text(-2 * 3600) == "手机快 2 小时"
    assert views_pages.skew_text(-300) == "手机快 5 分钟"
    assert views_pages.skew_text(30) == ""


def test_anonymous_visitors_are_sent_to_sign_in(w, client):
    for url in (LIST, reverse("devices:detail", args=[w.mine.pk]), reverse("devices:revoke", args=[w.mine.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_and_detail_queries_do_not_grow_with_rows(w):
    admin = dw.client_of(w.admin)
    record = record_create(
        acting_user=w.volunteer, service_type=service_type("medicine_delivery"), resident=w.zhang, providers=[w.member]
    ).record
    detail = reverse("devices:detail", args=[w.mine.pk])

    def grow(n):
        for _ in range(n):
            owner = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, w.world.branch_a)
            _device(owner, f"手机{owner.pk}")
            entry = _synced(w, record)
            SyncedEntry.objects.filter(pk=entry.pk).update(client_id=f"entry-{entry.pk}")
            _refused(w)

    grow(2)
    admin.get(LIST)  # caches warm
    few = (_queries(admin, LIST), _queries(admin, detail))
    grow(10)
    assert (_queries(admin, LIST), _queries(admin, detail)) == few
