"""Template helpers of the needs ledger."""

from django import template

register = template.Library()


@register.filter
def need_overdue(need, today) -> bool:
    """Still open (not voided) and past its due date: shown red on lists and worklists."""
    return need.is_overdue(today)
