"""Objects of the partylife areas for the generated access matrix (xianfeng/core/tests/access.py).

Five areas (access_expectations.md 表七):

* ``partylife``: a meeting (三会一课), its attendance and its attachments, an honour, an output, each of the
  relation's organization. They belong to an organization, never to a place or a person: none in
  IN_REGION or OWN.
* ``partylifepushed``: a compliance rule and a study item of the relation's organization; an
  organization grant also reads them when they belong to an organization above it (表三): the
  ELSEWHERE organization is the committee above the grant's branch.
* ``study``, ``dues``: a member's study record, dues rate and dues payment, of a member of the
  relation's organization (their branch). OWN: the user under test's own member, whose branch is
  an organization nobody is granted (表三: the owner reaches them; a volunteer reaches nothing
  else, 仅限本人).
* ``funds``: a budget and an expense of the relation's organization.

Each object has a person or a name of its own (the relation's label and a serial), which is its
marker. Written directly with the models, without services (no bracket checks, no quorum, no
budget flag): the matrix needs objects where no user may put them.
"""

import datetime
import io
import itertools
import secrets
from decimal import Decimal

from django.utils import timezone

from xianfeng.core.filecrypt import store_encrypted
from xianfeng.core.tests.access import IN_REGION, LABELS, OWN, object_maker
from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.partylife.models import (
    Attendance,
    ComplianceRule,
    DuesCategory,
    DuesPayment,
    DuesRate,
    ExpenseCategory,
    FundBudget,
    FundExpense,
    Honour,
    HonourLevel,
    Meeting,
    MeetingFile,
    MeetingKind,
    Output,
    Period,
    StudyCompletion,
    StudyItem,
)

_numbers = itertools.count(1)
# One budget per organization and year: each budget gets a year of its own (a test makes few).
_years = itertools.cycle(range(2040, 3000))


def _org(world, relation):
    """The relation's organization, or None where an org-owned row has no place (a region, an owner)."""
    if relation in (IN_REGION, OWN):
        return None
    return world.orgs[relation]


def member_of(world, relation, user, kind: str) -> Member | None:
    """A party member whose branch is the relation's organization; OWN: the user under test's own
    member (one per user), whose branch nobody is granted. None where a member has no place."""
    if relation == IN_REGION or (relation == OWN and user is None):
        return None
    if relation == OWN:
        own = Member.objects.filter(user=user).first()
        if own is not None:
            return own
    return MemberFactory(
        name=f"{LABELS[relation]}{kind}{next(_numbers)}",
        branch=world.orgs[relation],
        user=user if relation == OWN else None,
        party_stage=Stage.FULL,
    )


def _scan(field_file, kind: str) -> None:
    """A small scan stored encrypted, as the upload forms store it (so downloads answer)."""
    store_encrypted(field_file, f"matrix-{kind}-{secrets.token_hex(4)}.pdf", io.BytesIO(b"%PDF-1.4 matrix"))


def _month(offset: int = 0) -> datetime.date:
    first = timezone.localdate().replace(day=1)
    for _ in range(offset):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first


# --- partylife: meetings, attendance, honours, outputs -------------------------------------


def _meeting(org, relation, title_kind: str) -> Meeting:
    return Meeting.objects.create(
        org=org,
        kind=MeetingKind.GROUP,
        title=f"{LABELS[relation]}{title_kind}{next(_numbers)}",
        held_on=timezone.localdate() - datetime.timedelta(days=3),
        place="党员活动室",
        topics="学习贯彻上级精神",
        expected_count=4,
        present_count=3,
    )


@object_maker(Meeting, marker=lambda meeting: meeting.title)
def meeting(world, relation, user):
    org = _org(world, relation)
    return None if org is None else _meeting(org, relation, "党小组会")


@object_maker(Attendance, marker=lambda attendance: attendance.member.name)
def attendance(world, relation, user):
    org = _org(world, relation)
    if org is None:
        return None
    held = _meeting(org, relation, "出席所在会议")
    return Attendance.objects.create(
        meeting=held, member=member_of(world, relation, None, "出席人"), status=Attendance.Status.PRESENT
    )


@object_maker(MeetingFile, marker=lambda item: item.caption)
def meeting_file(world, relation, user):
    org = _org(world, relation)
    if org is None:
        return None
    n = next(_numbers)
    row = MeetingFile(
        meeting=_meeting(org, relation, "附件所在会议"),
        original_name=f"minutes{n}.pdf",
        content_type="application/pdf",
        caption=f"{LABELS[relation]}会议附件{n}",
    )
    _scan(row.file, "minutes")
    row.size = row.file.size
    row.save()
    return row


