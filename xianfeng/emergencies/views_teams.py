"""Pages of the emergency's teams: the teams at work (and linking an existing one), forming a
commando team from the pledge list with checkboxes, a team's page (roster, more volunteers, its
temporary branch) and the 家属结对 page of an outbound medical team (one click pairs every family
with a volunteer, through the pairing program)."""

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, can, ensure_in_scope, get_scoped_or_404, scoped
from xianfeng.core.forms import apply_errors, call_service
from xianfeng.programs.models import Enrollment

from . import selectors_pledges, services_teams
from . import selectors_teams as selectors
from .forms_pledges import PledgeFilterForm
from .forms_teams import AddPledgesForm, CommandoTeamForm, FamilyPairingForm, TeamLinkForm, TemporaryBranchForm
from .models import EmergencyTeam

ON_DENIED = ("team", _("该操作将超出您的权限范围"))


def team_list_url(emergency) -> str:
    return f"{reverse('emergencies:team_list')}?emergency={emergency.pk}"


def _enrollment_url(pk: int) -> str:
    try:
        return reverse("programs:enrollment_detail", args=[pk])
    except NoReverseMatch:
        return ""


class TeamListView(ScopedListView):
    """The teams at work in an emergency; managers link an existing team (POST)."""

    model = EmergencyTeam

    def _render(self, request, emergency, form=None, status=200):
        user = request.user
        manage = selectors_pledges.may_manage(user, emergency)
        if form is None and manage:
            form = TeamLinkForm(user=user, emergency=emergency)
        context = {
            "emergency": emergency,
            "links": selectors.teams_of(user, emergency),
            "can_manage": manage,
            "form": form,
        }
        return render(request, "emergencies/team_list.html", context, status=status)

    def get(self, request):
        emergency = selectors_pledges.emergency_from(request.user, request.GET.get("emergency"))
        if emergency is None:
            context = {
                "emergencies": selectors_pledges.emergencies_in_reach(request.user)[:50],
                "target": "emergencies:team_list",
            }
            return render(request, "emergencies/pledge_pick_emergency.html", context)
        return self._render(request, emergency)

    def post(self, request):
        if not can(request.user, CHANGE, EmergencyTeam):
            raise PermissionDenied
        emergency = selectors_pledges.emergency_from(
            request.user, request.GET.get("emergency") or request.POST.get("emergency")
        )
        if emergency is None:
            raise BadRequest(_("请先选择应急事件"))
        if not selectors_pledges.may_manage(request.user, emergency):
            raise PermissionDenied
        form = TeamLinkForm(request.POST, user=request.user, emergency=emergency)
        if form.is_valid():
            link = call_service(
                form,
                services_teams.emergency_team_link,
                on_denied=ON_DENIED,
                acting_user=request.user,
                emergency=emergency,
                **form.cleaned_data,
            )
            if link is not None:
                messages.success(request, _("已关联队伍：%(t)s") % {"t": link.team.name})
                return redirect("emergencies:team_detail", pk=link.pk)
        return self._render(request, emergency, form, status=400)


class CommandoTeamCreateView(ScopedListView):
    """Pick volunteers from the pledge list (filter by willing and branch) → 组建突击队."""

    model = EmergencyTeam
    action = CHANGE

    def _emergency(self, request):
        emergency = selectors_pledges.emergency_from(
            request.user, request.GET.get("emergency") or request.POST.get("emergency")
        )
        if emergency is None:
            return None
        if not selectors_pledges.may_manage(request.user, emergency):
            raise PermissionDenied
        return emergency

    def _render(self, request, emergency, form, row_errors=None, status=200):
        user = request.user
        filters = PledgeFilterForm(request.GET or None, branches=selectors_pledges.branch_choices(user, emergency))
        f = filters.filters()
        shown = selectors.placeable_pledges(user, emergency, willing=f.willing, branch=f.branch)
        checked = {str(v) for v in (form["pledges"].value() or [])}
        context = {
            "emergency": emergency,
            "form": form,
            "filters": filters,
            "rows": [
                {"pledge": p, "checked": str(p.pk) in checked, "errors": (row_errors or {}).get(p.pk, [])}
                for p in shown[:500]
            ],
            "hidden_errors": [
                m for pk, msgs in (row_errors or {}).items() if pk not in {p.pk for p in shown} for m in msgs
            ],
        }
        return render(request, "emergencies/team_commando_form.html", context, status=status)

    def get(self, request):
        emergency = self._emergency(request)
        if emergency is None:
            return redirect("emergencies:team_list")
        return self._render(request, emergency, CommandoTeamForm(user=request.user, emergency=emergency))

    def post(self, request):
        emergency = self._emergency(request)
        if emergency is None:
            return redirect("emergencies:team_list")
        form = CommandoTeamForm(request.POST, user=request.user, emergency=emergency)
        row_errors = {}
        if form.is_valid():
            data = form.cleaned_data
            try:
                link = services_teams.commando_team_form(
                    acting_user=request.user,
                    emergency=emergency,
                    name=data["name"],
                    pledges=list(data["pledges"]),
                    leader=data.get("leader"),
                    start_on=data.get("start_on"),
                    purpose=data.get("purpose") or "",
                )
            except ValidationError as exc:
                row_errors = _split(form, exc)
            else:
                messages.success(
                    request, _("已组建%(t)s，%(n)d 名党员") % {"t": link.team.name, "n": len(data["pledges"])}
                )
                return redirect("emergencies:team_detail", pk=link.pk)
        return self._render(request, emergency, form, row_errors, status=400)


