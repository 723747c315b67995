"""Reads of the daily situation report: the live reports of an emergency, the series (each day's
cumulative counts and the new cases since the report before), the latest counts and the chart's
data. Every read starts from ``scoped()``."""

from django.db.models import QuerySet

from xianfeng.accounts.scoping import VIEW, scoped

from . import report_form
from .models import DailyReport, Emergency

# The field whose new cases the trend chart draws as bars, when it is switched on.
BAR_FIELD = "confirmed"


def reports_of(*, user, emergency: Emergency, include_voided: bool = False) -> QuerySet:
    reports = scoped(user, DailyReport, VIEW).filter(emergency=emergency)
    if not include_voided:
        reports = reports.filter(voided_at__isnull=True)
    return reports.order_by("day", "id")


def series(*, user, emergency: Emergency) -> dict:
    """{"fields": [{code, label}], "rows": [{day, report_id, note, cumulative: {code: n}, new: {code: n}}]}
    for the fields switched on, oldest day first. A day's new count is the difference from the
    report before it (the first report's new count is its cumulative count); a field the report
    did not carry is None."""
    fields = [{"code": f["code"], "label": f["label"]} for f in report_form.enabled_fields(emergency)]
    rows = []
    previous: dict = {}
    for report in reports_of(user=user, emergency=emergency):
        counts = report.counts or {}
        cumulative, new = {}, {}
        for field in fields:
            code = field["code"]
            value = counts.get(code)
            cumulative[code] = value
            if value is None:
                new[code] = None
            else:
                new[code] = value - previous[code] if previous.get(code) is not None else value
        for code, value in counts.items():
            if value is not None:
                previous[code] = value
        rows.append(
            {"day": report.day, "report_id": report.pk, "note": report.note, "cumulative": cumulative, "new": new}
        )
    return {"fields": fields, "rows": rows}


def latest(*, user, emergency: Emergency) -> dict | None:
    """The last report's day, with each enabled field's cumulative and new counts."""
    data = series(user=user, emergency=emergency)
    if not data["rows"]:
        return None
    row = data["rows"][-1]
    return {
        "day": row["day"],
        "report_id": row["report_id"],
        "items": [
            {
                "code": f["code"],
                "label": f["label"],
                "cumulative": row["cumulative"][f["code"]],
                "new": row["new"][f["code"]],
            }
            for f in data["fields"]
        ],
    }


def chart_data(*, user, emergency: Emergency) -> dict:
    """What the trend page embeds (json_script): days, a cumulative line per field, and the new
    cases of one field (confirmed when switched on, else the first) as bars."""
    data = series(user=user, emergency=emergency)
    codes = [f["code"] for f in data["fields"]]
    bar = BAR_FIELD if BAR_FIELD in codes else (codes[0] if codes else "")
    labels = {f["code"]: f["label"] for f in data["fields"]}
    return {
        "title": emergency.name,
        "days": [row["day"].isoformat() for row in data["rows"]],
        "lines": [
            {"code": f["code"], "label": f["label"], "values": [row["cumulative"][f["code"]] for row in data["rows"]]}
            for f in data["fields"]
        ],
        "bar": {
            "code": bar,
            "label": labels.get(bar, ""),
            "values": [row["new"].get(bar) for row in data["rows"]] if bar else [],
        },
    }


def reported_on(*, user, emergencies, day) -> set[int]:
    """The ids of ``emergencies`` whose report for ``day`` is filed."""
    return set(
        scoped(user, DailyReport, VIEW)
        .filter(emergency__in=[e.pk for e in emergencies], day=day, voided_at__isnull=True)
        .values_list("emergency_id", flat=True)
    )
