"""A member's page shows that member's ChangeLog rows only, even where ids coincide across models."""

import datetime

from django.urls import reverse

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members import services
from xianfeng.members.models import PartyStep
from xianfeng.members.pipeline import Step
from xianfeng.members.tests.factories import PartyStepFactory


def _page(login, user, member) -> str:
    return login(user).get(reverse("members:detail", args=[member.pk])).content.decode()


def test_a_step_whose_id_equals_another_members_id_stays_on_its_own_members_page(world, login):
    jia = services.member_create(acting_user=world.owner, name="甲", branch=world.branch_a)
    yi = services.member_create(acting_user=world.owner, name="乙", branch=world.branch_a)
    assert not PartyStep.objects.filter(pk=jia.pk).exists()
    # 乙's step happens to carry the id of member 甲.
    step = PartyStepFactory(pk=jia.pk, member=yi, step=Step.APPLY, on_date=datetime.date(2023, 1, 10))
    changelog_write(
        actor=world.owner, action=ChangeLog.Action.CREATE, obj=step, after=snapshot(step), note="乙：递交入党申请书"
    )
    changelog_write(actor=world.owner, action=ChangeLog.Action.UPDATE, obj=jia, note="甲的资料修改")

    page_jia, page_yi = _page(login, world.owner, jia), _page(login, world.owner, yi)
    assert "甲的资料修改" in page_jia and "乙：递交入党申请书" not in page_jia
    assert "乙：递交入党申请书" in page_yi and "甲的资料修改" not in page_yi


def test_an_undone_step_stays_in_its_members_history(world, login):
    jia = services.member_create(acting_user=world.owner, name="甲", branch=world.branch_a)
    yi = services.member_create(acting_user=world.owner, name="乙", branch=world.branch_a)
    services.party_step_record(acting_user=world.owner, member=yi, step=Step.APPLY, on_date=datetime.date(2023, 1, 10))
    services.party_step_undo(acting_user=world.owner, member=yi, reason="日期录错")
    assert "日期录错" in _page(login, world.owner, yi)
    assert "日期录错" not in _page(login, world.owner, jia)
