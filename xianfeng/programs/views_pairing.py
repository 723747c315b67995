"""结对帮扶 pages: the pairs with this period's contacts made and owed, a new pair, the one-click
pairing of a medical team's families, and the compliance table. Thin: forms shape the input,
services_pairing writes, compliance reads.

The team page takes the team as ``?team=<pk>`` (not in the path): it is a programs page that
writes enrollments, so it is reached and checked as one (programs 查看 to look, 修改 to pair),
and the team itself must be within the user's scope (404 otherwise)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.personal import ExactSearchLimited
from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import CHANGE, can, get_scoped_or_404, scoped
from xianfeng.core.forms import call_service
from xianfeng.residents import selectors as resident_selectors
from xianfeng.residents.models import Household, Resident
from xianfeng.servicelog import selectors_activities
from xianfeng.servicelog.selectors import own_member
from xianfeng.teams.models import Team

from . import services_pairing
from .compliance import compliance_table, current_results, pair_queryset
from .forms_pairing import ComplianceForm, PairingFilterForm, PairingForm, TeamPairingForm
from .models import OPEN_STATUSES, Enrollment

ON_DENIED = ("responsible_member", _("结对后将超出您的权限范围，请检查帮扶人和队伍"))


def _search(user, pairs, query: str):
    """The family or resident (name 简/繁, pinyin initials), the place, or the volunteer."""
    found = Q(region__name__icontains=query) | Q(responsible_member__name__icontains=query)
    found |= Q(data__purpose__icontains=query)
    try:
        found |= Q(
            resident__in=scoped(user, Resident).filter(resident_selectors.search_q(query, user=user)).values("pk")
        )
        found |= Q(
            household__in=scoped(user, Household)
            .filter(resident_selectors.search_q(query, Household, user=user))
            .values("pk")
        )
    except ExactSearchLimited as exc:
        return pairs.filter(found), str(exc)
    return pairs.filter(found), ""


def filtered_pairs(user, form: PairingFilterForm):
    filters = form.filters()
    pairs = pair_queryset(user)
    if not filters.get("closed"):
        pairs = pairs.filter(status__in=OPEN_STATUSES)
    if filters.get("team"):
        pairs = pairs.filter(responsible_team=filters["team"])
    if filters.get("member"):
        pairs = pairs.filter(responsible_member=filters["member"])
    if filters.get("mine"):
        member = own_member(user)
        pairs = pairs.filter(responsible_member=member) if member else pairs.none()
    problem = ""
    if filters.get("q"):
        pairs, problem = _search(user, pairs, filters["q"].strip())
    return pairs.order_by("next_due_on", "id"), problem


def _detail_url(pk: int) -> str:
    try:
        return reverse("programs:enrollment_detail", args=[pk])
    except NoReverseMatch:  # the enrollment pages are another module's
        return ""


def _contact_url(pk: int, back: str) -> str:
    try:
        return f"{reverse('programs:visit_new', args=[pk])}?{urlencode({'kind': 'contact', 'next': back})}"
    except NoReverseMatch:
        return ""


class PairingListView(ScopedListView):
    """Open pairs by next due date: this period's contacts made / target, red when falling behind."""

    model = Enrollment

    def get(self, request):
        form = PairingFilterForm(request.GET or None, user=request.user)
        pairs, problem = filtered_pairs(request.user, form)
        if problem:
            messages.warning(request, problem)
        page = self.paginate(pairs)
        today = timezone.localdate()
        results = current_results(request.user, list(page.object_list), today)
        back = request.get_full_path()
        rows = [
            {
                "pair": pair,
                "now": results.get(pair.pk, {}).get("now"),
                "behind": results.get(pair.pk, {}).get("behind", False),
                "detail_url": _detail_url(pair.pk),
                "contact_url": _contact_url(pair.pk, back) if pair.is_open else "",
            }
            for pair in page.object_list
        ]
        can_change = can(request.user, CHANGE, Enrollment)
        context = {"form": form, "page": page, "rows": rows, "today": today, "can_change": can_change}
        template = "programs/pairing_rows.html" if request.htmx else "programs/pairing_list.html"
        return render(request, template, context)


