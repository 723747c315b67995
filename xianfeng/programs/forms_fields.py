"""Form fields built from a program's typed field specs (fields.py), for the enrollment and
visit forms, rendered by templates/programs/_fields.html.

The form only carries what the user typed: the program validates it (``clean_enrollment`` /
``clean_visit``) inside the service, and its errors, keyed by the spec's key, are put back under
the field they name, the input kept. Phone first: short choice lists are radio buttons (big
touch targets), multichoice are checkboxes, booleans are 是/否 radios, a spec's ``default`` is
preselected.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import DateInput

PREFIX = "d_"
PEOPLE_ROWS = 4  # name + role rows of a people field (a joint follow-up's participants)
RADIO_MAX = 7  # choice lists up to this long are radio buttons; longer ones a select
BOOLEAN_CHOICES = (("true", _("是")), ("false", _("否")))


def _name(key: str) -> str:
    return PREFIX + key


def _people_names(key: str, row: int) -> tuple[str, str]:
    return f"{PREFIX}{key}__{row}_name", f"{PREFIX}{key}__{row}_role"


def _choices(spec: dict) -> list[tuple[str, str]]:
    return [(str(code), str(text)) for code, text in spec.get("choices", [])]


def field_for(spec: dict) -> forms.Field:
    """The form field of one spec (never required at the form level: the program says so)."""
    kind, label = spec.get("kind", "text"), spec["label"]
    common = {"label": label, "required": False, "help_text": spec.get("help", "")}
    if kind == "choice":
        choices = _choices(spec)
        if len(choices) <= RADIO_MAX:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == "multichoice":
        return forms.MultipleChoiceField(choices=_choices(spec), widget=forms.CheckboxSelectMultiple, **common)
    if kind == "boolean":
        return forms.ChoiceField(choices=BOOLEAN_CHOICES, widget=forms.RadioSelect, **common)
    if kind in ("integer", "decimal"):
        attrs = {
            "inputmode": "numeric" if kind == "integer" else "decimal",
            "step": "1" if kind == "integer" else "any",
        }
        for bound in ("min", "max"):
            if spec.get(bound) is not None:
                attrs[bound] = spec[bound]
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), max_length=30, **common)
    if kind == "date":
        return forms.CharField(widget=DateInput, max_length=30, **common)
    limit = spec.get("max_length", 500)
    widget = forms.Textarea(attrs={"rows": 2}) if limit > 100 else forms.TextInput
    return forms.CharField(widget=widget, max_length=limit, **common)


def _initial(spec: dict, value):
    kind = spec.get("kind", "text")
    if value is None:
        return None
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "multichoice":
        return [str(v) for v in value]
    return str(value)


@dataclass
class SpecRow:
    """One spec as the template shows it: its field, or its people rows."""

    spec: dict
    field: object = None  # a bound field
    people: list | None = None  # [(name bound field, role bound field)]

    @property
    def kind(self) -> str:
        return self.spec.get("kind", "text")

    @property
    def required(self) -> bool:
        return bool(self.spec.get("required"))

    @property
    def errors(self) -> list:
        if self.people is None:
            return list(self.field.errors)
        return [e for name, role in self.people for e in (*name.errors, *role.errors)]


class ProgramFieldsMixin:
    """Adds the fields of ``specs`` to a form; ``program_data()`` gives the dict to validate."""

    def add_program_fields(self, specs, stored: dict | None = None) -> None:
        self.specs = [dict(s) for s in specs]
        self.consent_problem = ""
        stored = stored or {}
        for spec in self.specs:
            key = spec["key"]
            value = stored.get(key, spec.get("default"))
            if spec.get("kind") == "people":
                roles = [("", "—"), *_choices(spec)]
                people = list(value or [])
                for row in range(max(PEOPLE_ROWS, len(people))):
                    name, role = _people_names(key, row)
                    self.fields[name] = forms.CharField(label=_("姓名"), required=False, max_length=50)
                    self.fields[role] = forms.ChoiceField(label=_("身份"), required=False, choices=roles)
                    if row < len(people):
                        self.initial[name] = people[row].get("name", "")
                        self.initial[role] = people[row].get("role", "")
                    self.fields[name].widget.attrs["class"] = "form-control"
                    self.fields[role].widget.attrs["class"] = "form-select"
                continue
            field = field_for(spec)
            widget = field.widget
            if not isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"
            self.fields[_name(key)] = field
            initial = _initial(spec, value)
            if initial is not None:
                self.initial[_name(key)] = initial

    def program_rows(self) -> list[SpecRow]:
        rows = []
        for spec in self.specs:
            key = spec["key"]
            if spec.get("kind") == "people":
                count = sum(1 for name in self.fields if name.startswith(f"{PREFIX}{key}__") and name.endswith("_name"))
                people = [tuple(self[n] for n in _people_names(key, row)) for row in range(count)]
                rows.append(SpecRow(spec=spec, people=people))
            else:
                rows.append(SpecRow(spec=spec, field=self[_name(key)]))
        return rows

    def program_data(self) -> dict:
        """What the user gave, as the program's clean_* functions take it (empty values left out)."""
        data = {}
        cleaned = getattr(self, "cleaned_data", {})
        for spec in self.specs:
            key = spec["key"]
            if spec.get("kind") == "people":
                people = []
                row = 0
                while _people_names(key, row)[0] in self.fields:
                    name_field, role_field = _people_names(key, row)
                    name = (cleaned.get(name_field) or "").strip()
                    if name:
                        people.append({"name": name, "role": cleaned.get(role_field) or ""})
                    row += 1
                if people:
                    data[key] = people
                continue
            value = cleaned.get(_name(key))
            if value in (None, "", []):
                continue
            data[key] = value
        return data

    def apply_program_errors(self, exc: ValidationError, main: dict[str, str] | None = None) -> None:
        """Put a service's errors under the fields they name: a spec key under its field, a main
        key (``main``: service key -> form field) under that field, consent on top."""
        main = main or {}
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        keys = {spec["key"]: spec for spec in self.specs}
        for key, errors in exc.message_dict.items():
            if key in keys:
                target = _people_names(key, 0)[0] if keys[key].get("kind") == "people" else _name(key)
                self.add_error(target, errors)
            elif key == "consent":  # enrolling without the consent the program needs
                self.consent_problem = " ".join(errors)
                self.add_error(None, errors)
            elif main.get(key, key) in self.fields:
                self.add_error(main.get(key, key), errors)
            else:
                self.add_error(None, errors)