@object_maker(Honour, marker=lambda honour: honour.title)
def honour(world, relation, user):
    org = _org(world, relation)
    if org is None:
        return None
    row = Honour(
        org=org,
        title=f"{LABELS[relation]}先进基层党组织{next(_numbers)}",
        level=HonourLevel.CITY,
        issuer="市委组织部",
        awarded_on=timezone.localdate() - datetime.timedelta(days=30),
        certificate_name="证书.pdf",
    )
    _scan(row.certificate, "certificate")
    row.save()
    return row


@object_maker(Output, marker=lambda output: output.title)
def output(world, relation, user):
    org = _org(world, relation)
    if org is None:
        return None
    n = next(_numbers)
    return Output.objects.create(
        org=org,
        kind=Output.Kind.MAGAZINE,
        title=f"{LABELS[relation]}院刊{n}",
        issue_no=f"第{n}期",
        published_on=timezone.localdate() - datetime.timedelta(days=10),
    )


# --- partylifepushed: rules and study items (read below their organization) ----------------


@object_maker(ComplianceRule, marker=lambda rule: rule.note)
def compliance_rule(world, relation, user):
    org = _org(world, relation)
    if org is None:
        return None
    return ComplianceRule.objects.create(
        org=org,
        kind=MeetingKind.LECTURE,
        period=Period.MONTH,
        min_count=1,
        start_on=datetime.date(2020, 1, 1),
        note=f"{LABELS[relation]}规则依据{next(_numbers)}",
    )


def _study_item(org, relation, kind: str = "微课堂") -> StudyItem:
    return StudyItem.objects.create(
        org=org,
        title=f"{LABELS[relation]}{kind}{next(_numbers)}",
        body="学习党章第一章",
        published_on=timezone.localdate() - datetime.timedelta(days=7),
        due_on=timezone.localdate() + datetime.timedelta(days=7),
        hours=Decimal("1.0"),
    )


@object_maker(StudyItem, marker=lambda item: item.title)
def study_item(world, relation, user):
    org = _org(world, relation)
    return None if org is None else _study_item(org, relation)


# --- study, dues: a member's own rows --------------------------------------------------------


@object_maker(StudyCompletion, marker=lambda completion: completion.member.name)
def study_completion(world, relation, user):
    member = member_of(world, relation, user, "学习者")
    if member is None:
        return None
    item = _study_item(member.branch, relation, "学习所在课")
    return StudyCompletion.objects.create(
        item=item, member=member, completed_on=timezone.localdate(), hours=Decimal("1.0"), note="有收获"
    )


@object_maker(DuesRate, marker=lambda rate: rate.member.name)
def dues_rate(world, relation, user):
    member = member_of(world, relation, user, "党费标准人")
    if member is None:
        return None
    # One rate per member and month: the user's own member may get several, one month back each.
    return DuesRate.objects.create(
        member=member,
        start_month=_month(DuesRate.objects.filter(member=member).count()),
        category=DuesCategory.IN_SERVICE,
        monthly_base=Decimal("4000"),
        rate=Decimal("0.01"),
        amount=Decimal("40.00"),
    )


@object_maker(DuesPayment, marker=lambda payment: payment.member.name)
def dues_payment(world, relation, user):
    member = member_of(world, relation, user, "交党费人")
    if member is None:
        return None
    month = _month(DuesPayment.objects.filter(member=member).count())
    return DuesPayment.objects.create(
        member=member,
        month=month,
        amount=Decimal("40.00"),
        paid_on=timezone.localdate(),
        method=DuesPayment.Method.TRANSFER,
        receipt_no=f"DUES-{next(_numbers)}",
    )


# --- funds ------------------------------------------------------------------------------------


@object_maker(FundBudget, marker=lambda budget: budget.note)
def fund_budget(world, relation, user):
    org = _org(world, relation)
    if org is None:
        return None
    return FundBudget.objects.create(
        org=org, year=next(_years), amount=Decimal("60000"), note=f"{LABELS[relation]}经费预算{next(_numbers)}"
    )


@object_maker(FundExpense, marker=lambda expense: expense.description)
def fund_expense(world, relation, user):
    org = _org(world, relation)
    if org is None:
        return None
    row = FundExpense(
        org=org,
        spent_on=timezone.localdate() - datetime.timedelta(days=2),
        category=ExpenseCategory.STUDY,
        amount=Decimal("1200"),
        description=f"{LABELS[relation]}经费支出{next(_numbers)}",
        receipt_no=f"FUND-{next(_numbers)}",
        receipt_name="票据.pdf",
    )
    _scan(row.receipt, "receipt")
    row.save()
    return row
