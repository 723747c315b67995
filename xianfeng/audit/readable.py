"""The change log as an auditor reads it: field labels, readable values, nothing technical.

``changelog_rows(user, logs)`` turns a page of ChangeLog rows into, per row, the model's
verbose name and a list of (label, old, new) with:

- the field's verbose_name instead of its name;
- choices shown by their label, booleans as 是/否, dates as 2025-03-01;
- foreign keys and many-to-many ids shown as the object's name when it still exists and the
  auditor may see it (``scoped``), else as "#id"; looked up once per model for the whole page;
- derived and technical values hidden: the id, hashes, blind indexes, search keys
  (name_norm, name_initials) and materialized paths (path, org_path);
- encrypted fields keep their "(已加密，已修改)" marker and never show a value.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import VIEW, scoped

MAX_FIELDS = 12  # per row on the list page


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class ReadableLog:
    model_label: str
    changes: list[Change]
    more: int  # changed fields beyond MAX_FIELDS


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # A snapshot key named like a reverse relation (a record's "providers", listed in its
    # snapshot) is not a column of the row: shown under its key, as a plain value.
    return None if isinstance(field, ForeignObjectRel) else field


def hidden(name: str, field) -> bool:
    """Values no auditor reads: ids, hashes, indexes and paths derived from other fields."""
    if name == "id" or "hash" in name or name.endswith("_index") or name == "path" or name.endswith("_path"):
        return True
    if name in ("name_norm", "name_initials"):
        return True
    return field is not None and field.concrete and not field.editable and not field.is_relation


def _related_model(field):
    return field.related_model if field is not None and field.is_relation else None


def _ids(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(field, value, names: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, str) and value.startswith("(已加密"):
        return value
    related = _related_model(field)
    if related is not None:
        shown = [names.get((related._meta.label, str(pk)), f"#{pk}") for pk in _ids(value)]
        return "、".join(shown) or "—"
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        return date_format(timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed, "Y-m-d H:i")
    if isinstance(field, models.DateField) and isinstance(value, str):
        parsed = parse_date(value)
        return date_format(parsed, "Y-m-d") if parsed else value
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


def _names(user, wanted: dict[type[models.Model], set]) -> dict[tuple[str, str], str]:
    """str() of each referenced object the user may see: one query per related model."""
    names: dict[tuple[str, str], str] = {}
    for model, pks in wanted.items():
        if getattr(model, "scope_spec", None) is None:
            continue  # not readable through scoped(): shown as "#id"
        field = model._meta.pk
        try:
            cleaned = {field.to_python(pk) for pk in pks}
        except ValidationError:  # a malformed id in an old row shows as "#id"
            continue
        qs = scoped(user, model, VIEW).filter(pk__in=cleaned)
        for obj in qs:
            names[(model._meta.label, str(obj.pk))] = str(obj)
    return names


def changelog_rows(*, user, logs) -> dict[int, ReadableLog]:
    """Readable changes of each log on a page, keyed by log id."""
    logs = list(logs)
    wanted: dict[type[models.Model], set] = defaultdict(set)
    plan = []
    for log in logs:
        model = _model(log.model)
        fields = []
        creating = not log.before
        for name, old, new in log.changed_fields:
            field = _field(model, name)
            if hidden(name, field) or (creating and new in (None, "", [])):
                continue  # a new object's empty fields say nothing
            related = _related_model(field)
            if related is not None:
                wanted[related].update(str(pk) for pk in _ids(old) + _ids(new))
            fields.append((name, field, old, new))
        plan.append((log, model, fields))
    names = _names(user, wanted) if wanted else {}
    readable = {}
    for log, model, fields in plan:
        changes = [
            Change(
                label=str(field.verbose_name) if field is not None else name,
                old=_text(field, old, names),
                new=_text(field, new, names),
            )
            for name, field, old, new in fields[:MAX_FIELDS]
        ]
        readable[log.pk] = ReadableLog(
            model_label=str(model._meta.verbose_name) if model is not None else log.model,
            changes=changes,
            more=max(0, len(fields) - MAX_FIELDS),
        )
    return readable