class PairingNewView(ScopedListView):
    """A new pair: a household, a resident or a township's patients; a member and/or a team."""

    model = Enrollment
    action = CHANGE

    def _render(self, request, form):
        context = {"form": form, "region_options": selectors_activities.region_options(user=request.user)}
        return render(request, "programs/pairing_form.html", context)

    def get(self, request):
        return self._render(request, PairingForm(user=request.user))

    def post(self, request):
        form = PairingForm(request.POST, user=request.user)
        if form.is_valid():
            pair = call_service(
                form,
                services_pairing.pairing_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                **form.service_kwargs(),
            )
            if pair is not None:
                messages.success(request, _("已建立结对：%(p)s") % {"p": pair})
                return redirect(_detail_url(pair.pk) or reverse("programs:pairing_list"))
        return self._render(request, form)


class PairingTeamView(ScopedListView):
    """One click from a medical team: pair every staff member's family not yet paired.

    GET previews the families (and, without ``?team=``, lists the medical teams in scope);
    POST pairs them all or none."""

    model = Enrollment

    def _team(self, request):
        raw = request.GET.get("team") or request.POST.get("team")
        if not raw:
            return None
        if not str(raw).isdigit():
            raise Http404("Not found")
        return get_scoped_or_404(request.user, Team, pk=int(raw))

    def _render(self, request, team, form=None, status=200):
        families = services_pairing.team_families(request.user, team) if team else []
        if form is None and team is not None:
            form = TeamPairingForm(user=request.user, families=families)
        context = {
            "team": team,
            "families": families,
            "form": form,
            "new_count": sum(1 for f in families if f.pairing is None),
            "can_change": can(request.user, CHANGE, Enrollment),
            "teams": [] if team else scoped(request.user, Team).filter(kind=Team.Kind.MEDICAL).order_by("name"),
        }
        return render(request, "programs/pairing_team.html", context, status=status)

    def get(self, request):
        return self._render(request, self._team(request))

    def post(self, request):
        if not can(request.user, CHANGE, Enrollment):
            raise PermissionDenied
        team = self._team(request)
        if team is None:
            messages.error(request, _("请选择医疗队"))
            return self._render(request, None, status=400)
        families = services_pairing.team_families(request.user, team)
        form = TeamPairingForm(request.POST, user=request.user, families=families)
        if form.is_valid():
            made = call_service(
                form,
                services_pairing.pairing_for_team_families,
                on_denied=("member", _("结对后将超出您的权限范围，请检查帮扶人")),
                acting_user=request.user,
                team=team,
                member=form.cleaned_data.get("member"),
                target_count=form.cleaned_data["target_count"],
                target_period=form.cleaned_data["target_period"],
                volunteers=form.volunteers(),
            )
            if made is not None:
                if made:
                    messages.success(request, _("已为 %(n)d 户家属建立结对") % {"n": len(made)})
                else:
                    messages.info(request, _("该队队员的家属都已结对，没有新建"))
                return redirect("programs:pairing_list")
        return self._render(request, team, form)


class PairingComplianceView(ScopedListView):
    """Per pair and per week (month): contacts made, target, met or not; the overall 达标率."""

    model = Enrollment

    def get(self, request):
        form = ComplianceForm(request.GET or None, user=request.user)
        values = form.values()
        table = compliance_table(request.user, **values)
        # The rate covers every pair; the rows are shown a page at a time.
        rows = Paginator(table.rows, self.paginate_by).get_page(request.GET.get("page"))
        context = {"form": form, "table": table, "page": rows, **values}
        return render(request, "programs/pairing_compliance.html", context)
