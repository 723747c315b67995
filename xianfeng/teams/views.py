import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, EXPORT, can, scoped
from xianfeng.audit import selectors as audit_selectors
from xianfeng.core.forms import call_service
from xianfeng.members.selectors import member_choices

from . import rules, selectors, services
from .exports import roster_export_response
from .forms import DissolveTeamForm, EndMembershipForm, MembershipForm, RotateForm, TeamForm
from .models import Team, TeamMembership


def _day(value) -> datetime.date | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


class TeamListView(ScopedListView):
    model = Team

    def get(self, request):
        query = request.GET.get("q", "").strip()
        kind = request.GET.get("kind", "")
        include_dissolved = request.GET.get("dissolved") == "1"
        teams = selectors.team_list(user=request.user, query=query, kind=kind, include_dissolved=include_dissolved)
        page = self.paginate(teams)
        context = {
            "page": page,
            "query": query,
            "kind": kind,
            "include_dissolved": include_dissolved,
            "kinds": Team.Kind.choices,
            "can_change": can(request.user, CHANGE, Team),
        }
        template = "teams/_team_rows.html" if request.htmx else "teams/team_list.html"
        return render(request, template, context)


class TeamCreateView(ScopedListView):
    model = Team
    action = CHANGE

    def _form(self, data=None):
        initial = {"kind": self.request.GET.get("kind", "")}
        return TeamForm(data, initial=initial, org_choices=selectors.owner_org_choices(user=self.request.user))

    def get(self, request):
        return render(request, "teams/form.html", {"form": self._form(), "heading": _("组建队伍")})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            team = call_service(
                form,
                services.team_create,
                on_denied=("owner_org", _("您只能在自己可管理的组织下组建队伍")),
                acting_user=request.user,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(request, _("已组建“%(name)s”，请添加成员") % {"name": team.name})
                return redirect("teams:detail", pk=team.pk)
        return render(request, "teams/form.html", {"form": form, "heading": _("组建队伍")}, status=400)


class TeamDetailView(ScopedObjectView):
    """The roster on any date (?on=2024-05-01), the membership history and the team's changes."""

    model = Team

    def get(self, request, pk):
        team = self.get_object()
        today = timezone.localdate()
        on_date = _day(request.GET.get("on")) or today
        can_change = scoped(request.user, Team, CHANGE).filter(pk=team.pk).exists()
        context = {
            "team": team,
            "on_date": on_date,
            "is_today": on_date == today,
            "roster": selectors.team_roster(user=request.user, team=team, on_date=on_date),
            "history": selectors.team_history(user=request.user, team=team),
            "changes": audit_selectors.object_history(targets={Team: [team.pk]})[:20],
            "can_change": can_change and team.is_active,
            "can_export": can(request.user, EXPORT, Team),
            "exclusive": rules.is_exclusive(team.kind),
            "add_form": MembershipForm(member_choices=member_choices(user=request.user)) if can_change else None,
        }
        template = "teams/_roster.html" if request.htmx else "teams/team_detail.html"
        return render(request, template, context)


class TeamRosterExportView(ScopedObjectView):
    model = Team
    action = EXPORT

    def get(self, request, pk):
        team = self.get_object()
        on_date = _day(request.GET.get("on"))
        if on_date:
            rows = selectors.team_roster(user=request.user, team=team, on_date=on_date)
        else:
            rows = list(selectors.team_history(user=request.user, team=team).select_related("member__branch"))
        return roster_export_response(user=request.user, team=team, memberships=rows, on_date=on_date)


class TeamEditView(ScopedObjectView):
    model = Team
    action = CHANGE

    def _form(self, team, data=None):
        initial = {f: getattr(team, f) for f in ("name", "kind", "custom_kind", "owner_org", "active_from", "purpose")}
        return TeamForm(data, initial=initial, org_choices=selectors.owner_org_choices(user=self.request.user))

    def get(self, request, pk):
        team = self.get_object()
        return render(request, "teams/form.html", {"form": self._form(team), "team": team, "heading": _("编辑队伍")})

    def post(self, request, pk):
        team = self.get_object()
        form = self._form(team, request.POST)
        if form.is_valid():
            call_service(
                form,
                services.team_update,
                on_denied=("owner_org", _("修改后该队伍将超出您的管理范围")),
                acting_user=request.user,
                team=team,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(request, _("已保存"))
                return redirect("teams:detail", pk=team.pk)
        return render(request, "teams/form.html", {"form": form, "team": team, "heading": _("编辑队伍")}, status=400)


class TeamDissolveView(ScopedObjectView):
    model = Team
    action = CHANGE

    def get(self, request, pk):
        team = self.get_object()
        return render(
            request, "teams/team_dissolve.html", {"form": DissolveTeamForm(), "team": team, "heading": _("解散队伍")}
        )

    def post(self, request, pk):
        team = self.get_object()
        form = DissolveTeamForm(request.POST)
        if form.is_valid():
            call_service(form, services.team_dissolve, acting_user=request.user, team=team, **form.cleaned_data)
            if not form.errors:
                messages.success(request, _("队伍已解散，名册历史保留"))
                return redirect("teams:detail", pk=team.pk)
        return render(
            request, "teams/team_dissolve.html", {"form": form, "team": team, "heading": _("解散队伍")}, status=400
        )


class MembershipAddView(ScopedObjectView):
    model = Team
    action = CHANGE

    def _render(self, request, team, form, status=200):
        context = {"form": form, "team": team, "heading": _("添加成员")}
        return render(request, "teams/form.html", context, status=status)

    def get(self, request, pk):
        team = self.get_object()
        return self._render(request, team, MembershipForm(member_choices=member_choices(user=request.user)))

    def post(self, request, pk):
        team = self.get_object()
        form = MembershipForm(request.POST, member_choices=member_choices(user=request.user))
        if form.is_valid():
            membership = call_service(
                form, services.membership_add, acting_user=request.user, team=team, **form.cleaned_data
            )
            if not form.errors:
                messages.success(request, _("%(m)s 已加入") % {"m": membership.member})
                return redirect("teams:detail", pk=team.pk)
        return self._render(request, team, form, status=400)


class MembershipEndView(ScopedObjectView):
    model = TeamMembership
    action = CHANGE

    def get(self, request, pk):
        membership = self.get_object()
        return render(request, "teams/membership_end.html", self._context(membership, EndMembershipForm()))

    def post(self, request, pk):
        membership = self.get_object()
        form = EndMembershipForm(request.POST)
        if form.is_valid():
            call_service(
                form, services.membership_end, acting_user=request.user, membership=membership, **form.cleaned_data
            )
            if not form.errors:
                messages.success(request, _("%(m)s 已离队") % {"m": membership.member})
                return redirect("teams:detail", pk=membership.team_id)
        return render(request, "teams/membership_end.html", self._context(membership, form), status=400)

    def _context(self, membership, form) -> dict:
        heading = _("%(m)s 离队") % {"m": membership.member}
        return {"form": form, "membership": membership, "team": membership.team, "heading": heading}


class TeamRotateView(ScopedObjectView):
    """轮换: end some or all current memberships and start the new ones on one date."""

    model = Team
    action = CHANGE

    def _form(self, team, data=None):
        current = team.memberships.filter(end_on__isnull=True).select_related("member")
        return RotateForm(
            data,
            initial={"leaving": list(current)},
            current=current,
            member_choices=member_choices(user=self.request.user),
        )

    def get(self, request, pk):
        team = self.get_object()
        return render(request, "teams/team_rotate.html", {"form": self._form(team), "team": team, "heading": _("轮换")})

    def post(self, request, pk):
        team = self.get_object()
        form = self._form(team, request.POST)
        if form.is_valid():
            call_service(
                form,
                services.team_rotate,
                acting_user=request.user,
                team=team,
                on_date=form.cleaned_data["on_date"],
                leaving=list(form.cleaned_data["leaving"]),
                joining=form.joining_pairs(),
                reason=form.cleaned_data["reason"],
            )
            if not form.errors:
                messages.success(request, _("轮换完成，此前的名册可按日期查看"))
                return redirect("teams:detail", pk=team.pk)
        return render(request, "teams/team_rotate.html", {"form": form, "team": team, "heading": _("轮换")}, status=400)
