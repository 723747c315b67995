"""The auditor's change log reads like the forms: labels, choice names, object names; no hashes,
blind indexes or materialized paths; encrypted values stay hidden."""

import datetime
import re

from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members import services as member_services
from xianfeng.orgs import services as org_services


def page_text(client, **params) -> str:
    html = client.get(reverse("audit:changes"), params).content.decode()
    body = html[html.index("<tbody") : html.index("</tbody>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_org_changes_show_labels_choice_names_and_parent_names(world, login):
    org = org_services.org_create(acting_user=world.admin, name="内科第二党小组", kind="group", parent=world.branch_a)
    org_services.org_update(acting_user=world.admin, org=org, kind="department", name="内科办公室")
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, None, username="auditor")
    text = page_text(login(auditor), model="orgs.Organization", object_id=org.pk)
    assert "类型 ： 党小组 → 科室/部门" in text
    assert "名称 ： 内科第二党小组 → 内科办公室" in text
    assert "上级组织 ：内科党支部" in text  # the parent's name, not its id
    assert "组织 #" in text  # the model's verbose name, not orgs.Organization
    assert "orgs.Organization" not in text and "path" not in text and "/0000" not in text
    assert "name_initials" not in text and "name_norm" not in text


def test_member_secrets_dates_and_booleans_are_readable(world, login):
    member = member_services.member_create(
        acting_user=world.admin, name="王小明", branch=world.branch_a, phone="13800138000"
    )
    member_services.member_update(
        acting_user=world.admin, member=member, phone="13900139000", birth_date=datetime.date(1949, 12, 31)
    )
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, None, username="auditor")
    text = page_text(login(auditor), model="members.Member", object_id=member.pk)
    assert "手机号 ： (已加密) → (已加密，已修改)" in text
    assert "138" not in text and "139" not in text  # neither the number nor its tail
    assert not re.search(r"[0-9a-f]{32}", text)  # no hash, no blind index
    assert "出生日期 ： — → 1949-12-31" in text
    assert "所属支部/组织 ：内科党支部" in text  # the auditor may see orgs
    assert ChangeLog.objects.filter(model="members.Member", object_id=str(member.pk)).count() == 2


def test_change_log_page_queries_stay_flat(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, None, username="auditor")
    client = login(auditor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("audit:changes"))
        return len(captured)

    org_services.org_create(acting_user=world.admin, name="小组0", kind="group", parent=world.branch_a)
    queries()  # warm up the session and per-process caches
    few = queries()
    for i in range(1, 8):
        org_services.org_create(acting_user=world.admin, name=f"小组{i}", kind="group", parent=world.branch_b)
    assert queries() == few


def test_a_snapshot_key_named_like_a_reverse_relation_reads_as_a_plain_value(world, login):
    """A record that another app's fact wrote (servicelog/derived.py) lists its providers in the
    snapshot; "providers" is also the name of the reverse relation from RecordProvider."""
    from django.utils import timezone

    from xianfeng.members.tests.factories import MemberFactory
    from xianfeng.servicelog.derived import derived_record_create
    from xianfeng.servicelog.tests.factories import service_type

    member = MemberFactory(name="周值守", branch=world.branch_a)
    record = derived_record_create(
        acting_user=world.admin,
        service_type=service_type("mask_distribution"),
        org=world.branch_a,
        served_on=timezone.localdate(),
        providers=[(member, 1)],
        quantity=3000,
    )
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL, None, username="auditor")
    client = login(auditor)
    assert client.get(reverse("audit:changes")).status_code == 200
    text = page_text(client, model="servicelog.ServiceRecord", object_id=record.pk)
    assert "providers" in text and "周值守 1" in text
