"""The service-type catalogue pages and services: everyone reads, only administrators edit;
codes freeze once used; a sensitivity change carries the type's records with it."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions
from xianfeng.servicelog import services, services_types
from xianfeng.servicelog.models import ServiceType

from .factories import service_type

LIST = reverse("servicelog:type_list")
NEW = reverse("servicelog:type_new")

FORM = {
    "code": "mask_sewing",
    "name": "缝制口罩",
    "category": "materials",
    "unit": "件",
    "counts_person_time": "",
    "subject": "none",
    "sensitivity": "0",
    "default_hours": "2.0",
    "result_fields": "",
    "description": "志愿者手工缝制",
    "sort_order": "100",
    "active": "on",
}


@pytest.fixture
def setup(world):
    world.branch_a.regions.add(county_regions()[TOWN_A])
    world.volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    MemberFactory(name="王志愿", branch=world.branch_a, user=world.volunteer)
    world.sysadmin = user_with_grant(Role.ADMIN, Scope.ALL, username="sysadmin")
    world.branch_admin = user_with_grant(Role.ADMIN, Scope.ORG_SUBTREE, world.branch_a, username="branchadmin")
    return world


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _edit_url(code: str) -> str:
    return reverse("servicelog:type_edit", args=[service_type(code).pk])


def _form_of(type_code: str, **changes) -> dict:
    stype = service_type(type_code)
    data = {
        **FORM,
        "code": stype.code,
        "name": stype.name,
        "category": stype.category,
        "unit": stype.unit,
        "counts_person_time": "on" if stype.counts_person_time else "",
        "subject": stype.subject,
        "sensitivity": str(stype.sensitivity),
        "default_hours": str(stype.default_hours),
        "result_fields": json.dumps(stype.result_fields, ensure_ascii=False),
        "description": stype.description,
        "sort_order": str(stype.sort_order),
        "active": "on" if stype.active else "",
    }
    data.update(changes)
    return data


def test_everyone_reads_the_catalogue_grouped_by_category(setup):
    response = _client(setup.volunteer).get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "医疗服务" in page and "送药上门" in page and "medicine_delivery" in page
    assert "筛查结果（阴性/阳性/已转诊） *" in page
    assert "入户随访" in page  # health types are listed: the catalogue is not personal data
    assert reverse("servicelog:type_new") not in page  # no button for a volunteer
    assert "送药上门" in _client(setup.volunteer).get(LIST, {"q": "medicine"}).content.decode()
    assert "送药上门" not in _client(setup.volunteer).get(LIST, {"q": "热线"}).content.decode()


def test_only_administrators_over_everything_edit(setup):
    volunteer = _client(setup.volunteer)
    assert volunteer.get(NEW).status_code == 403
    assert volunteer.post(NEW, FORM).status_code == 403
    assert volunteer.get(_edit_url("free_clinic")).status_code == 403
    assert volunteer.post(_edit_url("free_clinic"), _form_of("free_clinic", name="乱改")).status_code == 403
    branch_admin = _client(setup.branch_admin)
    assert branch_admin.get(_edit_url("free_clinic")).status_code == 403
    response = branch_admin.post(NEW, FORM)
    assert response.status_code == 400 and "只有“全部”范围的系统管理员" in response.content.decode()
    assert not ServiceType.objects.filter(code="mask_sewing").exists()


def test_an_administrator_adds_a_type(setup):
    client = _client(setup.sysadmin)
    assert client.get(LIST).content.decode().count(NEW) == 1
    response = client.post(NEW, FORM)
    assert response.status_code == 302, response.content.decode()
    stype = ServiceType.objects.get(code="mask_sewing")
    assert (stype.name, stype.unit, stype.counts_person_time, stype.active) == ("缝制口罩", "件", False, True)
    assert ChangeLog.objects.filter(model="servicelog.ServiceType", object_id=str(stype.pk), action="create").exists()
    again = client.post(NEW, FORM)
    assert again.status_code == 400 and "code" in again.context["form"].errors


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "不是有效的 JSON"),
        ('{"key": "x"}', "应为列表"),
        ('[{"key": "Result", "label": "结果"}]', "第 1 项"),
        ('[{"key": "result", "label": "结果", "kind": "choice"}]', "choices 必填"),
        ('[{"key": "a", "label": "甲"}, {"key": "a", "label": "乙"}]', "第 2 项：键“a”重复"),
        ('[{"key": "n", "label": "数", "kind": "integer", "min": 5, "max": 1}]', "min 不能大于 max"),
        ('[{"key": "n", "label": "数", "kind": "text", "colour": "red"}]', "不认识的属性"),
        ("[" * 100_000, "嵌套过深"),
    ],
)
def test_result_fields_are_checked_with_a_clear_error(setup, text, message):
    response = _client(setup.sysadmin).post(NEW, {**FORM, "result_fields": text})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get("result_fields", []))
    assert message in errors, errors
    assert not ServiceType.objects.filter(code="mask_sewing").exists()


def test_result_fields_saved_and_used_by_records(setup):
    fields = [
        {"key": "outcome", "label": "结果", "kind": "choice", "required": True, "choices": [["ok", "完成"]]},
        {"key": "pieces", "label": "件数", "kind": "integer", "min": 0, "max": 100},
    ]
    response = _client(setup.sysadmin).post(NEW, {**FORM, "result_fields": json.dumps(fields, ensure_ascii=False)})
    assert response.status_code == 302
    stype = ServiceType.objects.get(code="mask_sewing")
    assert stype.result_fields == [{**fields[0]}, {**fields[1], "required": False}]
    page = _client(setup.volunteer).get(LIST).content.decode()
    assert "结果（完成） *" in page and "件数（0–100）" in page


def test_code_is_frozen_once_records_use_it_and_deactivating_keeps_records(setup):
    resident = ResidentFactory(village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1))
    services.record_create(
        acting_user=setup.volunteer, service_type=service_type("medicine_delivery"), resident=resident
    )
    client = _client(setup.sysadmin)
    page = client.get(_edit_url("medicine_delivery"))
    assert page.status_code == 200 and page.context["form"].fields["code"].disabled
    # A disabled field ignores what is posted: the code stays.
    response = client.post(_edit_url("medicine_delivery"), _form_of("medicine_delivery", code="renamed", active=""))
    assert response.status_code == 302
    stype = ServiceType.objects.get(pk=service_type("medicine_delivery").pk)
    assert stype.code == "medicine_delivery" and not stype.active
    with pytest.raises(ValidationError) as exc:
        services_types.service_type_update(acting_user=setup.sysadmin, service_type=stype, code="renamed")
    assert "code" in exc.value.message_dict
    assert stype.records.count() == 1
    # An unused type's code may still change.
    services_types.service_type_update(
        acting_user=setup.sysadmin, service_type=service_type("video_show"), code="video"
    )
    assert ServiceType.objects.filter(code="video", name="播放健康宣传片").exists()


def test_a_sensitivity_change_hides_the_types_records_from_a_volunteer(setup):
    resident = ResidentFactory(village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1))
    record = services.record_create(
        acting_user=setup.volunteer, service_type=service_type("medicine_delivery"), resident=resident
    ).record
    volunteer = _client(setup.volunteer)
    assert volunteer.get(f"/api/servicelog/records/{record.pk}/").status_code == 200
    response = _client(setup.sysadmin).post(
        _edit_url("medicine_delivery"), _form_of("medicine_delivery", sensitivity="2")
    )
    assert response.status_code == 302
    assert volunteer.get(f"/api/servicelog/records/{record.pk}/").status_code == 404
    assert volunteer.get("/api/servicelog/records/").json()["count"] == 0
    log = ChangeLog.objects.filter(model="servicelog.ServiceType", action="update").latest("pk")
    assert "1 条" in log.note
    # and back: the record reappears.
    _client(setup.sysadmin).post(_edit_url("medicine_delivery"), _form_of("medicine_delivery", sensitivity="0"))
    assert volunteer.get(f"/api/servicelog/records/{record.pk}/").status_code == 200


def test_the_service_refuses_non_administrators(setup):
    with pytest.raises(PermissionDenied):
        services_types.service_type_create(
            acting_user=setup.branch_admin, code="x_type", name="某类型", category="medical", unit="人次"
        )
    assert not ServiceType.objects.filter(code="x_type").exists()
