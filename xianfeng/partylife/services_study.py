"""Writes of study (issue 13 §2; DESIGN.md §4.1): the items an organization pushes to its members
(微课堂 lessons, documents…) and each member's completion with hours.

- Items: "partylife.change" over the item's organization; corrected while live, voided with a
  reason (a voided item leaves every count; its completions stay in the audit).
- Completion: a member marks their own item done ("study.change", own only for 党员); a branch
  secretary or 党办 records it for a member of their branch. Hours are at most twice the item's;
  completing twice is refused. ``study_uncomplete`` takes a completion back by the same rules
  (the ChangeLog keeps what it was).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.selectors import own_member
from xianfeng.servicelog.voiding import void

from .models import StudyCompletion, StudyItem

ITEM_EDITABLE = {"org", "kind", "title", "body", "link", "published_on", "due_on", "hours"}
MAX_ITEM_HOURS = Decimal("99.9")  # a lesson, a document, a book: never a hundred hours at once
NOTE_MAX = 500


@dataclass
class Completed:
    completion: StudyCompletion
    created: bool  # False: the same completion was asked for again with an idempotency key


def _hours(value, field: str = "hours") -> Decimal:
    """A number of hours with at most one decimal (huge or malformed values are a field error)."""
    try:
        hours = Decimal(str(value).strip())
        if not hours.is_finite() or abs(hours) > 1000:
            raise ValidationError({field: _("学时不能超过 %(n)s") % {"n": MAX_ITEM_HOURS}})
        if hours.as_tuple().exponent < -1 and hours != hours.quantize(Decimal("0.1")):
            raise ValidationError({field: _("学时最多一位小数")})
        return hours.quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("请填写学时（数字，最多一位小数）")}) from None


def _check_org(acting_user, org) -> None:
    if org is None:
        raise ValidationError({"org": _("请选择推送组织")})
    if not scoped(acting_user, Organization, VIEW).filter(pk=org.pk).exists():
        raise ValidationError({"org": _("未找到该组织（或不在您的权限范围内）")})


def _check_item(item: StudyItem) -> None:
    item.title = (item.title or "").strip()
    item.body = (item.body or "").strip()
    if item.hours is None or item.hours <= 0:
        raise ValidationError({"hours": _("学时须大于 0")})
    if item.hours > MAX_ITEM_HOURS:
        raise ValidationError({"hours": _("学时不能超过 %(n)s") % {"n": MAX_ITEM_HOURS}})
    if item.due_on is not None and item.published_on is not None and item.due_on < item.published_on:
        raise ValidationError({"due_on": _("完成期限不能早于推送日期")})
    item.full_clean(exclude=["org", "created_by", "voided_by"])


def _item_snapshot(item: StudyItem) -> dict:
    return snapshot(item)


@transaction.atomic
def study_item_create(
    *,
    acting_user,
    org: Organization,
    title: str,
    published_on: datetime.date | None = None,
    kind: str = StudyItem.Kind.LESSON,
    body: str = "",
    link: str = "",
    due_on: datetime.date | None = None,
    hours=Decimal("1.0"),
) -> StudyItem:
    """Push a study item to every member of ``org`` and the organizations below it."""
    _check_org(acting_user, org)
    item = StudyItem(
        org=org,
        kind=kind,
        title=title,
        body=body,
        link=link,
        published_on=published_on or timezone.localdate(),
        due_on=due_on,
        hours=_hours(hours),
        created_by=acting_user,
    )
    _check_item(item)
    item.save()
    ensure_in_scope(acting_user, item, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=item, after=_item_snapshot(item))
    return item


def _locked_item(acting_user, item: StudyItem) -> StudyItem:
    item = StudyItem.objects.select_for_update().get(pk=item.pk)
    ensure_in_scope(acting_user, item, CHANGE)
    return item


@transaction.atomic
def study_item_update(*, acting_user, item: StudyItem, **changes) -> StudyItem:
    """Correct a live item; the ChangeLog keeps what it was. Its organization stays once members
    have completed it (their records would otherwise answer to another organization)."""
    unknown = set(changes) - ITEM_EDITABLE
    if unknown:
        raise TypeError(f"study_item_update cannot change {sorted(unknown)}")
    item = _locked_item(acting_user, item)
    if item.is_voided:
        raise ValidationError(_("该学习内容已作废，不能修改"))
    before = _item_snapshot(item)
    if "org" in changes and changes["org"] != item.org:
        _check_org(acting_user, changes["org"])
        if item.completions.exists():
            raise ValidationError({"org": _("已有党员完成该学习，不能更改推送组织")})
    if "hours" in changes:
        changes["hours"] = _hours(changes["hours"])
    for field, value in changes.items():
        setattr(item, field, value)
    _check_item(item)
    item.save()
    ensure_in_scope(acting_user, item, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=item, before=before, after=_item_snapshot(item)
    )
    return item


@transaction.atomic
def study_item_void(*, acting_user, item: StudyItem, reason: str) -> StudyItem:
    """Take an item pushed by mistake out of every count, with a reason."""
    return void(
        acting_user=acting_user,
        obj=item,
        reason=reason,
        snapshot=_item_snapshot,
        already=_("该学习内容已于 %(t)s 作废"),
        uncount=lambda obj: None,
    )


# --- completions -----------------------------------------------------------------------------


def is_pushed_to(item: StudyItem, member: Member) -> bool:
    """An item reaches every member of its organization and the organizations below it."""
    return member.branch.path.startswith(item.org.path)


def _completion_snapshot(completion: StudyCompletion) -> dict:
    return snapshot(completion)


@transaction.atomic
def study_complete(
    *,
    acting_user,
    item: StudyItem,
    member: Member | None = None,
    hours=None,
    note: str = "",
    completed_on: datetime.date | None = None,
    idempotency_key: str = "",
) -> Completed:
    """Mark ``item`` studied by ``member`` (default: the user's own member) with the hours spent
    (default: the item's; at most twice the item's) and a short note.

    A member marks only their own study; a secretary records it for a member of their branch
    (PermissionDenied otherwise, nothing saved). Completing twice is a ValidationError; with an
    ``idempotency_key`` (an offline outbox retrying) the completion already saved is returned."""
    item = StudyItem.objects.select_related("org").get(pk=item.pk)
    if not scoped(acting_user, StudyItem, VIEW).filter(pk=item.pk).exists():
        raise ValidationError({"item": _("未找到该学习内容（或不在您的权限范围内）")})
    if item.is_voided:
        raise ValidationError({"item": _("该学习内容已作废")})
    if member is None:
        member = own_member(acting_user)
        if member is None:
            raise ValidationError({"member": _("您的账号未关联党员信息，请选择学习人员")})
    member = Member.objects.select_related("branch").get(pk=member.pk)
    if not is_pushed_to(item, member):
        raise ValidationError({"member": _("该学习内容未推送给 %(m)s 所在的组织") % {"m": member.name}})
    earlier = StudyCompletion.objects.filter(item=item, member=member).first()
    if earlier is not None:
        if (idempotency_key or "").strip():
            ensure_in_scope(acting_user, earlier, VIEW)
            return Completed(earlier, False)
        raise ValidationError(
            _("%(m)s 已于 %(d)s 完成“%(t)s”，不能重复登记")
            % {"m": member.name, "d": f"{earlier.completed_on:%Y-%m-%d}", "t": item.title}
        )
    today = timezone.localdate()
    completed_on = completed_on or today
    if completed_on > today:
        raise ValidationError({"completed_on": _("完成日期不能晚于今天")})
    if completed_on < item.published_on:
        raise ValidationError({"completed_on": _("完成日期不能早于推送日期 %(d)s") % {"d": item.published_on}})
    hours = item.hours if hours in (None, "") else _hours(hours)
    if hours <= 0:
        raise ValidationError({"hours": _("学时须大于 0")})
    if hours > item.hours * 2:
        raise ValidationError({"hours": _("学时不能超过该学习内容学时的两倍（%(n)s 学时）") % {"n": item.hours * 2}})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("心得最长 500 个字")})
    completion = StudyCompletion(item=item, member=member, completed_on=completed_on, hours=hours, note=note)
    completion.full_clean(exclude=["item", "member"], validate_constraints=False)
    completion.save()
    ensure_in_scope(acting_user, completion, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.CREATE, obj=completion, after=_completion_snapshot(completion)
    )
    return Completed(completion, True)


@transaction.atomic
def study_uncomplete(*, acting_user, completion: StudyCompletion, reason: str = "") -> None:
    """Take back a completion marked by mistake (the member's own, or by their secretary)."""
    try:
        completion = (
            StudyCompletion.objects.select_for_update(of=("self",))
            .select_related("member__branch")
            .get(pk=completion.pk)
        )
    except StudyCompletion.DoesNotExist:
        raise ValidationError(_("该学习记录已撤销")) from None
    ensure_in_scope(acting_user, completion, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.DELETE,
        obj=completion,
        before=_completion_snapshot(completion),
        note=(reason or "").strip()[:200],
    )
    completion.delete()
