from django import template

from xianfeng.members.rows import due_html

register = template.Library()


@register.simple_tag
def due(d, today, soon):
    """{% due d today soon %}: one due party step (members/rows.py:due_html)."""
    return due_html(d, today, soon)
