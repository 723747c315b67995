"""Table rows of the long list pages, rendered in Python (issue 8, DESIGN.md §6).

A 50-row list rendered by the template engine cost about 180 µs a row (variable lookups,
filters, ``get_*_display``, ``{% url %}``): half of the page's CPU. The row partials of the
residents, households and members lists therefore call a small function per list that
builds the rows with ``format_html`` (every value is escaped as in a template). The table
head, the empty row and the pagination stay in the template.
"""

import datetime

from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from .templatetags.fast_url import _pattern

DASH = "—"


def object_url(view_name: str, pk: int) -> str:
    """``reverse(view_name, args=[pk])``, reversed once per view name like ``{% url %}``."""
    parts = _pattern(view_name, 1, None)
    if parts is None:
        return reverse(view_name, args=[pk])
    return "".join(part if isinstance(part, str) else str(pk) for part in parts)


def labels(model, field_name: str) -> dict:
    """A field's choice labels in the current language, for one page of rows.

    ``get_FOO_display()`` rebuilds a dict of the field's (lazy) choices on every call, about
    30 µs each; a page asks once per column instead.
    """
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def ymd(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def badges(labels) -> SafeString:
    """Light badges, as ``<span class="badge text-bg-light border">…</span> `` each."""
    return format_html_join("", '<span class="badge text-bg-light border">{}</span> ', ((label,) for label in labels))


def join_rows(rows) -> SafeString:
    return mark_safe("".join(rows))
