"""Forms of the service-record pages: the list's filters, the desk form, quick entry, voiding.

The forms only read and shape what the user typed; the rules (dates, subjects, quantities,
typed results) are ``servicelog.rules``, applied here field by field so that an error shows
beside its field, and again by the services, which have the last word.
"""

import datetime
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.widgets import (
    HOUSEHOLD_AUTOCOMPLETE_URL,
    RESIDENT_AUTOCOMPLETE_URL,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from xianfeng.members.selectors import member_picker_label
from xianfeng.residents.models import Household, Resident
from xianfeng.residents.selectors import household_picker_label, resident_picker_label
from xianfeng.teams.models import Team

from . import rules, selectors
from .models import MAX_HOURS_PER_DAY, MAX_QUANTITY, Activity, Category, Subject

PROVIDER_AUTOCOMPLETE_URL = reverse_lazy("servicelog:provider_autocomplete")
RESIDENT_PLACEHOLDER = _("输入姓名（简繁均可）、拼音首字母或电话后四位")


def new_key() -> str:
    """A fresh idempotency key, made when a form is shown: posting it twice saves once."""
    return uuid.uuid4().hex


class ResidentChoiceField(forms.ModelChoiceField):
    widget = AutocompleteSelect(RESIDENT_AUTOCOMPLETE_URL, placeholder=RESIDENT_PLACEHOLDER)

    def label_from_instance(self, obj):
        return resident_picker_label(obj)


class HouseholdChoiceField(forms.ModelChoiceField):
    widget = AutocompleteSelect(HOUSEHOLD_AUTOCOMPLETE_URL, placeholder=_("输入户编号、户主姓名或拼音首字母"))

    def label_from_instance(self, obj):
        return household_picker_label(obj)


class ProviderChoiceField(forms.ModelMultipleChoiceField):
    widget = AutocompleteSelectMultiple(
        PROVIDER_AUTOCOMPLETE_URL, placeholder=_("输入姓名、拼音首字母、志愿者编号或电话后四位")
    )

    def label_from_instance(self, obj):
        return member_picker_label(obj)


class TypeChoiceField(forms.ModelChoiceField):
    """The service type, validated against the types the form already read (``types``): the
    list is on the page anyway, so a post costs no second query for it."""

    types: dict[str, object] = {}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = self.types.get(str(value))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.served_on:%Y-%m-%d}）"


