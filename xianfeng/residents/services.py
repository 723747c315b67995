"""Writes to the registry. Every function checks scope inside its transaction and logs the change.

Duplicate merges live in services_merge.py; bulk import writes in services_import.py.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import not_here_message, personal_id_number_check
from xianfeng.accounts.roles import HEALTH
from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core.idnumber import IdNumberError, parse_id_number
from xianfeng.core.text import normalize_name, pinyin_initials
from xianfeng.regions.models import Region

from . import rules
from .models import HEALTH_TAGS, Consent, Household, HouseholdTag, Relation, Resident, ResidentTag, ResidentTagKind
from .validators import validate_phone

RESIDENT_FIELDS = {
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "village",
    "address",
    "household",
    "relation",
    "deceased_on",
    "note",
}
HOUSEHOLD_FIELDS = {"number", "village", "address", "phone"}
_SNAPSHOT_EXCLUDE = ("name_norm", "name_initials")


def check_identity(
    id_number: str, birth_date: datetime.date | None, gender: str, *, today: datetime.date | None = None
) -> tuple[str, datetime.date | None, str, dict]:
    """Validate an ID number and cross-check it with the birth date and gender entered.

    Returns (18-character ID or "", birth date, gender, errors by field). Birth date and
    gender are derived from the ID when they were left empty. ``today``: the interface's day
    (timezone.localdate()), passed by imports that compute it once per file.
    """
    errors: dict[str, str] = {}
    if today is None:
        today = timezone.localdate()
    typed_date_error = rules.birth_date_error(birth_date, today=today)  # with or without an ID number
    if typed_date_error:
        errors["birth_date"] = typed_date_error
    if not id_number:
        return "", birth_date, gender, errors
    try:
        parsed = parse_id_number(id_number)
    except IdNumberError as exc:
        return id_number, birth_date, gender, {**errors, "id_number": str(exc)}
    id_date_error = rules.birth_date_error(parsed.birth_date, from_id=True, today=today)
    if id_date_error:
        return id_number, birth_date, gender, {**errors, "id_number": id_date_error}
    if birth_date and not typed_date_error and birth_date != parsed.birth_date:
        errors["birth_date"] = _("出生日期 %(a)s 与身份证号中的 %(b)s 不一致") % {
            "a": birth_date.isoformat(),
            "b": parsed.birth_date.isoformat(),
        }
    if gender and gender != parsed.gender:
        errors["gender"] = _("性别与身份证号（第17位）不一致，身份证号显示为%(g)s") % {
            "g": _("男") if parsed.gender == "M" else _("女")
        }
    return parsed.value, birth_date or parsed.birth_date, gender or parsed.gender, errors


def check_village(village: Region | None) -> None:
    if village is not None and (village.level != Region.Level.VILLAGE or len(village.code) != 12):
        raise ValidationError({"village": _("“%(n)s”不是村/社区（应为12位区划代码）") % {"n": village}})


def _prepare(resident: Resident) -> None:
    """Normalize, derive and index before full_clean (the unique constraint reads the index)."""
    errors: dict[str, str] = {}
    resident.name = " ".join((resident.name or "").split())
    resident.id_number, resident.birth_date, resident.gender, errors = check_identity(
        resident.id_number or "", resident.birth_date, resident.gender or ""
    )
    try:
        resident.phone = validate_phone(resident.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if resident.deceased_on and resident.birth_date and resident.deceased_on < resident.birth_date:
        errors["deceased_on"] = _("死亡日期不能早于出生日期")
    index = Resident._meta.get_field("id_number_index").compute(resident.id_number)
    if index and "id_number" not in errors:
        # check_id_available has answered before the transaction; this catches a race only,
        # and says no more than the neutral answer.
        if Resident.objects.filter(id_number_index=index).exclude(pk=resident.pk).exists():
            errors["id_number"] = not_here_message()
    if errors:
        raise ValidationError(errors)
    check_village(resident.village if resident.village_id else None)
    resident.name_norm = normalize_name(resident.name)[:50]
    resident.name_initials = pinyin_initials(resident.name)[:50]
    for field in ("id_number_index", "phone_index"):
        model_field = Resident._meta.get_field(field)
        setattr(resident, field, model_field.compute(getattr(resident, model_field.source)))


def check_id_available(*, acting_user, id_number: str | None, exclude_pk=None) -> None:
    """Refuse an ID number already registered (see accounts.personal.personal_id_number_check)."""
    personal_id_number_check(
        acting_user=acting_user,
        model=Resident,
        id_number=id_number,
        exclude_pk=exclude_pk,
        taken_message=_("该身份证号已登记，同一身份证号只能登记一人"),
    )


def resident_snapshot(resident: Resident) -> dict:
    return snapshot(resident, exclude=_SNAPSHOT_EXCLUDE)


def _check_household(resident: Resident) -> None:
    if resident.household_id and resident.household.village_id != resident.village_id:
        raise ValidationError({"household": _("所在户属于另一个村，请先调整户或居民的所属村")})


def resident_create(*, acting_user, name: str, village: Region, **fields) -> Resident:
    unknown = set(fields) - RESIDENT_FIELDS
    if unknown:
        raise TypeError(f"resident_create does not take {sorted(unknown)}")
    check_id_available(acting_user=acting_user, id_number=fields.get("id_number"))
    return _resident_create(acting_user=acting_user, name=name, village=village, **fields)


@transaction.atomic
def _resident_create(*, acting_user, name: str, village: Region, **fields) -> Resident:
    resident = Resident(name=name, village=village, created_by=acting_user, **fields)
    _prepare(resident)
    _check_household(resident)
    resident.full_clean()
    resident.save()
    ensure_in_scope(acting_user, resident, CHANGE)
    if resident.household_id and resident.relation == Relation.HEAD:
        Household.objects.filter(pk=resident.household_id).update(head=resident)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=resident, after=resident_snapshot(resident))
    return resident


def resident_update(*, acting_user, resident: Resident, **changes) -> Resident:
    unknown = set(changes) - RESIDENT_FIELDS
    if unknown:
        raise TypeError(f"resident_update cannot change {sorted(unknown)}")
    if changes.get("id_number"):
        ensure_in_scope(acting_user, resident, CHANGE)
        check_id_available(acting_user=acting_user, id_number=changes["id_number"], exclude_pk=resident.pk)
    return _resident_update(acting_user=acting_user, resident=resident, **changes)


@transaction.atomic
def _resident_update(*, acting_user, resident: Resident, **changes) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    ensure_in_scope(acting_user, resident, CHANGE)
    if resident.merged_into_id:
        raise ValidationError(_("该记录已合并到其他记录，不能修改"))
    before = resident_snapshot(resident)
    person = (resident.gender, resident.birth_date)
    for field, value in changes.items():
        setattr(resident, field, value)
    if "id_number" in changes and "birth_date" not in changes and resident.id_number:
        resident.birth_date = None  # re-derived from the new number
    _prepare(resident)
    if (resident.gender, resident.birth_date) != person:
        _check_groups_still_apply(acting_user, resident)
    _check_household(resident)
    resident.full_clean()
    resident.save()
    if resident.household_id and resident.relation == Relation.HEAD:
        Household.objects.filter(pk=resident.household_id).update(head=resident)
    ensure_in_scope(acting_user, resident, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=resident,
        before=before,
        after=resident_snapshot(resident),
    )
    return resident


def _check_groups_still_apply(acting_user, resident: Resident) -> None:
    """A new sex or birth date must agree with the groups the person is in today (rules.py).

    Only the groups the user may see are checked, so no message reveals a hidden health group.
    """
    today = timezone.localdate()
    tags = {t.tag for t in resident.tags.all() if t.is_active_on(today)}
    if tags & HEALTH_TAGS:
        try:
            ensure_in_scope(acting_user, resident, HEALTH)
        except PermissionDenied:
            tags -= HEALTH_TAGS
    errors: dict[str, list[str]] = {}
    for tag in sorted(tags):
        message = rules.tag_error(tag, gender=resident.gender, birth_date=resident.birth_date, on=today)
        if message:
            field = "birth_date" if rules.TAG_RULES[tag].sex_allowed(resident.gender) else "gender"
            errors.setdefault(field, []).append(_("%(m)s；请先结束该人群分类再修改") % {"m": message})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def resident_tag_add(
    *,
    acting_user,
    resident: Resident,
    tag: str,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    note: str = "",
) -> ResidentTag:
    if tag == ResidentTagKind.ELDERLY:
        raise ValidationError({"tag": _("“65岁以上”按出生日期自动判断，无需手工添加")})
    item = ResidentTag(resident=resident, tag=tag, valid_from=valid_from, valid_to=valid_to, note=note)
    if tag in HEALTH_TAGS:
        # Health data (DESIGN.md §3): only within the user's "residents.health" scope, and the
        # resident's log, read by everyone who sees the resident, does not name the group.
        ensure_in_scope(acting_user, resident, HEALTH)
    contradiction = rules.tag_error(  # sex and age (residents/rules.py)
        tag, gender=resident.gender, birth_date=resident.birth_date, on=rules.reference_day(valid_to)
    )
    if contradiction:
        raise ValidationError({"tag": contradiction})
    if tag in HEALTH_TAGS:
        return _tag_add(acting_user, item, resident, _("加入健康类人群分类"))
    return _tag_add(acting_user, item, resident, _("加入人群分类：%(t)s"))


@transaction.atomic
def resident_tag_end(*, acting_user, tag: ResidentTag, on_date: datetime.date) -> ResidentTag:
    tag = ResidentTag.objects.select_for_update().select_related("resident").get(pk=tag.pk)
    if tag.tag in HEALTH_TAGS:
        ensure_in_scope(acting_user, tag.resident, HEALTH)
        return _tag_end(acting_user, tag, tag.resident, on_date, _("结束健康类人群分类（%(d)s）"))
    return _tag_end(acting_user, tag, tag.resident, on_date, _("结束人群分类：%(t)s（%(d)s）"))


@transaction.atomic
def consent_record(
    *,
    acting_user,
    resident: Resident,
    kind: str,
    granted: bool = True,
    on_date: datetime.date | None = None,
    method: str = Consent.Method.WRITTEN,
    note: str = "",
) -> Consent:
    ensure_in_scope(acting_user, resident, CHANGE)
    consent = Consent(
        resident=resident,
        kind=kind,
        granted=granted,
        on_date=on_date or timezone.localdate(),
        method=method,
        note=note,
        recorded_by=acting_user,
    )
    consent.full_clean()
    consent.save()
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=resident, note=_("知情同意：%(c)s") % {"c": consent}
    )
    return consent


def _prepare_household(household: Household) -> None:
    try:
        household.phone = validate_phone(household.phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages[0]}) from exc
    household.number = (household.number or "").strip()
    check_village(household.village if household.village_id else None)
    household.phone_index = Household._meta.get_field("phone_index").compute(household.phone)


@transaction.atomic
def household_create(*, acting_user, village: Region, head: Resident | None = None, **fields) -> Household:
    unknown = set(fields) - HOUSEHOLD_FIELDS
    if unknown:
        raise TypeError(f"household_create does not take {sorted(unknown)}")
    household = Household(village=village, created_by=acting_user, **fields)
    if head is not None and not household.address:
        household.address = head.address
    _prepare_household(household)
    household.full_clean()
    household.save()
    ensure_in_scope(acting_user, household, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=household, after=snapshot(household))
    if head is not None:
        household_add_member(acting_user=acting_user, household=household, resident=head, relation=Relation.HEAD)
        household.refresh_from_db()
    return household


@transaction.atomic
def household_update(*, acting_user, household: Household, **changes) -> Household:
    unknown = set(changes) - HOUSEHOLD_FIELDS
    if unknown:
        raise TypeError(f"household_update cannot change {sorted(unknown)}")
    household = Household.objects.select_for_update().get(pk=household.pk)
    ensure_in_scope(acting_user, household, CHANGE)
    before = snapshot(household)
    for field, value in changes.items():
        setattr(household, field, value)
    _prepare_household(household)
    household.full_clean()
    household.save()
    ensure_in_scope(acting_user, household, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=household, before=before, after=snapshot(household)
    )
    return household


@transaction.atomic
def household_add_member(*, acting_user, household: Household, resident: Resident, relation: str) -> Resident:
    """Put ``resident`` in ``household`` (a 户主 becomes the household's head)."""
    ensure_in_scope(acting_user, household, CHANGE)
    resident = resident_update(acting_user=acting_user, resident=resident, household=household, relation=relation)
    if relation == Relation.HEAD:
        Resident.objects.filter(household=household, relation=Relation.HEAD).exclude(pk=resident.pk).update(
            relation=Relation.OTHER
        )
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=household,
        note=_("成员：%(n)s（%(r)s）") % {"n": resident.name, "r": resident.get_relation_display()},
    )
    return resident


