"""The service-record pages: list with filters, a record's page, the desk form, corrections,
voiding, the providers picker and the 工作台 panel."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.audit.models import ChangeLog
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, HouseholdFactory, ResidentFactory, county_regions
from xianfeng.servicelog import services
from xianfeng.servicelog.models import RecordProvider, ServiceRecord
from xianfeng.teams.tests.factories import MembershipFactory, TeamFactory

from .factories import ServiceRecordFactory, service_type

TODAY = timezone.localdate()


@pytest.fixture
def scene(world):
    """A volunteer of 内科党支部 (which serves 孤山镇) in a team, a doctor, two residents."""
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    member = MemberFactory(name="王志愿", branch=world.branch_a, user=volunteer, volunteer_no="ZY0001")
    team = TeamFactory(name="内科党员先锋队", owner_org=world.branch_a)
    MembershipFactory(team=team, member=member)
    mate = MemberFactory(name="赵队友", branch=world.branch_a)
    MembershipFactory(team=team, member=mate)
    doctor = user_with_grant(Role.DOCTOR, Scope.ORG_ONLY, world.branch_a, username="doc")
    MemberFactory(name="钱医生", branch=world.branch_a, user=doctor)
    household = HouseholdFactory(village_id=VILLAGE_A)
    li = ResidentFactory(name="李大爺", village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1), household=household)
    zhang = ResidentFactory(name="张奶奶", village_id=VILLAGE_A, birth_date=datetime.date(1948, 6, 1))
    return SimpleNamespace(
        world=world,
        volunteer=volunteer,
        member=member,
        mate=mate,
        team=team,
        doctor=doctor,
        li=li,
        zhang=zhang,
        household=household,
    )


def record(scene, code="medicine_delivery", *, resident=None, note="", user=None, **kwargs):
    return services.record_create(
        acting_user=user or scene.volunteer,
        service_type=service_type(code),
        resident=resident if resident is not None else scene.li,
        note=note,
        **kwargs,
    ).record


def health_record(scene, note="精神科随访"):
    return ServiceRecordFactory(
        service_type=service_type("followup_home"), resident=scene.li, org=scene.world.branch_a, note=note
    )


# --- the list ------------------------------------------------------------------------------


def test_the_list_shows_records_newest_first_with_what_a_row_needs(scene, login):
    record(scene, note="第一次送药", served_on=TODAY - datetime.timedelta(days=3))
    record(scene, note="第二次送药", resident=scene.zhang, quantity="2", team=scene.team)
    response = login(scene.volunteer).get(reverse("servicelog:record_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("第二次送药") < html.index("第一次送药")
    assert "张奶奶 · 冯家屯村委会" in html and "王志愿" in html and "内科党员先锋队" in html
    assert "2 人次" in html and "共 2 条" in html


def test_health_records_and_types_never_reach_a_volunteer(scene, login):
    record(scene, note="送药一次")
    health_record(scene)
    volunteer = login(scene.volunteer)
    html = volunteer.get(reverse("servicelog:record_list")).content.decode()
    assert "送药一次" in html and "精神科随访" not in html and "入户随访" not in html
    assert "共 1 条" in html
    form = volunteer.get(reverse("servicelog:record_new")).content.decode()
    assert "送药上门" in form and "入户随访" not in form and "心理援助热线" not in form
    # A health type asked for by id in the filter is refused, not used.
    response = volunteer.get(reverse("servicelog:record_list"), {"service_type": service_type("followup_home").pk})
    assert "精神科随访" not in response.content.decode()


def test_a_doctor_sees_health_records(scene, login):
    health_record(scene)
    html = login(scene.doctor).get(reverse("servicelog:record_list")).content.decode()
    assert "精神科随访" in html and "入户随访" in html


def test_filters_are_kept_in_the_url_and_combine(scene, login, world):
    record(scene, note="旧的", served_on=TODAY - datetime.timedelta(days=40))
    record(scene, note="新的送药", team=scene.team)
    record(scene, "errands", note="代购药品")
    other = user_with_grant(Role.CLERK, Scope.ORG_SUBTREE, world.branch_a, username="clerk2")
    MemberFactory(name="孙干事", branch=world.branch_a, user=other)
    record(scene, note="别人录的", user=other)
    client = login(scene.volunteer)
    url = reverse("servicelog:record_list")

    def notes(**params):
        html = client.get(url, params).content.decode()
        return {n for n in ("旧的", "新的送药", "代购药品", "别人录的") if n in html}

    since = (TODAY - datetime.timedelta(days=7)).isoformat()
    assert notes(date_from=since) == {"新的送药", "代购药品", "别人录的"}
    assert notes(date_to=since) == {"旧的"}
    assert notes(service_type=service_type("errands").pk) == {"代购药品"}
    assert notes(category="assistance") == {"代购药品"}
    assert notes(team=scene.team.pk) == {"新的送药"}
    assert notes(mine="1") == {"旧的", "新的送药", "代购药品"}
    assert notes(q="ldy") == {"旧的", "新的送药", "代购药品", "别人录的"}  # 李大爺 by pinyin initials
    assert notes(q="李大爷") == notes(q="ldy")  # Simplified finds the Traditional name
    assert notes(q="代购") == {"代购药品"}  # the note
    assert notes(q="zz") == set()
    response = client.get(url, {"date_from": "2024-13-45", "mine": "1"})
    assert response.status_code == 200 and "已忽略" in response.content.decode()


def test_voided_rows_are_hidden_unless_asked_and_struck_through(scene, login):
    kept = record(scene, note="保留的")
    gone = record(scene, note="作废的")
    services.record_void(acting_user=scene.volunteer, record=gone, reason="重复登记")
    client = login(scene.volunteer)
    html = client.get(reverse("servicelog:record_list")).content.decode()
    assert "保留的" in html and "作废的" not in html and "共 1 条" in html
    html = client.get(reverse("servicelog:record_list"), {"voided": "1"}).content.decode()
    assert "作废的" in html and "已作废" in html and "共 2 条" in html
    assert kept.pk


def test_the_list_costs_the_same_queries_for_few_and_many_rows(scene, login):
    client = login(scene.volunteer)
    url = reverse("servicelog:record_list")

    def grow(n):
        for i in range(n):
            record(scene, note=f"送药{i}", team=scene.team, providers=[scene.member, scene.mate])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    grow(2)
    client.get(url)
    few = count()
    grow(8)
    assert count() == few


# --- a record's page, corrections and voiding ------------------------------------------------


def test_the_record_page_shows_everything_and_its_history(scene, login, world):
    admin = world.admin
    MemberFactory(name="管理员", branch=world.branch_a, user=admin)
    saved = services.record_create(
        acting_user=admin,
        service_type=service_type("physical_exam"),
        resident=scene.li,
        providers=[scene.member, scene.mate],
        hours="1.5",
        team=scene.team,
        result={"result": "abnormal"},
        note="血压偏高",
    ).record
    html = login(scene.volunteer).get(reverse("servicelog:record_detail", args=[saved.pk])).content.decode()
    for text in ("健康体检", "检查结果", "异常", "王志愿 · 1.5 小时", "赵队友", "李大爺", "1950年生", "血压偏高"):
        assert text in html, text
    assert "孤山镇" in html and "冯家屯村委会" in html
    assert "新增" in html  # the ChangeLog row of the creation


def test_edit_keeps_the_history(scene, login):
    saved = record(scene, note="送药一盒")
    client = login(scene.volunteer)
    url = reverse("servicelog:record_edit", args=[saved.pk])
    page = client.get(url)
    assert page.status_code == 200 and "送药一盒" in page.content.decode()
    data = {
        "service_type": saved.service_type_id,
        "served_on": saved.served_on.isoformat(),
        "resident": scene.li.pk,
        "providers": [scene.member.pk],
        "hours": "1.0",
        "quantity": "3",
        "note": "送药三盒",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.note == "送药三盒" and saved.quantity == Decimal("3")
    update = ChangeLog.objects.get(model="servicelog.ServiceRecord", object_id=str(saved.pk), action="update")
    assert update.before["note"] == "送药一盒"
    # Nothing changed: no new history row.
    client.post(url, data)
    assert ChangeLog.objects.filter(object_id=str(saved.pk), action="update").count() == 1


def test_edit_errors_show_beside_the_field_and_save_nothing(scene, login):
    saved = record(scene, note="原样")
    url = reverse("servicelog:record_edit", args=[saved.pk])
    response = login(scene.volunteer).post(
        url,
        {
            "service_type": saved.service_type_id,
            "served_on": (TODAY + datetime.timedelta(days=2)).isoformat(),
            "resident": scene.li.pk,
            "quantity": "1",
            "note": "改了",
        },
    )
    assert response.status_code == 400
    assert "晚于今天" in response.content.decode()
    saved.refresh_from_db()
    assert saved.note == "原样"


def test_void_needs_a_reason_then_every_count_drops_by_one(scene, login):
    saved = record(scene, note="要作废的")
    record(scene, note="另一条")
    client = login(scene.volunteer)
    list_url = reverse("servicelog:record_list")
    assert "共 2 条" in client.get(list_url).content.decode()
    url = reverse("servicelog:record_void", args=[saved.pk])
    page = client.get(url).content.decode()
    assert "作废原因" in page and "data-confirm" in page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and not ServiceRecord.objects.get(pk=saved.pk).is_voided
    response = client.post(url, {"reason": "录错居民"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.is_voided and saved.void_reason == "录错居民"
    assert not RecordProvider.objects.get(record=saved).counted
    assert "共 1 条" in client.get(list_url).content.decode()
    detail = client.get(reverse("servicelog:record_detail", args=[saved.pk])).content.decode()
    assert "录错居民" in detail and reverse("servicelog:record_edit", args=[saved.pk]) not in detail
    assert client.get(reverse("servicelog:record_edit", args=[saved.pk])).status_code == 302


def test_a_reader_sees_no_change_buttons_and_gets_403(scene, login, world):
    saved = record(scene, note="只读")
    client = login(world.reader)
    detail = client.get(reverse("servicelog:record_detail", args=[saved.pk])).content.decode()
    assert "只读" in detail and reverse("servicelog:record_void", args=[saved.pk]) not in detail
    assert client.get(reverse("servicelog:record_void", args=[saved.pk])).status_code == 403
    assert client.get(reverse("servicelog:record_new")).status_code == 403
    outsider = login(world.outsider)
    assert outsider.get(reverse("servicelog:record_detail", args=[saved.pk])).status_code == 404


# --- the desk form -----------------------------------------------------------------------


def desk_data(scene, **overrides):
    data = {
        "service_type": service_type("medicine_delivery").pk,
        "served_on": TODAY.isoformat(),
        "resident": scene.li.pk,
        "quantity": "1",
        "note": "桌面登记",
        "idempotency_key": "desk-key-1",
    }
    data.update(overrides)
    return data


def test_the_desk_form_creates_once_for_a_double_submit(scene, login):
    client = login(scene.volunteer)
    url = reverse("servicelog:record_new")
    page = client.get(url, {"resident": scene.li.pk}).content.decode()
    assert "李大爺" in page and 'name="idempotency_key"' in page
    first = client.post(url, desk_data(scene))
    assert first.status_code == 302
    second = client.post(url, desk_data(scene), follow=True)
    assert ServiceRecord.objects.count() == 1
    assert "已保存（重复提交未重复登记）" in second.content.decode()
    saved = ServiceRecord.objects.get()
    assert first["Location"] == reverse("servicelog:record_detail", args=[saved.pk])
    assert saved.created_by == scene.volunteer and saved.providers.get().member == scene.member


@pytest.mark.parametrize(
    "overrides, field_text",
    [
        ({"served_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "晚于今天"),
        ({"served_on": "1999-12-31"}, "服务日期不能早于"),
        ({"resident": ""}, "须指定服务对象（居民）"),
        ({"quantity": "1e20"}, "数量"),
        ({"hours": "99"}, "24"),
        ({"served_on": "2024-02-30"}, "日期"),
    ],
)
def test_the_desk_form_names_the_field_and_saves_nothing(scene, login, overrides, field_text):
    response = login(scene.volunteer).post(reverse("servicelog:record_new"), desk_data(scene, **overrides))
    assert response.status_code == 400
    assert field_text in response.content.decode()
    assert ServiceRecord.objects.count() == 0


def test_typed_results_of_the_chosen_type_are_checked_and_stored(scene, login):
    client = login(scene.volunteer)
    exam = service_type("physical_exam")
    response = client.post(
        reverse("servicelog:record_new"), desk_data(scene, service_type=exam.pk, **{f"r{exam.pk}_result": "referred"})
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.get().result == {"result": "referred"}
    response = client.post(
        reverse("servicelog:record_new"),
        desk_data(scene, service_type=exam.pk, idempotency_key="k2", **{f"r{exam.pk}_result": "bogus"}),
    )
    assert response.status_code == 400


def test_a_household_service_and_providers_from_the_team(scene, login):
    response = login(scene.volunteer).post(
        reverse("servicelog:record_new"),
        desk_data(
            scene,
            service_type=service_type("household_visit").pk,
            resident="",
            household=scene.household.pk,
            providers=[scene.member.pk, scene.mate.pk],
            hours="0.5",
            team=scene.team.pk,
        ),
    )
    assert response.status_code == 302
    saved = ServiceRecord.objects.get()
    assert saved.household == scene.household and saved.team == scene.team
    assert {p.member for p in saved.providers.all()} == {scene.member, scene.mate}


# --- the providers picker and the 工作台 panel --------------------------------------------------


def test_a_volunteer_finds_teammates_as_providers(scene, login, world):
    MemberFactory(name="赵外人", branch=world.branch_b)
    client = login(scene.volunteer)
    found = client.get(reverse("servicelog:provider_autocomplete"), {"q": "zd"}).json()["results"]
    assert [r["text"] for r in found] == ["赵队友（内科党支部）"]
    found = client.get(reverse("servicelog:provider_autocomplete"), {"q": "ZY0001"}).json()["results"]
    assert [r["id"] for r in found] == [scene.member.pk]
    assert client.get(reverse("servicelog:provider_autocomplete"), {"q": "赵外"}).json()["results"] == []


def test_the_home_panel_counts_my_records_and_hours(scene, login):
    record(scene, note="今天一条", hours="1.5")
    record(scene, note="今天两条", hours="1.0")
    gone = record(scene, note="作废一条", hours="3.0")
    services.record_void(acting_user=scene.volunteer, record=gone, reason="重复")
    html = login(scene.volunteer).get(reverse("core:home")).content.decode()
    assert "我的服务" in html and reverse("servicelog:quick") in html
    assert 'data-count="today">2<' in html and 'data-count="month">2<' in html
    assert "2.5 小时" in html
