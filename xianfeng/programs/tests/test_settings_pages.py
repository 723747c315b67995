"""The settings pages: every program's settings read by everyone and changed by an administrator
over 全部 (audited, recomputing due dates); the custom programs' list and editor."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.programs import custom, registry, services
from xianfeng.programs.models import CustomProgram, ProgramSetting
from xianfeng.programs.registry import add_months
from xianfeng.servicelog.models import ServiceType

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
URL = reverse("programs:settings")


@pytest.fixture(autouse=True)
def forget_custom_programs():
    yield
    for code in registry.registered_codes():
        if code.startswith(custom.PREFIX):
            registry.unregister(code)


def elderly_post(months) -> dict:
    return {
        "program": "elderly_check",
        "elderly_check-program": "elderly_check",
        "elderly_check-interval_months": months,
    }


def test_everyone_reads_the_settings_but_only_an_administrator_sees_the_form(world, login):
    page = login(world.owner).get(URL)  # 党办干事
    text = page.content.decode()
    assert page.status_code == 200
    assert "65岁及以上老年人健康管理" in text and "体检间隔（月）" in text and "防返贫监测" in text
    assert "修改设置" not in text
    assert "修改设置" in login(world.admin).get(URL).content.decode()


def test_an_administrator_changes_a_setting_audited_and_due_dates_follow(
    people, world, login, django_capture_on_commit_callbacks
):
    enrollment = services.enrollment_create(
        acting_user=people.volunteer, program="elderly_check", resident=people.resident, enrolled_on=TODAY - 50 * DAY
    )
    services.enrollment_record_visit(
        acting_user=people.volunteer, enrollment=enrollment, kind="check", visited_on=TODAY - 40 * DAY
    )
    client = login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, elderly_post(6), follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "已保存，正在重新计算 1 个在管对象的下次随访日期" in text
    assert ProgramSetting.objects.get(program="elderly_check", key="interval_months").value == 6
    enrollment.refresh_from_db()
    assert enrollment.next_due_on == add_months(TODAY - 40 * DAY, 6)
    # The history: who changed what from what to what.
    history = text.split("修改记录")[1]
    assert "体检间隔（月）" in history and str(world.admin) in history
    assert '<td data-label="修改前" class="small text-break">12</td>' in history


@pytest.mark.parametrize("months", ["0", "abc", "99"])
def test_a_bad_value_is_refused_on_the_form(world, login, months):
    response = login(world.admin).post(URL, elderly_post(months))
    assert response.status_code == 400
    assert not ProgramSetting.objects.exists()


def test_a_clerk_may_not_post_and_an_administrator_of_one_branch_gets_a_form_error(world, login):
    assert login(world.owner).post(URL, elderly_post(6)).status_code == 403
    branch_admin = user_with_grant(Role.ADMIN, Scope.ORG_SUBTREE, world.branch_a, username="branchadmin")
    response = login(branch_admin).post(URL, elderly_post(6))
    assert response.status_code == 400
    assert "只有“全部”范围的系统管理员" in response.content.decode()
    assert not ProgramSetting.objects.exists()


def custom_post(**overrides) -> dict:
    data = {
        "code": "pregnancy_mental",
        "name": "孕产妇心理随访",
        "eligible_tags": ["pregnant"],
        "interval_days": "14",
        "service_type": str(ServiceType.objects.get(code="home_nursing_edu").pk),
        "active": "on",
        "fields-TOTAL_FORMS": "3",
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "20",
        "fields-0-key": "mood",
        "fields-0-label": "情绪",
        "fields-0-kind": "choice",
        "fields-0-required": "on",
        "fields-0-choices": "ok=良好； low=低落",
        "fields-1-key": "epds",
        "fields-1-label": "EPDS 评分",
        "fields-1-kind": "integer",
        "fields-2-kind": "text",
    }
    data.update(overrides)
    return data


def test_an_administrator_creates_and_edits_a_custom_program(world, login):
    client = login(world.admin)
    assert client.get(reverse("programs:custom_new")).status_code == 200
    response = client.post(reverse("programs:custom_new"), custom_post())
    assert response.status_code == 302
    row = CustomProgram.objects.get()
    assert row.visit_fields[0] == {
        "key": "mood",
        "label": "情绪",
        "kind": "choice",
        "required": True,
        "choices": [["ok", "良好"], ["low", "低落"]],
    }
    assert [f["key"] for f in row.visit_fields] == ["mood", "epds"]
    listing = client.get(reverse("programs:custom_list")).content.decode()
    assert "孕产妇心理随访" in listing and "孕产妇" in listing and "14 天" in listing

    edit = reverse("programs:custom_edit", args=[row.pk])
    form = client.get(edit).content.decode()
    assert "ok=良好; low=低落" in form
    data = custom_post(interval_days="21", **{"fields-INITIAL_FORMS": "2", "fields-1-DELETE": "on"})
    assert client.post(edit, data).status_code == 302
    row.refresh_from_db()
    assert row.interval_days == 21 and [f["key"] for f in row.visit_fields] == ["mood"]
    assert registry.get_program("custom_pregnancy_mental").interval_days == 21


def test_a_bad_field_definition_is_shown_with_the_item_at_fault(world, login):
    response = login(world.admin).post(reverse("programs:custom_new"), custom_post(**{"fields-0-choices": ""}))
    assert response.status_code == 400
    assert "第 1 项" in response.content.decode() and "请填写选项" in response.content.decode()
    assert not CustomProgram.objects.exists()


def test_non_administrators_read_custom_programs_and_may_not_edit_them(world, login):
    admin = login(world.admin)
    admin.post(reverse("programs:custom_new"), custom_post())
    row = CustomProgram.objects.get()
    clerk = login(world.owner)
    listing = clerk.get(reverse("programs:custom_list"))
    assert listing.status_code == 200 and "孕产妇心理随访" in listing.content.decode()
    assert "编辑" not in listing.content.decode().split("自定义随访项目</h1>")[1].split("</table>")[0]
    assert clerk.get(reverse("programs:custom_new")).status_code == 403
    assert clerk.post(reverse("programs:custom_new"), custom_post(code="other", name="别的")).status_code == 403
    assert clerk.get(reverse("programs:custom_edit", args=[row.pk])).status_code == 403
    assert CustomProgram.objects.count() == 1
