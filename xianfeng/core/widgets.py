"""Autocomplete pickers for people (and households): a select that holds only the chosen
value(s), and a search box (static/js/autocomplete.js) that asks the server for matches.

The field keeps its scoped queryset, so a posted pk is still validated against what the user
may pick; the page never lists the whole queryset (292 members, or a county's households).
"""

from django import forms
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .params import MAX_ID

AUTOCOMPLETE_LIMIT = 20


def prefix_q(column: str, prefix: str) -> Q:
    """``column`` starts with ``prefix``, as a range on the column's btree index (LIKE with a
    leading literal needs a pattern index on PostgreSQL and is case-folded on SQLite)."""
    return Q(**{f"{column}__gte": prefix, f"{column}__lt": prefix + "\U0010ffff"})


def first_matches(queries, limit: int = AUTOCOMPLETE_LIMIT) -> list:
    """Rows from each query in turn (each already ordered along an index), without repeats,
    at most ``limit``: one bounded query per search key, never a scan of the whole table."""
    found: dict = {}
    for qs in queries:
        if len(found) >= limit:
            break
        for obj in qs[: limit - len(found)]:
            found.setdefault(obj.pk, obj)
    return list(found.values())[:limit]


def autocomplete_response(objects, label) -> JsonResponse:
    return JsonResponse({"results": [{"id": obj.pk, "text": label(obj)} for obj in objects]})


class _AutocompleteMixin:
    """Renders only the selected options; ``data-autocomplete-url`` tells the script where to search."""

    placeholder = _("输入姓名、拼音首字母或电话后四位")

    def __init__(self, url, attrs=None, placeholder=None):
        super().__init__(attrs=attrs)
        self.url = url
        if placeholder is not None:
            self.placeholder = placeholder

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        attrs["data-autocomplete-url"] = str(self.url)
        attrs["data-autocomplete-placeholder"] = str(self.placeholder)
        attrs["data-autocomplete-empty"] = str(_("没有匹配的结果"))
        attrs["data-autocomplete-remove"] = str(_("移除"))
        return super().get_context(name, value, attrs)

    def optgroups(self, name, value, attrs=None):
        full = self.choices
        self.choices = self._selected_choices(value)
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = full

    def _selected_choices(self, value):
        choices = self.choices
        queryset = getattr(choices, "queryset", None)
        field = getattr(choices, "field", None)
        selected = []
        if not self.allow_multiple_selected and field is not None and field.empty_label is not None:
            selected.append(("", field.empty_label))
        # A forged huge id is simply not selected (SQLite cannot even compare it: OverflowError).
        wanted = [str(v) for v in value if v not in (None, "") and str(v).isdigit() and int(str(v)) <= MAX_ID]
        if queryset is None or field is None or not wanted:
            return selected
        key = field.to_field_name or "pk"
        for obj in queryset.filter(**{f"{key}__in": wanted}):
            selected.append((field.prepare_value(obj), field.label_from_instance(obj)))
        return selected


class AutocompleteSelect(_AutocompleteMixin, forms.Select):
    pass


class AutocompleteSelectMultiple(_AutocompleteMixin, forms.SelectMultiple):
    pass


MEMBER_AUTOCOMPLETE_URL = reverse_lazy("members:autocomplete")
RESIDENT_AUTOCOMPLETE_URL = reverse_lazy("residents:autocomplete")
HOUSEHOLD_AUTOCOMPLETE_URL = reverse_lazy("residents:household_autocomplete")
