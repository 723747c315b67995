"""The demo study, honours and outputs (xianfeng/demo/seed_partylife_study.py) tell the story the
issue asks for — weekly lessons studied by most, the demo member with one lesson overdue, the
honours and the magazine's issues — and a second run changes nothing."""

import pytest
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import OrganizationFactory, user_with_grant
from xianfeng.demo.seed_partylife_study import BRANCH, CLINICAL, COMMITTEE, seed_partylife_study
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.orgs.models import Organization
from xianfeng.partylife import selectors_study
from xianfeng.partylife.models import Honour, Output, StudyCompletion, StudyItem


@pytest.fixture
def demo(db):
    admin = user_with_grant(Role.ADMIN, Scope.ALL, username="admin")
    committee = OrganizationFactory(name=COMMITTEE, kind=Organization.Kind.COMMITTEE)
    clinical = OrganizationFactory(name=CLINICAL, kind=Organization.Kind.GENERAL_BRANCH, parent=committee)
    branch = OrganizationFactory(name=BRANCH, parent=clinical)
    surgery = OrganizationFactory(name="外科党支部", parent=clinical)
    psychiatry = OrganizationFactory(name="精神科党支部", parent=clinical)
    for n in range(8):
        MemberFactory(name=f"内科党员{n}", branch=branch, party_stage=Stage.FULL)
    MemberFactory(name="外科党员", branch=surgery, party_stage=Stage.FULL)
    user = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, branch, username="dangyuan")
    MemberFactory(name="张志愿", branch=branch, user=user, party_stage=Stage.FULL)
    orgs = {o.name: o for o in (committee, clinical, branch, surgery, psychiatry)}
    return admin, orgs, user


def test_the_year_of_study_and_the_wall_of_honours(demo):
    admin, orgs, dangyuan = demo
    seed_partylife_study(admin, orgs)
    today = timezone.localdate()
    lessons = StudyItem.objects.filter(org=orgs[COMMITTEE], kind=StudyItem.Kind.LESSON)
    assert lessons.count() == 12 and all(i.published_on.year == today.year for i in lessons)
    assert StudyItem.objects.filter(org=orgs[BRANCH], kind=StudyItem.Kind.DOCUMENT).count() == 2
    mine = selectors_study.my_items(dangyuan)
    assert len(mine) == 14
    assert sum(1 for r in mine if r.overdue) == 1  # one lesson past its due date, not studied
    assert sum(1 for r in mine if r.completion) >= 3
    record = selectors_study.study_record(admin, orgs[BRANCH], today.year)
    assert record.total_expected == 9 * 14 and record.total_done > record.total_expected / 2
    assert StudyCompletion.objects.filter(member__name="外科党员").exists()
    honours = Honour.objects.all()
    assert honours.filter(org=orgs[BRANCH], member__isnull=True, title="先进基层党组织", level="city").exists()
    assert honours.filter(title="优秀共产党员", level="institution", member__branch=orgs[BRANCH]).count() == 2
    magazine = Output.objects.filter(kind=Output.Kind.MAGAZINE).order_by("issue_no")
    assert [o.issue_no for o in magazine] == ["101", "102", "103"]
    counts = (StudyItem.objects.count(), StudyCompletion.objects.count(), honours.count(), Output.objects.count())
    seed_partylife_study(admin, orgs)  # idempotent
    assert counts == (
        StudyItem.objects.count(),
        StudyCompletion.objects.count(),
        Honour.objects.count(),
        Output.objects.count(),
    )
