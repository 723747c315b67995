"""Writes to members and their party steps. Every function re-checks scope inside its transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import personal_id_number_check
from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core.idnumber import IdNumberError, parse_id_number
from xianfeng.core.text import normalize_name, pinyin_initials
from xianfeng.orgs.models import Organization

from . import pipeline
from .identity import PhoneError, birth_date_error, parse_phone, volunteer_number, volunteer_sequence
from .models import Member, MemberTransfer, PartyStep, split_names

EDITABLE = {
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "title",
    "department",
    "category",
    "volunteer_no",
    "photo",
    "note",
    "user",
}


def member_search_fields(member: Member) -> None:
    member.name_norm = normalize_name(member.name)[:50]
    member.name_initials = pinyin_initials(member.name)[:30]


def member_clean_identity(member: Member) -> None:
    """Normalize ID number and phone; fill or cross-check birth date and gender from the ID."""
    errors = {}
    typed_date_error = birth_date_error(member.birth_date)  # with or without an ID number
    if typed_date_error:
        errors["birth_date"] = typed_date_error
    if member.id_number:
        try:
            parsed = parse_id_number(member.id_number)
        except IdNumberError as exc:
            errors["id_number"] = str(exc)
        else:
            member.id_number = parsed.value
            if birth_date_error(parsed.birth_date, from_id=True):
                errors["id_number"] = birth_date_error(parsed.birth_date, from_id=True)
            elif member.birth_date and not typed_date_error and member.birth_date != parsed.birth_date:
                errors["birth_date"] = _("与身份证号中的出生日期 %(d)s 不一致") % {"d": parsed.birth_date}
            if member.gender and member.gender != parsed.gender:
                errors["gender"] = _("与身份证号显示的性别不一致")
            member.birth_date = member.birth_date or parsed.birth_date
            member.gender = member.gender or parsed.gender
    if member.phone:
        try:
            member.phone = parse_phone(member.phone)
        except PhoneError as exc:
            errors["phone"] = str(exc)
    if errors:
        raise ValidationError(errors)
    # Computed now (not only at save) so that full_clean() sees duplicates of the ID number.
    for name in ("id_number_index", "phone_index"):
        field = Member._meta.get_field(name)
        setattr(member, name, field.compute(getattr(member, field.source)))


def next_volunteer_number(year: int | None = None) -> str:
    year = year or timezone.localdate().year
    prefix = volunteer_number(year, 0)[:-6]
    last = Member.objects.filter(volunteer_no__startswith=prefix).aggregate(m=Max("volunteer_no"))["m"]
    sequence = (volunteer_sequence(last, year) or 0) if last else 0
    return volunteer_number(year, sequence + 1)


def _check_branch(branch: Organization) -> None:
    if branch is None:
        raise ValidationError({"branch": _("请选择所属支部/组织")})
    if not branch.is_active:
        raise ValidationError({"branch": _("“%(name)s”已撤销，不能再登记人员") % {"name": branch.name}})


def _snapshot(member: Member) -> dict:
    data = snapshot(member, exclude=("name_norm", "name_initials", "id_number_index", "phone_index", "photo"))
    data["photo"] = member.photo.name or ""
    return data


def check_id_available(*, acting_user, id_number: str | None, exclude_pk=None) -> None:
    """Refuse an ID number already registered (see accounts.personal.personal_id_number_check)."""
    personal_id_number_check(
        acting_user=acting_user,
        model=Member,
        id_number=id_number,
        exclude_pk=exclude_pk,
        taken_message=_("该身份证号已登记为其他人员"),
    )


def member_create(*, acting_user, name: str, branch: Organization, **fields) -> Member:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"member_create got unknown fields {sorted(unknown)}")
    check_id_available(acting_user=acting_user, id_number=fields.get("id_number"))
    return _member_create(acting_user=acting_user, name=name, branch=branch, **fields)


@transaction.atomic
def _member_create(*, acting_user, name: str, branch: Organization, **fields) -> Member:
    _check_branch(branch)
    member = Member(name=name.strip(), branch=branch, created_by=acting_user, **fields)
    member_search_fields(member)
    member_clean_identity(member)
    if member.category == Member.Category.VOLUNTEER and not member.volunteer_no:
        member.volunteer_no = next_volunteer_number()
    member.full_clean()
    member.save()
    ensure_in_scope(acting_user, member, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=member, after=_snapshot(member))
    return member


def member_update(*, acting_user, member: Member, **changes) -> Member:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"member_update cannot change {sorted(unknown)}; use member_transfer or party_step_record")
    if changes.get("id_number"):
        ensure_in_scope(acting_user, member, CHANGE)
        check_id_available(acting_user=acting_user, id_number=changes["id_number"], exclude_pk=member.pk)
    return _member_update(acting_user=acting_user, member=member, **changes)


@transaction.atomic
def _member_update(*, acting_user, member: Member, **changes) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    ensure_in_scope(acting_user, member, CHANGE)
    before = _snapshot(member)
    for field, value in changes.items():
        if field == "photo" and not value:
            continue  # an empty upload keeps the photo
        setattr(member, field, value.strip() if isinstance(value, str) and field != "note" else value)
    if "id_number" in changes and "birth_date" not in changes:
        if member.id_number:  # the new number decides birth date and gender
            member.birth_date = None
            member.gender = changes.get("gender", "")
    member_search_fields(member)
    member_clean_identity(member)
    if member.category == Member.Category.VOLUNTEER and not member.volunteer_no:
        member.volunteer_no = next_volunteer_number()
    member.full_clean()
    member.save()
    ensure_in_scope(acting_user, member, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=member, before=before, after=_snapshot(member)
    )
    return member


@transaction.atomic
def member_transfer(
    *, acting_user, member: Member, to_branch: Organization, on_date: datetime.date, note: str = ""
) -> MemberTransfer:
    """Move a member to another branch; the steps and team history stay with the member."""
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    ensure_in_scope(acting_user, member, CHANGE)
    _check_branch(to_branch)
    if to_branch.pk == member.branch_id:
        raise ValidationError({"to_branch": _("转入组织与当前组织相同")})
    last = member.transfers.order_by("-on_date").first()
    if last is not None and on_date < last.on_date:
        raise ValidationError({"on_date": _("转接日期不能早于上一次转接（%(d)s）") % {"d": last.on_date}})
    if on_date > timezone.localdate():
        raise ValidationError({"on_date": _("转接日期不能晚于今天")})
    before = _snapshot(member)
    transfer = MemberTransfer(member=member, from_branch=member.branch, to_branch=to_branch, on_date=on_date, note=note)
    transfer.full_clean()
    transfer.save()
    member.branch = to_branch
    member.save(update_fields=["branch", "updated_at"])
    # Re-checked after the write: the acting user must be able to manage the receiving branch.
    ensure_in_scope(acting_user, member, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.MOVE,
        obj=member,
        before=before,
        after=_snapshot(member),
        note=_("组织关系由 %(a)s 转至 %(b)s") % {"a": transfer.from_branch, "b": to_branch},
    )
    return transfer


def events_of(steps) -> list[pipeline.Event]:
    return [
        pipeline.Event(
            step=s.step,
            on_date=s.on_date,
            introducers=tuple(split_names(s.introducers)),
            extension_months=s.extension_months,
        )
        for s in steps
    ]


def member_apply_pipeline(member: Member, events: list[pipeline.Event]) -> None:
    """Set the denormalized stage and next due item (the worklist is a query on them)."""
    member.party_stage = pipeline.stage_of(events)
    due = pipeline.next_due(events)
    member.next_step = due.step if due else ""
    member.next_due_on = (due.due_on or due.earliest_on) if due else None


def _raise(exc: pipeline.PipelineError):
    raise ValidationError({k or "__all__": v for k, v in exc.errors.items()})


@transaction.atomic
def party_step_record(
    *,
    acting_user,
    member: Member,
    step: str,
    on_date: datetime.date,
    introducers: str = "",
    extension_months: int | None = None,
    note: str = "",
) -> PartyStep:
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    ensure_in_scope(acting_user, member, CHANGE)
    history = events_of(member.party_steps.all())
    names = split_names(introducers)
    new = pipeline.Event(step=step, on_date=on_date, introducers=tuple(names), extension_months=extension_months)
    try:
        pipeline.check_step(history, new, today=timezone.localdate(), birth_date=member.birth_date)
    except pipeline.PipelineError as exc:
        _raise(exc)
    record = PartyStep(
        member=member,
        step=step,
        on_date=on_date,
        branch=member.branch,
        introducers="、".join(names),
        extension_months=extension_months if step == pipeline.Step.EXTEND else None,
        note=note.strip(),
        created_by=acting_user,
    )
    record.full_clean()
    record.save()
    member_apply_pipeline(member, [*history, new])
    member.save(update_fields=["party_stage", "next_step", "next_due_on", "updated_at"])
    ensure_in_scope(acting_user, member, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=record,
        after=snapshot(record),
        note=f"{member.name}：{record.get_step_display()} {on_date}",
    )
    return record


@transaction.atomic
def party_step_undo(*, acting_user, member: Member, reason: str) -> PartyStep:
    """Remove the latest step recorded by mistake (kept in the audit log with the reason)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    ensure_in_scope(acting_user, member, CHANGE)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤回原因")})
    last = member.party_steps.order_by("-on_date", "-id").first()
    if last is None:
        raise ValidationError(_("没有可撤回的环节"))
    before = snapshot(last)
    last_pk = last.pk
    last.delete()
    last.pk = last_pk
    member_apply_pipeline(member, events_of(member.party_steps.all()))
    member.save(update_fields=["party_stage", "next_step", "next_due_on", "updated_at"])
    changelog_write(actor=acting_user, action=ChangeLog.Action.DELETE, obj=last, before=before, note=reason)
    return last
