"""Activity photos and attachments are deleted after EVIDENCE_RETENTION_DAYS with a record that
they were: the stored file and thumbnail go, the row stays with the date, the change log says so,
the activity page shows a notice and a download answers 410 Gone."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit import retention as audit_retention
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.servicelog import services_activities, services_evidence
from xianfeng.servicelog.models import ActivityFile
from xianfeng.servicelog.retention import evidence_purge

from .test_evidence import jpeg_with_gps

PDF = b"%PDF-1.4\n% a sign-in sheet\n"


@pytest.fixture
def evidence(world, settings, tmp_path):
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit-archive"
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    activity = services_activities.activity_create(
        acting_user=secretary,
        title="孤山镇义诊",
        kind="free_clinic",
        start_at=timezone.now() - datetime.timedelta(days=1200),
        status="held",
        org=world.branch_a,
    ).activity

    def add(name: str, data: bytes, age_days: int) -> ActivityFile:
        item = services_evidence.activity_file_add(acting_user=secretary, activity=activity, name=name, data=data)
        uploaded = timezone.now() - datetime.timedelta(days=age_days)
        ActivityFile.objects.filter(pk=item.pk).update(uploaded_at=uploaded)  # auto_now_add: set afterwards
        item.refresh_from_db()
        return item

    world.secretary, world.activity = secretary, activity
    world.old_photo = add("老照片.jpg", jpeg_with_gps(size=(400, 300)), 1100)
    world.old_sheet = add("签到表.pdf", PDF, 1096)
    world.new_photo = add("新照片.jpg", jpeg_with_gps(size=(400, 300)), 1000)
    return world


def stored(field_file) -> bool:
    return bool(field_file.name) and field_file.storage.exists(field_file.name)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_evidence_older_than_the_period_is_deleted_with_a_record(evidence):
    old_names = [evidence.old_photo.file, evidence.old_photo.thumbnail, evidence.old_sheet.file]
    old_names = [(f.storage, f.name) for f in old_names]
    assert all(storage.exists(name) for storage, name in old_names)

    assert evidence_purge() == 2

    assert not any(storage.exists(name) for storage, name in old_names)
    for item in (evidence.old_photo, evidence.old_sheet):
        item.refresh_from_db()
        assert item.purged_at is not None and not item.file and not item.thumbnail
        assert item.original_name in ("老照片.jpg", "签到表.pdf")  # the row says what was there
        log = ChangeLog.objects.get(model="servicelog.ActivityFile", object_id=str(item.pk), action="delete")
        assert log.user is None and "文件已按保存期限（1095 天）删除" in log.note
        assert log.org_path == evidence.branch_a.path
    evidence.new_photo.refresh_from_db()
    assert (
        evidence.new_photo.purged_at is None
        and stored(evidence.new_photo.file)
        and stored(evidence.new_photo.thumbnail)
    )
    assert evidence_purge() == 0  # nothing twice


def test_the_period_follows_the_setting(evidence, settings):
    settings.EVIDENCE_RETENTION_DAYS = 1098
    assert evidence_purge() == 1  # only the 1100-day-old photo
    assert ActivityFile.objects.filter(purged_at__isnull=False).get().pk == evidence.old_photo.pk


def test_the_activity_page_shows_the_notice_and_downloads_answer_gone(evidence, login):
    evidence_purge()
    client = login(evidence.secretary)
    page = text(client.get(reverse("servicelog:activity_detail", args=[evidence.activity.pk])))
    purged_on = timezone.localdate().isoformat()
    assert page.count(f"文件已按保存期限（1095 天）于 {purged_on} 删除") == 2
    for item in (evidence.old_photo, evidence.old_sheet):
        assert f'href="{reverse("servicelog:activity_file", args=[item.pk])}"' not in page  # no broken link
        assert reverse("servicelog:activity_file_thumb", args=[item.pk]) not in page  # no broken image
        for name in ("servicelog:activity_file", "servicelog:activity_file_thumb"):
            gone = client.get(reverse(name, args=[item.pk]))
            assert gone.status_code == 410
            assert f"已按保存期限（1095 天）于 {purged_on} 删除" in text(gone)
    assert "签到表.pdf" in page  # the attachment's name stays, without a link
    kept = evidence.new_photo
    assert reverse("servicelog:activity_file_thumb", args=[kept.pk]) in page
    assert client.get(reverse("servicelog:activity_file", args=[kept.pk])).status_code == 200
    # Outside the activity's scope the purged file does not exist either.
    assert (
        login(evidence.outsider).get(reverse("servicelog:activity_file", args=[evidence.old_photo.pk])).status_code
        == 404
    )


def test_the_nightly_run_deletes_expired_evidence_and_counts_it(evidence):
    outcome = audit_retention.retention_run()
    assert outcome.problems == [] and outcome.run.files_purged == 2
    assert audit_retention.retention_status().files_purged == 2
    assert ActivityFile.objects.filter(purged_at__isnull=True).count() == 1


def test_a_purged_file_can_still_be_removed_from_the_activity(evidence):
    evidence_purge()
    services_evidence.activity_file_delete(acting_user=evidence.secretary, item=evidence.old_sheet)
    assert not ActivityFile.objects.filter(pk=evidence.old_sheet.pk).exists()
