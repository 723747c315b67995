"""Forms of the emergency's teams: a commando team picked from pledges (checkboxes), more volunteers
added later, an existing team linked with its purpose and temporary branch, and the one-click
pairing of an outbound team's families (one volunteer select per family)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput
from xianfeng.programs.compliance import WEEK
from xianfeng.programs.forms_pairing import PERIOD_CHOICES

from . import selectors_pledges
from . import selectors_teams as selectors
from .forms_pledges import MemberField
from .models import EmergencyTeam


class PledgeChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.member.name}（{obj.member.branch.name}，{obj.get_willing_display()}）"


class LeaderField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.member.name}（{obj.member.branch.name}）"


class CommandoTeamForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("突击队名称"), max_length=100)
    leader = LeaderField(label=_("队长"), queryset=None, required=False, empty_label=_("暂不指定"))
    start_on = forms.DateField(label=_("组建日期"), widget=DateInput, required=False, initial=timezone.localdate)
    purpose = forms.CharField(label=_("任务"), max_length=200, required=False)
    pledges = PledgeChoices(label=_("请战党员"), queryset=None)

    def __init__(self, *args, user, emergency, **kwargs):
        super().__init__(*args, **kwargs)
        placeable = selectors.placeable_pledges(user, emergency)
        self.fields["leader"].queryset = placeable
        self.fields["pledges"].queryset = placeable
        self.fields["pledges"].error_messages["required"] = _("请至少勾选一份请战书")


class AddPledgesForm(BootstrapFormMixin, forms.Form):
    pledges = PledgeChoices(label=_("请战党员"), queryset=None)
    start_on = forms.DateField(label=_("入队日期"), widget=DateInput, required=False, initial=timezone.localdate)

    def __init__(self, *args, user, emergency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledges"].queryset = selectors.placeable_pledges(user, emergency)


class TeamLinkForm(BootstrapFormMixin, forms.Form):
    team = forms.ModelChoiceField(label=_("队伍"), queryset=None)
    purpose = forms.ChoiceField(
        label=_("用途"), choices=[c for c in EmergencyTeam.Purpose.choices if c[0] != EmergencyTeam.Purpose.COMMANDO]
    )
    temporary_branch = forms.ModelChoiceField(label=_("临时党支部"), queryset=None, required=False)

    def __init__(self, *args, user, emergency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.linkable_teams(user, emergency)
        self.fields["temporary_branch"].queryset = selectors_pledges.temporary_branches(user)


class TemporaryBranchForm(BootstrapFormMixin, forms.Form):
    temporary_branch = forms.ModelChoiceField(label=_("临时党支部"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["temporary_branch"].queryset = selectors_pledges.temporary_branches(user)


class FamilyPairingForm(BootstrapFormMixin, forms.Form):
    """One volunteer per unpaired family (``v_<household>``, proposed: a free pledger), or one
    volunteer for all; at least ``target_count`` contacts per ``target_period`` (2 a week)."""

    member = MemberField(label=_("统一帮扶人"), queryset=None, required=False, help_text=_("逐户未选帮扶人时使用"))
    target_count = forms.IntegerField(label=_("每周期至少联系"), min_value=1, max_value=31, initial=2)
    target_period = forms.ChoiceField(label=_("考核周期"), choices=PERIOD_CHOICES, initial=WEEK)

    def __init__(self, *args, user, emergency, families, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        members = selectors.volunteer_choices(user, emergency)
        self.fields["member"].queryset = members
        self.family_fields = []
        for family in families:
            if family.pairing is not None:
                continue
            name = f"v_{family.household.pk}"
            proposed = proposals.get(family.household.pk)
            self.fields[name] = MemberField(
                label=str(family.household), queryset=members, required=False, initial=proposed.pk if proposed else None
            )
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
            self.family_fields.append((family, name))

    def volunteers(self) -> dict:
        return {f.household.pk: self.cleaned_data[n] for f, n in self.family_fields if self.cleaned_data.get(n)}

    def field_of(self) -> dict:
        return {family.household.pk: self[name] for family, name in self.family_fields}
