"""Rows of the change log (see xianfeng/core/rows.py for why in Python)."""

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from xianfeng.core.rows import DASH, join_rows, labels

from .models import ChangeLog


def _changes(log) -> SafeString:
    readable = log.readable
    note = format_html("<div>{}</div>", log.note) if log.note else ""
    if log.action == ChangeLog.Action.CREATE:
        changes = format_html_join(
            "",
            '<div><span class="text-body-secondary">{}</span>：{}</div>',
            ((c.label, c.new) for c in readable.changes),
        )
    else:
        changes = format_html_join(
            "",
            '<div><span class="text-body-secondary">{}</span>：<del>{}</del> → {}</div>',
            ((c.label, c.old, c.new) for c in readable.changes),
        )
    more = ""
    if readable.more:
        more = format_html('<div class="text-body-secondary">{}</div>', _("另有 %(n)s 项") % {"n": readable.more})
    return format_html("{}{}{}", note, changes, more)


def changelog_table_rows(logs) -> SafeString:
    """``logs`` carry ``readable`` (audit.readable.changelog_rows)."""
    actions = labels(ChangeLog, "action")
    return join_rows(
        format_html(
            '<tr><td class="text-nowrap">{}</td><td>{}</td><td>{}</td><td>{}</td>'
            '<td><span class="small text-body-secondary" title="{}">{} #{}</span><br>{}</td>'
            '<td class="small">{}</td></tr>\n',
            timezone.localtime(log.at).strftime("%Y-%m-%d %H:%M:%S"),
            log.user or DASH,
            log.ip or "",
            actions.get(log.action, log.action),
            log.model,
            log.readable.model_label,
            log.object_id,
            log.object_repr,
            _changes(log),
        )
        for log in logs
    )
