"""Forms of the enrollment pages: the list's filters, enrolling, editing, closing, voiding and
the hospital/away periods. Forms shape input; the services (and the program behind them) have
the last word, and their errors come back under the fields they name (forms_fields.py)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.accounts.scoping import scoped
from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.core.widgets import AutocompleteSelect
from xianfeng.members.selectors import member_picker_label
from xianfeng.residents import selectors as resident_selectors
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog.forms_records import (
    PROVIDER_AUTOCOMPLETE_URL,
    HouseholdChoiceField,
    ResidentChoiceField,
    VoidForm,
    team_choices,
)
from xianfeng.servicelog.selectors import own_member, provider_queryset
from xianfeng.teams.models import Team

from . import selectors
from .forms_fields import ProgramFieldsMixin
from .models import CLOSED_STATUSES, Period, Status
from .registry import Subject

__all__ = ["EndForm", "EnrollForm", "EnrollmentEditForm", "EnrollmentFilterForm", "PeriodAddForm", "PeriodEndForm"]
__all__ += ["VoidForm"]


class MemberChoiceField(forms.ModelChoiceField):
    widget = AutocompleteSelect(PROVIDER_AUTOCOMPLETE_URL, placeholder=_("输入姓名、拼音首字母或志愿者编号"))

    def label_from_instance(self, obj):
        return member_picker_label(obj)


STATUS_FILTERS = [
    ("", _("全部状态")),
    ("open", _("在管（含失访）")),
    ("overdue", _("逾期未随访")),
    *Status.choices,
]


class EnrollmentFilterForm(forms.Form):
    program = forms.ChoiceField(label=_("项目"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_FILTERS)
    township = forms.ChoiceField(label=_("乡镇"), required=False)
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    member = forms.ModelChoiceField(label=_("责任人"), queryset=None, required=False)
    team = forms.ModelChoiceField(label=_("责任队伍"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("全部项目"))] + [
            (p.code, str(p.name)) for p in selectors.visible_programs(user)
        ]
        towns = resident_selectors.township_choices(user=user)
        self.fields["township"].choices = [("", _("全部乡镇"))] + [(t.code, t.name) for t in towns]
        self.fields["member"].queryset = provider_queryset(user)
        self.fields["team"].queryset = scoped(user, Team)

    def filters(self) -> dict:
        """The valid filters (an invalid one is ignored and named above the list)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class EnrollForm(ProgramFieldsMixin, BootstrapFormMixin, forms.Form):
    """Enroll one subject in ``program``: the subject, the date, who is responsible, and the
    program's own enrollment fields."""

    resident = ResidentChoiceField(label=_("居民"), queryset=None, required=False)
    household = HouseholdChoiceField(label=_("户"), queryset=None, required=False)
    region = forms.ChoiceField(label=_("帮扶地区（乡镇）"), required=False)
    enrolled_on = forms.DateField(label=_("纳入日期"), widget=DateInput)
    responsible_member = MemberChoiceField(label=_("责任人"), queryset=None, required=False)
    responsible_team = forms.ModelChoiceField(label=_("责任队伍"), queryset=None, required=False)

    main_fields = ("resident", "household", "region", "enrolled_on", "responsible_member", "responsible_team")

    def __init__(self, *args, user, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.program = user, program
        if Subject.RESIDENT in program.subjects:
            self.fields["resident"].queryset = (
                scoped(user, Resident).filter(merged_into__isnull=True).select_related("village")
            )
        else:
            del self.fields["resident"]
        if Subject.HOUSEHOLD in program.subjects:
            self.fields["household"].queryset = scoped(user, Household).select_related("head", "village")
        else:
            del self.fields["household"]
        if Subject.REGION in program.subjects:
            towns = resident_selectors.township_choices(user=user)
            self.fields["region"].choices = [("", "—")] + [(t.code, t.name) for t in towns]
        else:
            del self.fields["region"]
        self.fields["responsible_member"].queryset = provider_queryset(user).select_related("branch")
        self.fields["responsible_team"].queryset = (
            scoped(user, Team).select_related("owner_org") if self.is_bound else team_choices(user)
        )
        self.initial.setdefault("enrolled_on", timezone.localdate())
        # Whoever enrolls is responsible unless they name someone else: the person then appears
        # on their own worklist (我的) at once.
        own = own_member(user)
        if own is not None:
            self.initial.setdefault("responsible_member", own.pk)
        self.add_program_fields(program.enrollment_fields)

    def visible_main(self):
        return [self[name] for name in self.main_fields if name in self.fields]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "program": self.program.code,
            "enrolled_on": data["enrolled_on"],
            "responsible_member": data.get("responsible_member"),
            "responsible_team": data.get("responsible_team"),
            "data": self.program_data(),
        }
        for name in ("resident", "household"):
            if data.get(name) is not None:
                kwargs[name] = data[name]
        if data.get("region"):
            kwargs["region"] = selectors.region_by_code(self.user, data["region"])
        return kwargs


class EnrollmentEditForm(ProgramFieldsMixin, BootstrapFormMixin, forms.Form):
    responsible_member = MemberChoiceField(label=_("责任人"), queryset=None, required=False)
    responsible_team = forms.ModelChoiceField(label=_("责任队伍"), queryset=None, required=False)

    def __init__(self, *args, user, enrollment, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrollment = enrollment
        self.fields["responsible_member"].queryset = provider_queryset(user).select_related("branch")
        self.fields["responsible_team"].queryset = team_choices(user, also=enrollment.responsible_team_id)
        if not self.is_bound:
            self.initial.update(
                responsible_member=enrollment.responsible_member_id, responsible_team=enrollment.responsible_team_id
            )
        self.add_program_fields(program.enrollment_fields, stored=enrollment.data)

    def changes(self) -> dict:
        """Only what changed: an unchanged save writes nothing."""
        enrollment, data = self.enrollment, self.cleaned_data
        changes = {}
        if self.program_data() != (enrollment.data or {}):
            changes["data"] = self.program_data()
        if data.get("responsible_member") != enrollment.responsible_member:
            changes["responsible_member"] = data.get("responsible_member")
        if data.get("responsible_team") != enrollment.responsible_team:
            changes["responsible_team"] = data.get("responsible_team")
        return changes


class EndForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("结案方式"),
        choices=[(s.value, s.label) for s in CLOSED_STATUSES],
        widget=forms.RadioSelect,
    )
    ended_on = forms.DateField(label=_("日期"), widget=DateInput, help_text=_("迁出、死亡或结案的日期"))
    reason = forms.CharField(
        label=_("原因"),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("结案须填写原因；迁出可写去向"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("ended_on", timezone.localdate())


class PeriodAddForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Period
        fields = ["kind", "start_on", "end_on", "place", "note"]
        widgets = {"start_on": DateInput, "end_on": DateInput}


class PeriodEndForm(BootstrapFormMixin, forms.Form):
    end_on = forms.DateField(label=_("结束日期"), widget=DateInput)
