"""Quick entry on a phone: find the resident, tap the type, save; a double tap saves once."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.residents.tests.factories import VILLAGE_A, ResidentFactory
from xianfeng.servicelog import services
from xianfeng.servicelog.models import ServiceRecord

from .factories import service_type
from .test_record_pages import scene as scene  # the shared fixture

TODAY = timezone.localdate()
URL = "/servicelog/quick/"


def step2(client, resident) -> str:
    return client.get(URL, {"resident": resident.pk if resident is not None else "none"}).content.decode()


def post(client, scene, resident=None, *, key="k1", **fields):
    data = {
        "resident": resident.pk if resident is not None else "",
        "service_type": service_type("medicine_delivery").pk,
        "served_on": TODAY.isoformat(),
        "providers": [scene.member.pk],
        "team": scene.team.pk,
        "quantity": "1",
        "idempotency_key": key,
    }
    data.update(fields)
    return client.post(URL, data)


def test_the_url_is_the_one_the_navigation_uses():
    assert reverse("servicelog:quick") == URL


def test_step_one_finds_a_resident_by_initials_name_or_phone(scene, login):
    ResidentFactory(name="刘德圆", village_id=VILLAGE_A, phone="13912345678")
    client = login(scene.volunteer)
    html = client.get(URL, {"q": "ldy"}).content.decode()
    assert "李大爺 · 冯家屯村委会 · 1950年生" in html and "刘德圆" in html
    assert client.get(URL, {"q": "李大爷"}).content.decode().count("李大爺 · ") == 1  # Simplified finds 爺
    assert "刘德圆" in client.get(URL, {"q": "5678"}).content.decode()
    partial = client.get(URL, {"q": "zn"}, HTTP_HX_REQUEST="true").content.decode()
    assert "张奶奶" in partial and "<html" not in partial
    assert "没有找到" in client.get(URL, {"q": "xyz"}).content.decode()


def test_step_two_offers_recent_types_first_and_defaults(scene, login):
    client = login(scene.volunteer)
    services.record_create(acting_user=scene.volunteer, service_type=service_type("errands"), resident=scene.li)
    html = step2(client, scene.li)
    assert "李大爺 · 冯家屯村委会 · 1950年生" in html
    recent = html[html.index("data-recent-types") : html.index("更多类型")]
    assert "代办代购" in recent and "送药上门" not in recent
    assert "送药上门" in html[html.index("更多类型") :]
    assert "今天" in html and "王志愿" in html and "内科党员先锋队" in html
    assert "入户随访" not in html and "心理援助热线" not in html  # health types: not for a volunteer
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)


def test_no_subject_offers_only_types_that_need_none(scene, login):
    html = step2(login(scene.volunteer), None)
    assert "义诊" in html and "发放宣传资料" in html and "送药上门" not in html


def test_save_then_banner_with_next_steps(scene, login):
    client = login(scene.volunteer)
    response = post(client, scene, scene.li)
    assert response.status_code == 302
    saved = ServiceRecord.objects.get()
    assert response["Location"] == f"{URL}?resident={scene.li.pk}&saved={saved.pk}"
    assert saved.resident == scene.li and saved.team == scene.team and saved.served_on == TODAY
    assert saved.providers.get().member == scene.member and saved.providers.get().hours == 1
    html = client.get(response["Location"]).content.decode()
    assert "已登记" in html and "送药上门 · 李大爺" in html
    assert "再记一条（同一居民）" in html and "换一位居民" in html
    assert reverse("servicelog:record_void", args=[saved.pk]) in html  # 撤销


def test_defaults_alone_are_enough(scene, login):
    """Only the resident, the type and the key: date today, provider me, hours the type's."""
    client = login(scene.volunteer)
    response = client.post(
        URL,
        {
            "resident": scene.li.pk,
            "service_type": service_type("medicine_delivery").pk,
            "served_on": TODAY.isoformat(),
            "idempotency_key": "only",
        },
    )
    assert response.status_code == 302
    saved = ServiceRecord.objects.get()
    assert saved.providers.get().member == scene.member and saved.quantity == 1


def test_a_double_tap_saves_one_record(scene, login):
    client = login(scene.volunteer)
    first = post(client, scene, scene.li, key="same")
    second = post(client, scene, scene.li, key="same")
    assert ServiceRecord.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert "已保存（重复提交未重复登记）" in client.get(second["Location"]).content.decode()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"served_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "晚于今天，不能预先登记"),
        ({"served_on": "garbage"}, "日期"),
        ({"service_type": ""}, "请选择服务类型"),
        ({"quantity": "99999999999999"}, "数量"),
        ({"hours": "-1"}, "0"),
    ],
)
def test_errors_show_beside_the_field_in_chinese(scene, login, fields, message):
    response = post(login(scene.volunteer), scene, scene.li, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and ("invalid-feedback" in html or "alert-danger" in html)
    assert ServiceRecord.objects.count() == 0


def test_a_date_before_birth_is_refused(scene, login):
    child = ResidentFactory(name="小明", village_id=VILLAGE_A, birth_date=datetime.date(2020, 5, 1))
    response = post(login(scene.volunteer), scene, child, served_on="2019-01-01")
    assert response.status_code == 400 and "早于该居民的出生日期" in response.content.decode()


def test_a_resident_bound_type_without_a_resident_is_refused(scene, login):
    response = post(login(scene.volunteer), scene, None)
    assert response.status_code == 400
    assert "须指定服务对象（居民）" in response.content.decode()
    assert ServiceRecord.objects.count() == 0


def test_a_health_type_is_refused_to_a_volunteer_even_if_posted(scene, login):
    response = post(login(scene.volunteer), scene, scene.li, service_type=service_type("followup_home").pk)
    assert response.status_code == 400 and ServiceRecord.objects.count() == 0


def test_a_household_type_goes_to_the_residents_household(scene, login):
    response = post(login(scene.volunteer), scene, scene.li, service_type=service_type("household_visit").pk)
    assert response.status_code == 302
    saved = ServiceRecord.objects.get()
    assert saved.household == scene.household and saved.resident is None
    response = post(
        login(scene.volunteer), scene, scene.zhang, key="k2", service_type=service_type("household_visit").pk
    )
    assert response.status_code == 400 and "已登记所在户" in response.content.decode()


def test_a_stranger_resident_is_not_found(scene, login, world):
    from xianfeng.residents.tests.factories import VILLAGE_B

    far = ResidentFactory(name="远方人", village_id=VILLAGE_B)
    client = login(scene.volunteer)
    response = client.get(URL, {"resident": far.pk})
    assert response.status_code == 302
    assert post(client, scene, far).status_code == 400
    assert ServiceRecord.objects.count() == 0


def test_a_reader_may_not_use_quick_entry(scene, login, world):
    assert login(world.reader).get(URL).status_code == 403
