"""Auditors see that an encrypted value changed, never the value or its blind index."""

import datetime

from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.residents import services
from xianfeng.residents.models import Resident
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, county_regions, make_id_number

OLD_NUMBER = make_id_number(datetime.date(1970, 5, 1), serial=11)
NEW_NUMBER = make_id_number(datetime.date(1970, 5, 1), serial=12)


def _resident_changed(world):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="doctor_a")
    resident = services.resident_create(
        acting_user=doctor, name="陈大文", village=regions[VILLAGE_A], id_number=OLD_NUMBER, phone="13812345678"
    )
    old_index = Resident.objects.get(pk=resident.pk).id_number_index
    resident = services.resident_update(
        acting_user=doctor, resident=resident, id_number=NEW_NUMBER, address="新地址1号"
    )
    new_index = Resident.objects.get(pk=resident.pk).id_number_index
    assert old_index and new_index and old_index != new_index
    return resident, old_index, new_index


def test_a_resident_update_shows_an_encrypted_change_without_blind_indexes(world, login):
    resident, old_index, new_index = _resident_changed(world)
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL)
    page = login(auditor).get(reverse("audit:changes"), {"model": "residents.Resident"}).content.decode()
    assert "新地址1号" in page  # the ordinary change is shown
    assert '<span class="text-body-secondary">身份证号</span>：<del>(已加密)</del> → (已加密，已修改)' in page
    assert old_index not in page and new_index not in page
    assert "_index" not in page
    assert OLD_NUMBER not in page and NEW_NUMBER not in page


def test_blind_indexes_are_not_stored_in_the_change_log(world):
    resident, old_index, new_index = _resident_changed(world)
    log = ChangeLog.objects.get(model="residents.Resident", action=ChangeLog.Action.UPDATE)
    stored = f"{log.before} {log.after}"
    assert "_index" not in stored and old_index not in stored and new_index not in stored
    assert (log.before["id_number"], log.after["id_number"]) == ("(已加密)", "(已加密，已修改)")
    assert log.before["phone"] == log.after["phone"] == "(已加密)"  # unchanged


def test_blind_indexes_logged_by_older_versions_are_not_shown(world, login):
    ChangeLog.objects.create(
        action=ChangeLog.Action.UPDATE,
        model="residents.Resident",
        object_id="1",
        object_repr="旧记录",
        before={"id_number_index": "a" * 64, "address": "旧址"},
        after={"id_number_index": "b" * 64, "address": "新址"},
    )
    auditor = user_with_grant(Role.AUDITOR, Scope.ALL)
    page = login(auditor).get(reverse("audit:changes")).content.decode()
    assert "新址" in page and "a" * 64 not in page and "b" * 64 not in page
