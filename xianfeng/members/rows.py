"""Rows of the members list (see xianfeng/core/rows.py for why in Python)."""

import datetime

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from xianfeng.core.rows import DASH, join_rows, labels, object_url, ymd

from .models import Member


def _next_step(member, today, steps) -> SafeString | str:
    if not member.next_step:
        return ""
    step = steps.get(member.next_step, member.next_step)
    if not member.next_due_on:
        return step
    late = " text-danger fw-bold" if member.next_due_on < today else ""
    return format_html('{} · <span class="text-nowrap{}">{}</span>', step, late, ymd(member.next_due_on))


def _category(member, categories) -> SafeString | str:
    if member.category == "staff":
        return ""
    return format_html(
        ' <span class="badge text-bg-light border">{}</span>', categories.get(member.category, member.category)
    )


def member_rows(members) -> SafeString:
    today = timezone.localdate()
    genders, stages = labels(Member, "gender"), labels(Member, "party_stage")
    steps, categories = labels(Member, "next_step"), labels(Member, "category")
    return join_rows(
        format_html(
            '<tr><td><a href="{}">{}</a>{}</td><td>{}</td>'
            '<td class="d-none d-md-table-cell font-monospace small">{}</td>'
            '<td class="d-none d-md-table-cell font-monospace small">{}</td>'
            '<td>{}</td><td>{}</td><td class="d-none d-lg-table-cell small">{}</td></tr>\n',
            object_url("members:detail", m.pk),
            m.name,
            _category(m, categories),
            genders.get(m.gender, m.gender),
            m.public_id or DASH,
            m.phone_masked or DASH,
            m.branch.name,
            stages.get(m.party_stage, m.party_stage),
            _next_step(m, today, steps),
        )
        for m in members
    )


def due_html(due, today, soon) -> SafeString:
    """One due party step: its label, then its deadline (red when overdue, yellow within
    ``soon``) or the day from which it may be done (templates include members/_due.html)."""
    if due.due_on:
        date = ymd(due.due_on)
        if due.due_on < today:
            days = (today - due.due_on).days
            text, css = (
                _("已逾期 %(days)s 天（应于 %(date)s 前）") % {"days": days, "date": date},
                "badge text-bg-danger",
            )
        else:
            text = _("应于 %(date)s 前完成") % {"date": date}
            css = "badge text-bg-warning" if due.due_on <= soon else "text-body-secondary"
    elif due.earliest_on:
        text = _("%(date)s 起可办理") % {"date": ymd(due.earliest_on)}
        css = "badge text-bg-success" if due.earliest_on <= today else "text-body-secondary"
    else:
        return format_html("{}", due.label)
    return format_html('{} · <span class="{}">{}</span>', due.label, css, text)


def worklist_rows(rows) -> SafeString:
    """``rows``: (member, dues) pairs of the worklist page."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    stages = labels(Member, "party_stage")
    return join_rows(
        format_html(
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
            '<td><ul class="list-unstyled mb-0 small">{}</ul></td></tr>\n',
            object_url("members:detail", m.pk),
            m.name,
            m.branch.name,
            stages.get(m.party_stage, m.party_stage),
            format_html_join("", "<li>{}</li>", ((due_html(d, today, soon),) for d in dues)),
        )
        for m, dues in rows
    )
