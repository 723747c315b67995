"""Issue 10's judged scenario on a 375-px phone: a township doctor enrolls a patient (refused
until the informed consent is recorded), records an unstable home follow-up from the visit
form, comes back to the worklist with the next follow-up 2 weeks later, and sees it on the
patient's page with the follow-up in the history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs.models import Enrollment, Status
from xianfeng.residents.models import Consent
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, ResidentFactory, county_regions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Xianfeng-test-1"
PHONE = {"width": 375, "height": 740}


def test_a_doctor_enrolls_a_patient_and_records_an_unstable_follow_up(live_server, browser_context_factory, world):
    county_regions()
    doctor = user_with_grant(Role.DOCTOR, Scope.REGION, region_prefixes=TOWN_A, username="jingfang-test")
    MemberFactory(name="赵医生", branch=world.branch_a, user=doctor)
    patient = ResidentFactory(name="余军", village_id=VILLAGE_A, birth_date=datetime.date(1980, 5, 1))
    today = timezone.localdate()

    page = browser_context_factory(**PHONE).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("jingfang-test")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    # From the resident's page: 纳入项目 → 严重精神障碍患者管理, a diagnosis, 纳入.
    page.goto(live_server.url + reverse("residents:detail", args=[patient.pk]))
    page.get_by_role("link", name="纳入项目").click()
    page.get_by_text("严重精神障碍患者管理").first.click()
    page.get_by_text("精神分裂症（F20）").click()
    page.get_by_role("button", name="纳入").click()
    expect(page.get_by_text("须先登记本人或监护人的知情同意")).to_be_visible()  # refused, the input kept
    assert not Enrollment.objects.exists()

    Consent.objects.create(resident=patient, kind=Consent.Kind.FOLLOW_UP, on_date=today, recorded_by=doctor)
    page.get_by_role("button", name="纳入").click()
    expect(page.get_by_text("已纳入“严重精神障碍患者管理”")).to_be_visible()
    enrollment = Enrollment.objects.get()
    assert enrollment.responsible_member.name == "赵医生"  # the enrolling doctor, by default

    # The follow-up: 入户随访 is preselected, 见到本人 yes; risk level 3, regular medication, 不稳定.
    page.get_by_role("link", name="登记随访").first.click()
    page.get_by_text("3级", exact=False).first.click()
    page.get_by_text("规律", exact=True).click()
    page.get_by_text("不稳定", exact=True).click()
    page.get_by_role("button", name="保存").click()
    due = today + datetime.timedelta(days=14)
    expect(page.get_by_text(f"下次随访：{due:%Y-%m-%d}")).to_be_visible()

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.state, enrollment.next_due_on) == (Status.ACTIVE, "unstable", due)
    record = enrollment.visits.get().record
    assert record.service_type.code == "followup_home" and record.result["risk_level"] == "3"
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"{width[0]} px wide at {width[1]} px"

    page.goto(live_server.url + reverse("programs:enrollment_detail", args=[enrollment.pk]))
    expect(page.get_by_text("不稳定").first).to_be_visible()
    expect(page.get_by_text("危险性评估：3级").first).to_be_visible()
