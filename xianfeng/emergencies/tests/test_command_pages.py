"""The emergency's pages as a clerk, a branch member and an outsider see them."""

import pytest
from django.test import Client
from django.utils import timezone

from xianfeng.emergencies import services_command as services
from xianfeng.emergencies.models import Emergency, LeadershipMeeting, WorkingGroup

from .factories_command import START, make_emergency, make_report, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def emergency(world):
    return make_emergency(world.committee)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_active_first_with_search(world):
    old = make_emergency(world.committee, name="2008年雨雪冰冻灾害", start_on="2008-01-20", end_on="2008-02-20")
    new = make_emergency(world.committee, name="新冠肺炎疫情防控", start_on=START)
    make_emergency(world.other, name="别处的事件", start_on=START)
    page = _client(world.member).get("/emergencies/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(new.name) < html.index(old.name) and "别处的事件" not in html
    assert "新建应急事件" not in html  # a member only reads
    rows = _client(world.clerk).get("/emergencies/?q=雨雪", headers={"HX-Request": "true"})
    assert "2008年雨雪冰冻灾害" in rows.content.decode() and "新冠" not in rows.content.decode()
    assert "<html" not in rows.content.decode()


def test_clerk_creates_an_emergency_and_bad_dates_show_on_the_form(world):
    client = _client(world.clerk)
    assert client.get("/emergencies/new/").status_code == 200
    bad = client.post(
        "/emergencies/new/",
        {"name": "x", "kind": "epidemic", "org": world.committee.pk, "start_on": "2020-02-01", "end_on": "2020-01-01"},
    )
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    huge = client.post("/emergencies/new/", {"name": "x", "kind": "epidemic", "org": 10**30, "start_on": "99999-01-01"})
    assert huge.status_code == 400
    ok = client.post(
        "/emergencies/new/",
        {"name": "新冠肺炎疫情防控", "kind": "epidemic", "org": world.committee.pk, "start_on": START},
    )
    emergency = Emergency.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/emergencies/{emergency.pk}/"


def test_detail_shows_the_command_structure_and_latest_counts(world, emergency):
    wang, li, _zhang = world.staff
    services.working_group_create(
        acting_user=world.clerk, emergency=emergency, name="医疗救治组", leader=wang, members=[li]
    )
    services.leadership_meeting_create(
        acting_user=world.clerk, emergency=emergency, held_on=START, title="成立领导小组"
    )
    make_report(emergency, START, confirmed=3, screened=40)
    html = _client(world.member).get(f"/emergencies/{emergency.pk}/").content.decode()
    for text in ("医疗救治组", "王医生", "李护士", "成立领导小组", "确诊", "40"):
        assert text in html
    assert f"/emergencies/{emergency.pk}/edit/" not in html  # read only for the branch
    assert (
        f"/emergencies/{emergency.pk}/edit/"
        in _client(world.clerk).get(f"/emergencies/{emergency.pk}/").content.decode()
    )
    assert _client(world.outsider).get(f"/emergencies/{emergency.pk}/").status_code == 404
    assert _client(world.member).get(f"/emergencies/{emergency.pk}/edit/").status_code == 403


def test_group_and_meeting_forms(world, emergency):
    client = _client(world.clerk)
    wang, li, zhang = world.staff
    response = client.post(
        f"/emergencies/{emergency.pk}/groups/new/",
        {"name": "院感防控组", "leader": wang.pk, "members": [li.pk, zhang.pk]},
    )
    assert response.status_code == 302
    group = WorkingGroup.objects.get()
    again = client.post(f"/emergencies/{emergency.pk}/groups/new/", {"name": "院感防控组"})
    assert again.status_code == 400 and "已有名为" in again.content.decode()
    response = client.post(
        f"/emergencies/groups/{group.pk}/edit/", {"name": "院感防控组", "members": [li.pk], "duties": "消毒"}
    )
    assert response.status_code == 302 and list(WorkingGroup.objects.get().members.all()) == [li]
    late = client.post(
        f"/emergencies/{emergency.pk}/leadership-meetings/new/", {"held_on": "2019-12-01", "title": "早会"}
    )
    assert late.status_code == 400 and "应急事件期间" in late.content.decode()
    client.post(f"/emergencies/{emergency.pk}/leadership-meetings/new/", {"held_on": "2020-01-24", "title": "部署会"})
    meeting = LeadershipMeeting.objects.get()
    confirm = client.get(f"/emergencies/leadership-meetings/{meeting.pk}/void/")
    assert "data-confirm" in confirm.content.decode()
    assert client.post(f"/emergencies/leadership-meetings/{meeting.pk}/void/", {"reason": ""}).status_code == 400
    client.post(f"/emergencies/leadership-meetings/{meeting.pk}/void/", {"reason": "重复录入"})
    assert LeadershipMeeting.objects.get().is_voided


def test_call_and_close(world, emergency):
    client = _client(world.clerk)
    no_text = client.post(f"/emergencies/{emergency.pk}/call/edit/", {"call_text": "", "pledges_open": "on"})
    assert no_text.status_code == 400 and "请先填写请战倡议" in no_text.content.decode()
    client.post(f"/emergencies/{emergency.pk}/call/edit/", {"call_text": "共产党员冲在前", "pledges_open": "on"})
    assert Emergency.objects.get().pledges_open
    client.post(f"/emergencies/{emergency.pk}/close/", {"end_on": "2020-04-30"})
    closed = Emergency.objects.get()
    assert str(closed.end_on) == "2020-04-30" and not closed.pledges_open


def test_report_fields_page(world, emergency):
    make_report(emergency, START, screened=5)
    client = _client(world.clerk)
    page = client.get(f"/emergencies/{emergency.pk}/report-fields/edit/").content.decode()
    assert "发热筛查" in page and 'name="remove_0"' not in page and 'name="remove_1"' in page
    data = {}
    for i, (code, label) in enumerate([("screened", "发热门诊筛查"), ("confirmed", "确诊")]):
        data |= {f"code_{i}": code, f"label_{i}": label, f"enabled_{i}": "on", f"order_{i}": i + 1}
    for i in range(2, 9):  # the other default fields have no counts: removed
        data |= {f"code_{i}": "x", f"label_{i}": "x", f"remove_{i}": "on"}
    data |= {"label_9": "核酸检测", "enabled_9": "on", "order_9": "0"}
    response = client.post(f"/emergencies/{emergency.pk}/report-fields/edit/", data)
    assert response.status_code == 302
    fields = Emergency.objects.get().report_fields
    assert [f["label"] for f in fields] == ["核酸检测", "发热门诊筛查", "确诊"]
    # A field with counts offers no "remove": a forged one is ignored, the field stays.
    forged = {"code_0": "custom_1", "label_0": "核酸检测", "enabled_0": "on", "code_1": "screened"}
    forged |= {"label_1": "发热门诊筛查", "remove_1": "on", "code_2": "confirmed", "label_2": "确诊", "enabled_2": "on"}
    client.post(f"/emergencies/{emergency.pk}/report-fields/edit/", forged)
    fields = Emergency.objects.get().report_fields
    assert {"code": "screened", "label": "发热门诊筛查", "enabled": False} in fields


def test_the_home_panel_shows_the_running_emergency(world, emergency):
    make_emergency(world.committee, name="已结束的事件", start_on="2008-01-01", end_on="2008-02-01")
    html = _client(world.clerk).get("/").content.decode()
    assert 'data-panel="emergencies"' in html and "今日情况未报" in html
    assert f"/emergencies/{emergency.pk}/reports/new/" in html and "已结束的事件" not in html
    member_home = _client(world.member).get("/").content.decode()
    assert "新冠肺炎疫情防控" in member_home and f"/emergencies/{emergency.pk}/reports/new/" not in member_home
    make_report(emergency, timezone.localdate(), confirmed=1)
    assert "今日情况已报" in _client(world.clerk).get("/").content.decode()
    assert 'data-panel="emergencies"' not in _client(world.outsider).get("/").content.decode()
