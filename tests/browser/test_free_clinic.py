"""A branch secretary records a free clinic on a 375-px phone: 40 anonymous attendees, 5 named
follow-up consultations picked one after another with Enter, and a photo whose GPS position is
stripped before anyone sees it (issue 9, "how it is judged")."""

import datetime
import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions
from xianfeng.servicelog.models import Activity, ServiceRecord
from xianfeng.servicelog.tests.test_evidence import jpeg_with_gps
from xianfeng.teams.models import Team, TeamMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
NAMES = ["赵一鸣", "钱二妹", "孙三强", "李四海", "周五福"]


def fits(page) -> bool:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return width[0] <= width[1] + 1


def test_a_secretary_records_a_free_clinic_on_a_phone(live_server, browser_context_factory, world):
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    shuji = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="shuji")
    leader = MemberFactory(name="张书记", branch=world.branch_a, user=shuji)
    team = Team.objects.create(name="内科党员先锋队", kind=Team.Kind.VANGUARD, owner_org=world.branch_a)
    TeamMembership.objects.create(team=team, member=leader, start_on=datetime.date(2020, 1, 1))
    for name in NAMES:
        ResidentFactory(name=name, village_id=VILLAGE_A, birth_date=datetime.date(1950, 3, 1))

    base = live_server.url
    page = browser_context_factory(width=375, height=740).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("shuji")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")

    # 1. The activity: a free clinic held this morning in a village of the branch's township.
    page.goto(base + reverse("servicelog:activity_new"))
    assert fits(page)
    page.get_by_label("活动名称").fill("冯家屯义诊")
    page.get_by_label("活动类型").select_option(label="义诊")
    page.get_by_label("队伍").select_option(label="内科党员先锋队")
    page.get_by_label("所在乡镇/村").fill(f"冯家屯村委会（{VILLAGE_A}）")
    page.get_by_label("地点").fill("村卫生室门前")
    page.get_by_label("服务类型").select_option(label="义诊")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="冯家屯义诊")).to_be_visible()
    activity = Activity.objects.get(title="冯家屯义诊")
    assert activity.status == "held" and activity.village_code == VILLAGE_A

    # 2. Forty people came; five of them had a consultation worth a named record.
    page.get_by_role("link", name="登记参加者").click()
    assert fits(page)
    page.get_by_label("服务人数（不记名）").fill("40")
    page.get_by_role("button", name="保存人数").click()
    expect(page.locator("#headcount")).to_have_text("40")
    page.get_by_role("link", name="登记参加者").click()
    search = page.get_by_role("combobox", name="输入姓名")
    for name in NAMES:
        search.press_sequentially(name[:2])
        expect(page.get_by_role("option", name=name)).to_be_visible()
        search.press("Enter")
        expect(page.locator(".autocomplete-chips")).to_contain_text(name)
    assert fits(page)
    page.get_by_label("服务类型（所有参加者相同）").select_option(label="健康咨询")
    page.get_by_role("button", name="全部登记").click()
    expect(page.locator("#named-count")).to_have_text("5")
    for name in NAMES:
        expect(page.locator("#named-records")).to_contain_text(name)

    # 3. A photo taken on a phone, with its GPS position in the EXIF.
    photo = jpeg_with_gps(size=(1200, 900))
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)
    page.locator("#id_file").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.get_by_label("说明").fill("义诊现场")
    page.get_by_role("button", name="上传").click()
    thumbnail = page.locator("#photos img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") == 320
    assert fits(page)
    served = page.request.get(base + page.locator("#photos a").first.get_attribute("href"))
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(served.body()))
    assert image.size == (1200, 900) and not image.getexif()
    assert b"SecretCamera" not in served.body()

    # What the page shows is what is stored.
    expect(page.locator("#headcount")).to_have_text("40")
    assert ServiceRecord.objects.filter(activity=activity, voided_at__isnull=True).count() == 5
