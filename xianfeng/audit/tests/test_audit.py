import pytest
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import AppendOnlyError, ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.orgs import services


def test_changelog_rows_cannot_be_edited_or_deleted(world):
    services.org_update(acting_user=world.owner, org=world.group_a, name="改名小组")
    log = ChangeLog.objects.get(action="update")
    log.note = "tampered"
    with pytest.raises(AppendOnlyError):
        log.save()
    with pytest.raises(AppendOnlyError):
        log.delete()


def test_changelog_records_ip_and_who(world, login):
    login(world.owner).post(
        reverse("orgs:edit", args=[world.group_a.pk]),
        {"name": "内科一组", "kind": "group", "active_from": "2020-01-01"},
        REMOTE_ADDR="10.1.2.3",
    )
    log = ChangeLog.objects.get(action="update")
    assert (log.user, log.ip, log.before["name"], log.after["name"]) == (
        world.owner,
        "10.1.2.3",
        "内科第一党小组",
        "内科一组",
    )


def test_auditor_reads_and_filters_the_log(world, login):
    services.org_update(acting_user=world.owner, org=world.group_a, name="改名小组")
    services.org_update(acting_user=world.outsider, org=world.branch_b, name="外科支部")
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL)
    page = login(auditor).get(reverse("audit:changes"), {"username": "outsider"}).content.decode()
    assert "外科支部" in page and "改名小组" not in page


def test_non_auditors_cannot_read_the_audit_log(world, login):
    assert login(world.reader).get(reverse("audit:changes")).status_code == 403


def test_there_is_no_url_to_change_a_log_row():
    from django.urls import get_resolver

    audit_names = [name for name in get_resolver().reverse_dict if isinstance(name, str)]
    assert not [n for n in audit_names if n.startswith(("audit_edit", "audit_delete"))]
    from xianfeng.audit import urls

    # Every page is a read-only list; the archive page has no download or delete either.
    assert {p.name for p in urls.urlpatterns} == {"changes", "access", "logins", "archives"}


def test_the_database_refuses_to_rewrite_a_log_row(world):
    from django.db import DatabaseError, connection, transaction

    services.org_update(acting_user=world.owner, org=world.group_a, name="改名小组")
    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeLog.objects.filter(action="update").update(note="tampered")
    if connection.vendor == "postgresql":  # production: deletes are refused too
        with pytest.raises(DatabaseError), transaction.atomic():
            ChangeLog.objects.filter(action="update").delete()
    assert ChangeLog.objects.get(action="update").note == ""
