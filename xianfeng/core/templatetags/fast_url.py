"""``{% url %}`` with the reversal cached per view name (a template builtin, see settings.TEMPLATES).

Django's ``{% url %}`` runs ``reverse()`` on every use, about 45 µs each; a list page uses it
once per row, which made it a tenth of the page's CPU (issue 8). This tag reverses a view name
once per process with marker numbers in place of its integer arguments, and later fills in
the real numbers. Anything else (keyword arguments, non-integer arguments) goes through
Django's own tag unchanged, and so does a reversal that would not round-trip exactly.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaulttags
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_MARKERS = tuple(9_137_000_001 + i for i in range(4))
# (view name, number of args, current app, script prefix, urlconf) -> the URL split at its
# arguments: [literal, index, literal, index, ..., literal], or None when there is no fast path.
_patterns: dict[tuple, list | None] = {}


@receiver(setting_changed)
def _forget_patterns(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _patterns.clear()


def _pattern(view_name: str, nargs: int, current_app) -> list | None:
    key = (view_name, nargs, current_app, get_script_prefix(), get_urlconf())
    try:
        return _patterns[key]
    except KeyError:
        pass
    markers = _MARKERS[:nargs]
    try:
        url = reverse(view_name, args=markers, current_app=current_app)
    except Exception:  # NoReverseMatch, or a converter refusing the marker: no fast path
        url = None
    parts = None
    if url is not None and all(url.count(str(m)) == 1 for m in markers):
        positions = sorted((url.index(str(m)), i) for i, m in enumerate(markers))
        parts, start = [], 0
        for position, index in positions:
            parts += [url[start:position], index]
            start = position + len(str(markers[index]))
        parts.append(url[start:])
    _patterns[key] = parts
    return parts


class CachedURLNode(defaulttags.URLNode):
    def render(self, context):
        if self.kwargs or len(self.args) > len(_MARKERS):
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        if any(type(a) is not int or a < 0 for a in args):
            return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        parts = _pattern(view_name, len(args), current_app)
        if parts is None:
            return super().render(context)
        url = "".join(part if isinstance(part, str) else str(args[part]) for part in parts)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's ``{% url %}`` (same syntax), reversed once per view name."""
    node = defaulttags.url(parser, token)
    node.__class__ = CachedURLNode
    return node
