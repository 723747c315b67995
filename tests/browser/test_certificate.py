"""A volunteer on a 375-px phone sees their hours, issues their certificate and opens it to print."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.servicelog.models import VolunteerCertificate
from xianfeng.servicelog.tests.factories import ServiceRecordFactory, service_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"


def fits(page) -> bool:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return width[0] <= width[1] + 1


def test_a_volunteer_prints_their_certificate_on_a_phone(live_server, browser_context_factory, world):
    volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="zhiyuan", display_name="张志愿")
    member = MemberFactory(name="张志愿", branch=world.branch_a, user=volunteer, volunteer_no="ZY20260007")
    today = timezone.localdate()
    for days, hours in ((0, "1.5"), (1, "2.0")):
        ServiceRecordFactory(
            service_type=service_type("free_clinic"),
            org=world.branch_a,
            served_on=max(today - datetime.timedelta(days=days), today.replace(month=1, day=1)),
            place="210681101200",
            provider=member,
            provider__hours=Decimal(hours),
        )

    page = browser_context_factory(width=375, height=740).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("zhiyuan")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/servicelog/hours/")
    expect(page.get_by_role("heading", name="我的志愿服务时长")).to_be_visible()
    expect(page.get_by_test_id("hours-total")).to_contain_text("3.5")
    assert fits(page), "the hours page scrolls sideways at 375 px"

    page.get_by_role("link", name="开具志愿服务证明").click()
    expect(page.get_by_test_id("hours-preview")).to_contain_text("3.5")
    assert fits(page), "the certificate form scrolls sideways at 375 px"
    page.get_by_label("负责人").fill("李书记")
    page.get_by_label("联系方式").fill("0415-7123456")
    page.get_by_role("button", name="出具证明").click()

    certificate = VolunteerCertificate.objects.get(member=member)
    page.wait_for_url(f"{live_server.url}/servicelog/certificates/{certificate.pk}/")
    expect(page.get_by_test_id("certificate-number")).to_have_text(certificate.number)
    expect(page.get_by_text("ZY20260007").first).to_be_visible()
    assert fits(page), "the certificate scrolls sideways at 375 px"
    page.evaluate("() => { window.print = () => { window.__printed = true; }; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("() => window.__printed === true")
    page.emulate_media(media="print")
    expect(page.locator(".app-topbar")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()

    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}/servicelog/certificates/verify/?number={certificate.number}")
    expect(page.get_by_test_id("verify-result")).to_contain_text("真实有效")
    expect(page.get_by_text("张*")).to_be_visible()
    assert fits(page)