def _split(form, exc: ValidationError) -> dict:
    """Errors keyed ``pledge_<pk>`` go beside their rows (and on top); the rest onto the form."""
    rows, rest = {}, {}
    for key, msgs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        if key.startswith("pledge_") and key[7:].isdigit():
            rows[int(key[7:])] = msgs
            form.add_error(None, msgs)
        else:
            rest[key] = msgs
    if rest:
        apply_errors(form, ValidationError(rest))
    return rows


class TeamObjectMixin:
    model = EmergencyTeam

    def get_object(self):
        qs = scoped(self.request.user, EmergencyTeam).select_related(
            "team__owner_org", "emergency__org", "temporary_branch"
        )
        return get_scoped_or_404(self.request.user, qs, self.action, pk=self.kwargs["pk"])


class TeamDetailView(TeamObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        link = self.get_object()
        user = request.user
        manage = selectors_pledges.may_manage(user, link.emergency)
        is_commando = link.purpose == EmergencyTeam.Purpose.COMMANDO
        context = {
            "link": link,
            "emergency": link.emergency,
            "roster": selectors.roster(user, link.team),
            "pledges": selectors_pledges.pledges_of(user, link.emergency).filter(team=link.team),
            "can_manage": manage,
            "add_form": AddPledgesForm(user=user, emergency=link.emergency) if manage and is_commando else None,
            "branch_form": TemporaryBranchForm(user=user, initial={"temporary_branch": link.temporary_branch_id})
            if manage
            else None,
            "is_outbound": link.purpose == EmergencyTeam.Purpose.OUTBOUND,
        }
        return render(request, "emergencies/team_detail.html", context)


class TeamAddPledgesView(TeamObjectMixin, ScopedObjectView):
    action = CHANGE

    def get(self, request, pk):
        return redirect("emergencies:team_detail", pk=self.get_object().pk)

    def post(self, request, pk):
        link = self.get_object()
        form = AddPledgesForm(request.POST, user=request.user, emergency=link.emergency)
        if not form.is_valid():
            messages.error(request, _("请检查填写内容：%(e)s") % {"e": form.errors.as_text()})
        else:
            try:
                services_teams.commando_team_add(
                    acting_user=request.user,
                    emergency_team=link,
                    pledges=list(form.cleaned_data["pledges"]),
                    start_on=form.cleaned_data.get("start_on"),
                )
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, _("已编入 %(n)d 名党员") % {"n": len(form.cleaned_data["pledges"])})
        return redirect("emergencies:team_detail", pk=link.pk)


class TeamBranchView(TeamObjectMixin, ScopedObjectView):
    action = CHANGE

    def get(self, request, pk):
        return redirect("emergencies:team_detail", pk=self.get_object().pk)

    def post(self, request, pk):
        link = self.get_object()
        form = TemporaryBranchForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("请检查填写内容：%(e)s") % {"e": form.errors.as_text()})
        else:
            try:
                services_teams.emergency_team_set_branch(
                    acting_user=request.user,
                    emergency_team=link,
                    temporary_branch=form.cleaned_data["temporary_branch"],
                )
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, _("已保存临时党支部"))
        return redirect("emergencies:team_detail", pk=link.pk)


class TeamFamiliesView(TeamObjectMixin, ScopedObjectView):
    """家属结对: the outbound team's staff families, each with its pairing (helper, last contact,
    next due) or a proposed volunteer; one click pairs them all (programs 修改 needed)."""

    def _render(self, request, link, form=None, status=200):
        user = request.user
        families, proposals = selectors.families_with_defaults(user, link)
        may_pair = (
            can(user, CHANGE, Enrollment)
            and link.purpose == EmergencyTeam.Purpose.OUTBOUND
            and scoped(user, EmergencyTeam, CHANGE).filter(pk=link.pk).exists()
        )
        if form is None and may_pair:
            form = FamilyPairingForm(user=user, emergency=link.emergency, families=families, proposals=proposals)
        fields = form.field_of() if form is not None else {}
        today = timezone.localdate()
        rows = [
            {
                "family": f,
                "field": fields.get(f.household.pk),
                "pairing_url": _enrollment_url(f.pairing.pk) if f.pairing else "",
                "overdue": bool(f.pairing and f.pairing.next_due_on and f.pairing.next_due_on < today),
            }
            for f in families
        ]
        context = {
            "link": link,
            "emergency": link.emergency,
            "rows": rows,
            "form": form,
            "may_pair": may_pair,
            "new_count": sum(1 for f in families if f.pairing is None),
            "is_outbound": link.purpose == EmergencyTeam.Purpose.OUTBOUND,
        }
        return render(request, "emergencies/team_families.html", context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object())

    def post(self, request, pk):
        link = self.get_object()
        ensure_in_scope(request.user, link, CHANGE)  # pairing the families is managing the team
        if not can(request.user, CHANGE, Enrollment):
            raise PermissionDenied
        families, proposals = selectors.families_with_defaults(request.user, link)
        form = FamilyPairingForm(
            request.POST, user=request.user, emergency=link.emergency, families=families, proposals=proposals
        )
        if form.is_valid():
            made = call_service(
                form,
                services_teams.emergency_team_pair_families,
                on_denied=("member", _("结对后将超出您的权限范围，请检查帮扶人")),
                acting_user=request.user,
                emergency_team=link,
                member=form.cleaned_data.get("member"),
                volunteers=form.volunteers(),
                target_count=form.cleaned_data["target_count"],
                target_period=form.cleaned_data["target_period"],
            )
            if made is not None and not form.errors:
                if made:
                    messages.success(request, _("已为 %(n)d 户家属建立结对") % {"n": len(made)})
                else:
                    messages.info(request, _("该队队员的家属都已结对，没有新建"))
                return redirect("emergencies:team_families", pk=link.pk)
        return self._render(request, link, form, status=400)