@transaction.atomic
def household_tag_add(
    *,
    acting_user,
    household: Household,
    tag: str,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    note: str = "",
) -> HouseholdTag:
    item = HouseholdTag(household=household, tag=tag, valid_from=valid_from, valid_to=valid_to, note=note)
    return _tag_add(acting_user, item, household, _("户类别：%(t)s"))


@transaction.atomic
def household_tag_end(*, acting_user, tag: HouseholdTag, on_date: datetime.date) -> HouseholdTag:
    tag = HouseholdTag.objects.select_for_update().select_related("household").get(pk=tag.pk)
    return _tag_end(acting_user, tag, tag.household, on_date, _("结束户类别：%(t)s（%(d)s）"))


def _tag_add(acting_user, item, owner, note: str):
    """Resident and household tags follow the same rules; the owner's log records the change."""
    ensure_in_scope(acting_user, owner, CHANGE)
    if item.valid_from and item.valid_to and item.valid_to < item.valid_from:
        raise ValidationError({"valid_to": _("结束日期不能早于起始日期")})
    item.created_by = acting_user
    item.full_clean()
    item.save()
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=owner, note=note % {"t": item.get_tag_display()}
    )
    return item


def _tag_end(acting_user, tag, owner, on_date: datetime.date, note: str):
    ensure_in_scope(acting_user, owner, CHANGE)
    if tag.valid_from and on_date < tag.valid_from:
        raise ValidationError({"valid_to": _("结束日期不能早于起始日期")})
    tag.valid_to = on_date
    tag.save(update_fields=["valid_to"])
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=owner,
        note=note % {"t": tag.get_tag_display(), "d": on_date},
    )
    return tag
