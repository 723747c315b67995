"""The rows of the long lists, rendered in Python (xianfeng/core/rows.py): what a user reads
in each cell, masked personal data, escaping, and the empty-list message."""

import datetime

from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.models import ChangeLog
from xianfeng.members.pipeline import Stage, Step
from xianfeng.members.tests.factories import MemberFactory, PartyStepFactory
from xianfeng.regions.models import Region
from xianfeng.residents.models import Household, HouseholdTag, HouseholdTagKind, Resident


def row_of(html: str, text: str) -> str:
    """The table row (<tr>…</tr>) containing ``text``."""
    at = html.index(text)
    return html[html.rindex("<tr>", 0, at) : html.index("</tr>", at)]


def test_resident_rows_show_masked_data_labels_and_escaped_names(world, login):
    village = Region.objects.create(code="210681101001", name="东村", level="village")
    resident = Resident.objects.create(
        name="<b>张三</b>",
        gender="M",
        birth_date=datetime.date(1940, 5, 6),
        phone="13812345678",
        village=village,
    )
    html = login(world.admin).get(reverse("residents:list")).content.decode()
    row = row_of(html, "&lt;b&gt;张三&lt;/b&gt;")
    assert f'href="{reverse("residents:detail", args=[resident.pk])}"' in row
    for cell in ("<td>男</td>", "1940-05-06", "138****5678", "东村", "65岁以上", "无身份证号"):
        assert cell in row
    assert "13812345678" not in html and "<b>张三" not in html


def test_empty_lists_say_so(world, login):
    client = login(world.admin)
    assert "没有符合条件的居民" in client.get(reverse("residents:list")).content.decode()
    assert "没有符合条件的家庭户" in client.get(reverse("residents:household_list")).content.decode()


def test_household_rows_show_current_categories_only(world, login):
    village = Region.objects.create(code="210681101001", name="东村", level="village")
    household = Household.objects.create(number="H-7", village=village, address="东村 3 号")
    today = timezone.localdate()
    HouseholdTag.objects.create(household=household, tag=HouseholdTagKind.DIBAO, valid_from=today)
    HouseholdTag.objects.create(household=household, tag=HouseholdTagKind.TEKUN, valid_from=today, valid_to=today)
    row = row_of(login(world.admin).get(reverse("residents:household_list")).content.decode(), "H-7")
    assert "东村 3 号" in row and "低保户" in row and "特困户" not in row


def test_member_rows_show_labels_and_an_overdue_step_in_red(world, login):
    MemberFactory(
        name="李四",
        branch=world.branch_a,
        category="volunteer",
        volunteer_no="V-0042",
        party_stage=Stage.ACTIVIST,
        next_step=Step.CANDIDATE,
        next_due_on=datetime.date(2000, 1, 2),
    )
    row = row_of(login(world.admin).get(reverse("members:list")).content.decode(), "李四")
    for text in ("志愿者", "V-0042", "内科党支部", "入党积极分子", "确定为发展对象", "2000-01-02", "text-danger"):
        assert text in row


def test_change_log_rows_show_labels_and_old_and_new_values(world, login):
    world.branch_b.name = "外科<第二>党支部"
    world.branch_b.save()
    ChangeLog.objects.create(
        user=world.admin,
        action=ChangeLog.Action.UPDATE,
        model="orgs.Organization",
        object_id=str(world.branch_b.pk),
        object_repr="外科<第二>党支部",
        before={"name": "外科党支部"},
        after={"name": "外科<第二>党支部"},
    )
    html = login(world.admin).get(reverse("audit:changes")).content.decode()
    row = row_of(html, "<del>外科党支部</del>")
    assert "<td>修改</td>" in row and f"<td>{world.admin}</td>" in row
    assert "名称</span>：<del>外科党支部</del> → 外科&lt;第二&gt;党支部" in row


def test_worklist_rows_show_overdue_steps_with_the_days_late(world, login):
    member = MemberFactory(name="王五", branch=world.branch_a, party_stage=Stage.APPLICANT)
    PartyStepFactory(member=member, step=Step.APPLY, on_date=datetime.date(2023, 12, 1))
    client = login(world.admin)
    row = row_of(client.get(reverse("members:worklist")).content.decode(), "王五")
    assert "内科党支部" in row and "入党申请人" in row
    assert '<span class="badge text-bg-danger">已逾期 ' in row and " 天（应于 2024-" in row
    detail = client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert '<span class="badge text-bg-danger">已逾期 ' in detail  # the same wording on the profile
