"""Writes of the daily situation report (issue 13 §6, "Bad input": "a daily report whose cumulative
count decreases").

One live report per emergency and day, holding CUMULATIVE counts as of the end of the day for the
fields switched on in the report's form (report_form.py). Counts never decrease: a report must not
be below the report before it, nor above a report already filed for a later day (a back-filled day
fits between its neighbours). A wrong report is corrected with a reason: the old one is voided and
the new one filed in the same transaction, checked by the same rules. Nothing is half-saved.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.servicelog.voiding import void

from . import report_form
from .models import DailyReport, Emergency
from .services_command import period_text


class DayAlreadyReported(ValidationError):
    """A live report exists for the day with other numbers (the API answers 409)."""

    def __init__(self, report: DailyReport):
        self.report = report
        super().__init__(
            {"day": _("%(d)s 已有报告，如需修改请使用“更正”（须填写原因）") % {"d": report.day.isoformat()}}
        )


@dataclass
class Filed:
    report: DailyReport
    created: bool  # False: the same day with the same numbers was filed before (a retry)


def _locked(acting_user, emergency: Emergency) -> Emergency:
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    ensure_in_scope(acting_user, emergency, CHANGE)
    return emergency


def clean_counts(emergency: Emergency, counts: dict) -> dict[str, int]:
    """{code: int} for every enabled field: each required, a whole number, 0 … MAX_COUNT.
    Errors are keyed by the field's code."""
    if not isinstance(counts, dict):
        raise ValidationError({"counts": _("累计数格式不正确")})
    fields = report_form.report_fields(emergency)
    enabled = [f for f in fields if f["enabled"]]
    known = {f["code"]: f for f in fields}
    errors: dict[str, list[str]] = {}
    for code in counts:
        if code not in known:
            errors.setdefault("counts", []).append(_("未知的字段“%(c)s”") % {"c": str(code)[:30]})
        elif not known[code]["enabled"] and counts[code] not in (None, ""):
            errors[code] = [_("字段“%(l)s”已停用，不再填报") % {"l": known[code]["label"]}]
    cleaned: dict[str, int] = {}
    for field in enabled:
        code, label = field["code"], field["label"]
        value = counts.get(code)
        if value is None or value == "":
            errors[code] = [_("请填写“%(l)s”的累计数") % {"l": label}]
            continue
        if isinstance(value, bool):
            errors[code] = [_("“%(l)s”须为整数") % {"l": label}]
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            text = value.strip()
            if not text.isdigit() or len(text) > 12:
                errors[code] = [_("“%(l)s”须为不小于 0 的整数") % {"l": label}]
                continue
            value = int(text)
        if not isinstance(value, int):
            errors[code] = [_("“%(l)s”须为整数") % {"l": label}]
            continue
        if value < 0:
            errors[code] = [_("“%(l)s”不能为负数") % {"l": label}]
        elif value > report_form.MAX_COUNT:
            errors[code] = [_("“%(l)s”超出范围（最多 %(n)s）") % {"l": label, "n": report_form.MAX_COUNT}]
        else:
            cleaned[code] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_day(emergency: Emergency, day: datetime.date) -> None:
    if day is None:
        raise ValidationError({"day": _("请填写日期")})
    if day > timezone.localdate():
        raise ValidationError({"day": _("报告日期不能晚于今天")})
    if day < emergency.start_on or (emergency.end_on is not None and day > emergency.end_on):
        raise ValidationError({"day": _("报告日期须在应急事件期间（%(p)s）") % {"p": period_text(emergency)}})


def _check_monotone(emergency: Emergency, day: datetime.date, counts: dict[str, int]) -> None:
    """Counts are cumulative: not below the last report before ``day``, not above the first after."""
    live = DailyReport.objects.filter(emergency=emergency, voided_at__isnull=True)
    before = live.filter(day__lt=day).order_by("-day").first()
    after = live.filter(day__gt=day).order_by("day").first()
    labels = report_form.labels(emergency)
    errors: dict[str, list[str]] = {}
    for code, value in counts.items():
        label = labels.get(code, code)
        if before is not None and (before.counts or {}).get(code) is not None and value < before.counts[code]:
            errors[code] = [
                _("“%(l)s”累计数 %(n)s 小于 %(d)s 报告的 %(p)s，累计数不能减少")
                % {"l": label, "n": value, "d": before.day.isoformat(), "p": before.counts[code]}
            ]
        elif after is not None and (after.counts or {}).get(code) is not None and value > after.counts[code]:
            errors[code] = [
                _("“%(l)s”累计数 %(n)s 大于之后 %(d)s 报告的 %(p)s，补报的数字须在前后两次报告之间")
                % {"l": label, "n": value, "d": after.day.isoformat(), "p": after.counts[code]}
            ]
    if errors:
        raise ValidationError(errors)


def report_snapshot(report: DailyReport) -> dict:
    return snapshot(report)


def _file(acting_user, emergency: Emergency, day: datetime.date, counts: dict, note: str) -> Filed:
    _check_day(emergency, day)
    cleaned = clean_counts(emergency, counts)
    existing = DailyReport.objects.filter(emergency=emergency, day=day, voided_at__isnull=True).first()
    if existing is not None:
        if existing.counts == cleaned:
            return Filed(existing, False)
        raise DayAlreadyReported(existing)
    _check_monotone(emergency, day, cleaned)
    report = DailyReport(emergency=emergency, day=day, counts=cleaned, note=(note or "").strip())
    report.full_clean(exclude=["emergency", "voided_by"], validate_constraints=False)
    report.save()
    ensure_in_scope(acting_user, report, CHANGE)
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.CREATE, obj=report, before=None, after=report_snapshot(report)
    )
    return Filed(report, True)


@transaction.atomic
def daily_report_file(*, acting_user, emergency: Emergency, day: datetime.date, counts: dict, note: str = "") -> Filed:
    """File the day's report. The same numbers for a day already filed return that report
    (a retry); other numbers are refused (DayAlreadyReported): correct it instead."""
    emergency = _locked(acting_user, emergency)
    return _file(acting_user, emergency, day, counts, note)


@transaction.atomic
def daily_report_correct(
    *, acting_user, report: DailyReport, counts: dict, reason: str, note: str | None = None
) -> DailyReport:
    """Replace a day's report: the old one is voided with ``reason`` and the new numbers filed
    for the same day under the same rules; on any error neither happens."""
    emergency = _locked(acting_user, report.emergency)
    old = DailyReport.objects.get(pk=report.pk)
    if old.is_voided:
        raise ValidationError(_("该报告已作废，不能更正"))
    note = old.note if note is None else note
    void(
        acting_user=acting_user,
        obj=old,
        reason=reason,
        snapshot=report_snapshot,
        already=_("该报告已于 %(t)s 作废"),
        uncount=lambda r: None,
    )
    return _file(acting_user, emergency, old.day, counts, note).report
