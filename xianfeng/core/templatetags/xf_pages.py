"""Page helpers: breadcrumbs that link only what the user may open, and date arithmetic."""

import datetime

from django import template
from django.utils.html import format_html

from xianfeng.core.breadcrumbs import viewable

register = template.Library()


@register.filter
def days_after(day: datetime.date | None, reference: datetime.date | None) -> int:
    """How many days ``day`` is after ``reference`` ({{ today|days_after:d.due_on }} = days overdue)."""
    if not day or not reference:
        return 0
    return (day - reference).days


def _link(context, obj, url: str, label: str, css: str = ""):
    text = label or str(obj)
    if url and viewable(context["request"].user, obj):
        return format_html('<a href="{}"{}>{}</a>', url, format_html(' class="{}"', css) if css else "", text)
    return format_html('<span class="{}">{}</span>', css or "text-body", text)


@register.simple_tag(takes_context=True)
def crumb(context, obj, url: str = "", label: str = ""):
    """One breadcrumb item: a link when the user may view ``obj``, else plain text."""
    return format_html('<li class="breadcrumb-item">{}</li>', _link(context, obj, url, label))


@register.simple_tag(takes_context=True)
def scoped_link(context, obj, url: str = "", label: str = "", css: str = ""):
    """A link to ``obj`` when the user may view it, else its name as plain text."""
    return _link(context, obj, url, label, css)