def team_choices(user, *, also=None):
    """Teams in scope still serving, the user's current teams first (and ``also``, a record's team)."""
    today = timezone.localdate()
    current = selectors.current_teams(user).values("pk")
    alive = Q(active_to__isnull=True) | Q(active_to__gte=today)
    if also is not None:
        alive |= Q(pk=also)
    return (
        scoped(user, Team)
        .filter(alive)
        .annotate(mine=Case(When(pk__in=current, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("mine", "name")
    )


def _result_field(spec: dict) -> forms.Field:
    """A form field for one typed result (servicelog.rules validates the value)."""
    kind, label = spec.get("kind", "text"), spec["label"]
    if kind == "choice":
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *map(tuple, spec["choices"])])
    if kind == "boolean":
        return forms.BooleanField(label=label, required=False)
    if kind == "integer":
        return forms.IntegerField(label=label, required=False, min_value=spec.get("min"), max_value=spec.get("max"))
    if kind == "decimal":
        return forms.DecimalField(label=label, required=False, min_value=spec.get("min"), max_value=spec.get("max"))
    return forms.CharField(label=label, required=False, max_length=spec.get("max_length", 200))


class RecordForm(BootstrapFormMixin, forms.Form):
    """The full desk form (and, narrowed, quick entry). ``service_kwargs()`` gives the service's fields."""

    service_type = TypeChoiceField(label=_("服务类型"), queryset=None, empty_label=_("— 请选择 —"))
    served_on = forms.DateField(label=_("服务日期"), widget=DateInput, initial=timezone.localdate)
    resident = ResidentChoiceField(label=_("服务对象（居民）"), queryset=None, required=False)
    household = HouseholdChoiceField(label=_("服务对象（户）"), queryset=None, required=False)
    providers = ProviderChoiceField(label=_("服务人员"), queryset=None, required=False, help_text=_("不选则为本人"))
    hours = forms.DecimalField(
        label=_("每人服务时长（小时）"),
        required=False,
        min_value=Decimal("0"),
        max_value=MAX_HOURS_PER_DAY,
        max_digits=3,
        decimal_places=1,
        help_text=_("不含路途；不填按服务类型的默认时长"),
    )
    team = forms.ModelChoiceField(label=_("队伍"), queryset=None, required=False)
    activity = ActivityChoiceField(label=_("所属活动"), queryset=None, required=False)
    quantity = forms.DecimalField(
        label=_("数量"),
        required=False,
        initial=1,
        min_value=Decimal("0.01"),
        max_value=MAX_QUANTITY,
        max_digits=14,
        decimal_places=2,
    )
    note = forms.CharField(label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    main_fields = (
        "service_type",
        "served_on",
        "resident",
        "household",
        "providers",
        "hours",
        "team",
        "activity",
        "quantity",
        "note",
    )

    def __init__(self, *args, user, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.record = record
        types = selectors.service_types_for(user)
        if record is not None:  # a record keeps its type even if the type was retired since
            types = selectors.service_types_for(user, include_inactive=True).filter(
                Q(active=True) | Q(pk=record.service_type_id)
            )
        self.types = list(types)
        self.fields["service_type"].queryset = types
        self.fields["service_type"].types = {str(t.pk): t for t in self.types}
        self.fields["resident"].queryset = (
            scoped(user, Resident).filter(merged_into__isnull=True).select_related("village")
        )
        self.fields["providers"].queryset = selectors.provider_queryset(user).select_related("branch")
        if self.is_bound:  # validating a post: no order needed, no annotation to build
            self.fields["team"].queryset = scoped(user, Team).select_related("owner_org")
        else:
            self.fields["team"].queryset = team_choices(user, also=record.team_id if record else None)
        # Fields a narrower form (quick entry) removes cost nothing to build.
        if "household" in self.fields:
            self.fields["household"].queryset = scoped(user, Household).select_related("head", "village")
        if "activity" in self.fields:
            activities = Q(pk__in=selectors.activities_for_entry(user).values("pk"))
            if record is not None and record.activity_id:
                activities |= Q(pk=record.activity_id)
            self.fields["activity"].queryset = scoped(user, Activity, CHANGE).filter(activities).order_by("-start_at")
        self.result_fields: dict[int, list[str]] = {}
        for stype in self.types:
            names = []
            for spec in stype.result_fields or []:
                name = f"r{stype.pk}_{spec['key']}"
                self.fields[name] = _result_field(spec)
                names.append(name)
            if names:
                self.result_fields[stype.pk] = names
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_key())
        # Bootstrap classes for the result fields added after the mixin ran.
        for name in (n for names in self.result_fields.values() for n in names):
            widget = self.fields[name].widget
            css = {
                forms.CheckboxInput: "form-check-input",
                forms.Select: "form-select",
            }.get(type(widget), "form-control")
            widget.attrs["class"] = css

    # --- shown by the templates ------------------------------------------------------------

    def visible_main(self):
        return [self[name] for name in self.main_fields if name in self.fields]

    def result_groups(self):
        """[(type, [bound fields])] of every type that has result fields."""
        by_pk = {t.pk: t for t in self.types}
        return [(by_pk[pk], [self[n] for n in names]) for pk, names in self.result_fields.items()]

    def type_unit(self):
        return {t.pk: t.get_unit_display() for t in self.types}

    # --- validation ------------------------------------------------------------------------

    def clean_idempotency_key(self):
        return (self.cleaned_data.get("idempotency_key") or "").strip()

    def clean_served_on(self):
        served_on = self.cleaned_data.get("served_on")
        if served_on is not None:
            try:
                rules.check_served_on(served_on, today=timezone.localdate())
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["served_on"]) from None
        return served_on

    def clean(self):
        cleaned = super().clean()
        stype = cleaned.get("service_type")
        cleaned["result"] = self._clean_result(stype) if stype is not None else {}
        if stype is not None and "resident" not in self.errors and "household" not in self.errors:
            try:
                rules.check_subject(
                    stype.subject,
                    has_resident=cleaned.get("resident") is not None,
                    has_household=cleaned.get("household") is not None,
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        self._check_lifetime(cleaned.get("resident"), cleaned.get("served_on"))
        return cleaned

    def _check_lifetime(self, resident, served_on) -> None:
        """The service day within the resident's life (not before birth, not after death)."""
        if resident is not None and served_on is not None and "served_on" not in self.errors:
            try:
                rules.check_served_on(
                    served_on, today=timezone.localdate(), born=resident.birth_date, died=resident.deceased_on
                )
            except ValidationError as exc:
                self.add_error("served_on", exc.message_dict["served_on"])

    def _clean_result(self, stype) -> dict:
        result = {}
        for spec in stype.result_fields or []:
            name = f"r{stype.pk}_{spec['key']}"
            value = self.cleaned_data.get(name)
            if name in self.errors:
                continue
            if spec.get("kind") == "boolean":
                value = bool(value)
            given = {} if value in (None, "") else {spec["key"]: value}
            try:
                result.update(rules.clean_result([spec], given))
            except ValidationError as exc:
                self.add_error(name, exc.messages)
        return result

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        providers = list(data.get("providers") or [])
        return {
            "service_type": data["service_type"],
            "served_on": data["served_on"],
            "resident": data.get("resident"),
            "household": data.get("household"),
            "providers": providers or None,
            "hours": data.get("hours"),
            "team": data.get("team"),
            "activity": data.get("activity"),
            "quantity": data.get("quantity"),
            "result": data.get("result") or {},
            "note": data.get("note") or "",
        }

    def changes(self, record) -> dict:
        """Only the fields that differ from ``record`` (record_update re-derives the organization
        only when the team or the providers change)."""
        wanted = self.service_kwargs()
        current_providers = list(record.providers.all())
        changes = {}
        for field in ("service_type", "served_on", "resident", "household", "team", "activity", "note"):
            if wanted[field] != getattr(record, field):
                changes[field] = wanted[field]
        if Decimal(wanted["quantity"] or 1) != record.quantity:
            changes["quantity"] = wanted["quantity"] or 1
        if wanted["result"] != (record.result or {}):
            changes["result"] = wanted["result"]
        own = selectors.own_member(self.user)
        members = wanted["providers"] or ([own] if own is not None else [])
        hours = wanted["hours"]
        same_people = {m.pk for m in members} == {p.member_id for p in current_providers}
        same_hours = hours is None or all(p.hours == hours for p in current_providers)
        if not (same_people and same_hours):
            changes["providers"] = members
            changes["hours"] = hours if hours is not None else next((p.hours for p in current_providers), None)
        return changes


class QuickForm(RecordForm):
    """Quick entry on a phone: the resident comes from step 1 (a hidden field), the type is a
    big button, the rest are defaults changed with one tap."""

    main_fields = ("served_on", "providers", "team", "hours", "quantity", "note")
    household = None  # the household follows from the resident (clean); no activity here
    activity = None

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["resident"].widget = forms.HiddenInput()
        self.fields["service_type"].widget = forms.RadioSelect()
        self.fields["service_type"].empty_label = None
        self.fields["service_type"].error_messages["required"] = gettext("请选择服务类型")

    def clean(self):
        cleaned = forms.Form.clean(self)
        stype, resident = cleaned.get("service_type"), cleaned.get("resident")
        cleaned["result"] = self._clean_result(stype) if stype is not None else {}
        cleaned["household"] = None
        if stype is None:
            return cleaned
        if stype.subject == Subject.HOUSEHOLD:
            # A household service for the household of the resident found in step 1.
            if resident is not None and resident.household_id:
                cleaned["household"], cleaned["resident"] = resident.household, None
            else:
                self.add_error("service_type", gettext("该服务按户登记，请先选择一位已登记所在户的居民"))
        elif stype.subject in (Subject.RESIDENT, Subject.ANY) and resident is None:
            self.add_error("service_type", gettext("该服务类型须指定服务对象（居民），请先查找居民"))
        self._check_lifetime(resident, cleaned.get("served_on"))  # the resident chosen in step 1
        return cleaned


class RecordFilterForm(forms.Form):
    """The list's filters, kept in the URL. A bad value is reported and that filter ignored."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    date_from = forms.DateField(label=_("从"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("到"), required=False, widget=DateInput)
    service_type = forms.ModelChoiceField(label=_("服务类型"), queryset=None, required=False, empty_label=_("全部类型"))
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部类别")), *Category.choices])
    team = forms.ModelChoiceField(label=_("队伍"), queryset=None, required=False, empty_label=_("全部队伍"))
    mine = forms.BooleanField(label=_("只看我录入的"), required=False)
    voided = forms.BooleanField(label=_("含已作废"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = selectors.service_types_for(user, include_inactive=True)
        self.fields["team"].queryset = scoped(user, Team, VIEW).order_by("name")

    def filters(self) -> dict:
        """The valid filters (an invalid one is dropped; its error is shown)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "", False)}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("结束日期不能早于开始日期"))
            cleaned.pop("date_to", None)
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not (datetime.date(1900, 1, 1) <= day <= datetime.date(2100, 12, 31)):
                self.add_error(name, gettext("日期超出范围"))
                cleaned.pop(name, None)
        return cleaned


class VoidForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("作废原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例如：重复登记、录错居民。作废后不计入任何统计，但在审计中保留"),
    )
