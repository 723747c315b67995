"""Pages of the daily situation report: the list of an emergency's reports (new and cumulative
per field), filing a day's report on a phone (one number per field, prefilled with the last
cumulative), correcting a report with a reason, the trend chart and the headquarters workbook."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT
from xianfeng.audit.models import AccessLog
from xianfeng.audit.services import accesslog_write
from xianfeng.core.exports import xlsx_response
from xianfeng.core.forms import apply_errors, call_service

from . import daily_export, daily_selectors
from . import selectors_command as selectors
from . import services_daily as services
from .forms_command import DailyReportForm
from .models import DailyReport
from .views_command import EmergencyObjectView


class DailyReportListView(EmergencyObjectView):
    def get(self, request, pk):
        emergency = self.get_object()
        user = request.user
        data = daily_selectors.series(user=user, emergency=emergency)
        rows = list(reversed(data["rows"]))
        voided = daily_selectors.reports_of(user=user, emergency=emergency, include_voided=True).filter(
            voided_at__isnull=False
        )
        context = {
            "emergency": emergency,
            "fields": data["fields"],
            "rows": [
                {**row, "cells": [(row["new"][f["code"]], row["cumulative"][f["code"]]) for f in data["fields"]]}
                for row in rows
            ],
            "voided": voided.select_related("voided_by").order_by("-day", "-id")[:50],
            "can_change": selectors.may_change(user, emergency),
            "can_export": selectors.may_export(user, emergency),
        }
        return render(request, "emergencies/daily_list.html", context)


def _next_day(emergency, last_day: datetime.date | None) -> datetime.date:
    today = timezone.localdate()
    day = today if last_day is None or last_day < today else last_day
    if last_day is not None and last_day < today:
        day = min(today, last_day + datetime.timedelta(days=1))
    if emergency.end_on is not None and day > emergency.end_on:
        day = emergency.end_on
    return max(day, emergency.start_on)


class DailyReportCreateView(EmergencyObjectView):
    action = CHANGE

    def _render(self, request, emergency, form, latest, status=200, existing=None):
        context = {
            "form": form,
            "emergency": emergency,
            "latest": latest,
            "heading": _("填报每日情况"),
            "existing": existing,
            "previous_json": {i["code"]: i["cumulative"] for i in latest["items"]} if latest else {},
        }
        return render(request, "emergencies/daily_form.html", context, status=status)

    def get(self, request, pk):
        emergency = self.get_object()
        latest = daily_selectors.latest(user=request.user, emergency=emergency)
        initial = {"day": _next_day(emergency, latest["day"] if latest else None)}
        if latest:
            initial.update({i["code"]: i["cumulative"] for i in latest["items"] if i["cumulative"] is not None})
        form = DailyReportForm(emergency=emergency, initial=initial)
        return self._render(request, emergency, form, latest)

    def post(self, request, pk):
        emergency = self.get_object()
        latest = daily_selectors.latest(user=request.user, emergency=emergency)
        form = DailyReportForm(request.POST, emergency=emergency)
        existing = None
        if form.is_valid():
            try:
                filed = services.daily_report_file(
                    acting_user=request.user,
                    emergency=emergency,
                    day=form.cleaned_data["day"],
                    counts=form.counts(),
                    note=form.cleaned_data.get("note", ""),
                )
            except services.DayAlreadyReported as exc:
                existing = exc.report
                form.add_error("day", exc.messages)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if filed.created:
                    messages.success(request, _("已填报 %(d)s 的情况") % {"d": filed.report.day.isoformat()})
                else:
                    messages.info(request, _("该日报告已存在且数字相同，未重复填报"))
                return redirect("emergencies:daily_list", pk=emergency.pk)
        return self._render(request, emergency, form, latest, status=400, existing=existing)


class DailyReportCorrectView(ScopedObjectView):
    """Correct a day's report: the old one is voided with the reason, the new numbers filed."""

    model = DailyReport
    action = CHANGE

    def _render(self, request, report, form, status=200):
        context = {
            "form": form,
            "emergency": report.emergency,
            "report": report,
            "heading": _("更正 %(d)s 的报告") % {"d": report.day.isoformat()},
            "previous_json": {},
        }
        return render(request, "emergencies/daily_form.html", context, status=status)

    def get(self, request, pk):
        report = self.get_object()
        if report.is_voided:
            messages.error(request, _("该报告已作废，不能更正"))
            return redirect("emergencies:daily_list", pk=report.emergency_id)
        initial = dict(report.counts or {})
        initial["note"] = report.note
        form = DailyReportForm(emergency=report.emergency, correcting=True, initial=initial)
        return self._render(request, report, form)

    def post(self, request, pk):
        report = self.get_object()
        form = DailyReportForm(request.POST, emergency=report.emergency, correcting=True)
        if form.is_valid():
            call_service(
                form,
                services.daily_report_correct,
                acting_user=request.user,
                report=report,
                counts=form.counts(),
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data.get("note", ""),
            )
            if not form.errors:
                messages.success(request, _("已更正，原报告已作废并保留在记录中"))
                return redirect("emergencies:daily_list", pk=report.emergency_id)
        return self._render(request, report, form, status=400)


class DailyTrendView(EmergencyObjectView):
    def get(self, request, pk):
        emergency = self.get_object()
        chart = daily_selectors.chart_data(user=request.user, emergency=emergency)
        context = {
            "emergency": emergency,
            "chart": chart,
            "rows": list(zip(chart["days"], chart["bar"]["values"], strict=False)),
            "can_export": selectors.may_export(request.user, emergency),
        }
        return render(request, "emergencies/daily_trend.html", context)


class DailyExportView(EmergencyObjectView):
    """The headquarters workbook (emergencies.export). Counts only, no personal data; the
    export is still written to AccessLog like every export."""

    action = EXPORT

    def get(self, request, pk):
        emergency = self.get_object()
        data = daily_selectors.series(user=request.user, emergency=emergency)
        content = daily_export.workbook_bytes(emergency, data)
        accesslog_write(
            actor=request.user,
            kind=AccessLog.Kind.EXPORT,
            model=DailyReport,
            object_repr=_("%(n)s 每日情况统计表（%(c)s 天）") % {"n": emergency.name, "c": len(data["rows"])},
            row_count=len(data["rows"]),
            org_path=emergency.org.path,
        )
        return xlsx_response(content, f"{emergency.name}_每日情况统计表.xlsx")
