"""Pages of the volunteer hours ledger and of the volunteer service certificates (issue 9 §6)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, can, scoped
from xianfeng.core.forms import call_service
from xianfeng.core.params import query_int
from xianfeng.core.views import PublicView
from xianfeng.members.models import Member
from xianfeng.teams.models import Team

from . import certificates
from . import hours as ledger
from .forms_hours import CertificateForm, PeriodForm, preset_period
from .models import RecordProvider, VolunteerCertificate
from .selectors import own_member

ROWS_PER_PAGE = 50


def _period(request):
    """The period form read from the query string, and (start, end) — None when it has errors."""
    form = PeriodForm(request.GET, today=timezone.localdate())
    if form.is_bound and not form.is_valid():
        return form, None
    return form, form.dates()


def _period_query(start, end) -> str:
    return urlencode({"period": "custom", "start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"})


def _ledger_context(request, member, period) -> dict:
    start, end = period
    member_ledger = ledger.member_hours(user=request.user, member=member, start=start, end=end)
    rows = Paginator(member_ledger.rows, ROWS_PER_PAGE).get_page(request.GET.get("rows_page"))
    return {"ledger": member_ledger, "rows": rows}


def _certificate_url(member, period) -> str:
    query = urlencode({"member": member.pk, "start": f"{period[0]:%Y-%m-%d}", "end": f"{period[1]:%Y-%m-%d}"})
    return f"{reverse('servicelog:certificate_new')}?{query}"


class HoursView(ScopedListView):
    """我的志愿服务时长, and for readers of members (secretaries, clerks, leaders) the ledger of
    every member in their scope, searchable and sortable by hours."""

    model = RecordProvider

    def get(self, request):
        team_id = query_int(request.GET.get("team"))
        form, period = _period(request)
        if team_id and period is not None:
            team = scoped(request.user, Team).filter(pk=team_id).first()
            if team is not None:
                return redirect(f"{reverse('servicelog:hours_team', args=[team.pk])}?{_period_query(*period)}")
        member = own_member(request.user)
        may_issue = can(request.user, CHANGE, VolunteerCertificate)
        context = {
            "form": form,
            "period": period,
            "member": member,
            "may_issue": may_issue,
            "ledger_viewer": can(request.user, VIEW, Member),
            "query": request.GET.get("q", "").strip()[:50],
            "sort": request.GET.get("sort", "hours"),
        }
        if period is not None and member is not None:
            context.update(_ledger_context(request, member, period))
            context["certificate_url"] = _certificate_url(member, period) if may_issue else ""
        if period is not None and context["ledger_viewer"]:
            context["orgs"] = ledger.orgs_for_ledger(user=request.user)
            org_id = query_int(request.GET.get("org"))
            org = next((o for o in context["orgs"] if o.pk == org_id), None) if org_id else None
            context["org"] = org
            members = ledger.org_hours(
                user=request.user,
                start=period[0],
                end=period[1],
                org=org,
                query=context["query"],
                sort=context["sort"],
            )
            context["members_page"] = self.paginate(members)
            context["period_query"] = _period_query(*period)
        if can(request.user, VIEW, Team):
            context["my_teams"] = ledger.own_teams(user=request.user, member=member)
            context["teams"] = ledger.teams_for_ledger(user=request.user) if context["ledger_viewer"] else []
        status = 400 if period is None else 200
        return render(request, "servicelog/hours_index.html", context, status=status)


class HoursMemberView(ScopedObjectView):
    """One member's ledger, for those who may see the member (a volunteer uses /servicelog/hours/)."""

    model = Member

    def get(self, request, pk):
        member = self.get_object()
        form, period = _period(request)
        context = {"form": form, "period": period, "member": member}
        if period is not None:
            context.update(_ledger_context(request, member, period))
            if can(request.user, CHANGE, VolunteerCertificate):
                context["certificate_url"] = _certificate_url(member, period)
        return render(request, "servicelog/hours_member.html", context, status=200 if period else 400)


class HoursTeamView(ScopedObjectView):
    """A team's ledger: members in the team during the period and their hours for the team."""

    model = Team

    def get(self, request, pk):
        team = self.get_object()
        form, period = _period(request)
        context = {"form": form, "period": period, "team": team, "may_view_members": can(request.user, VIEW, Member)}
        if period is not None:
            context["team_ledger"] = ledger.team_hours(user=request.user, team=team, start=period[0], end=period[1])
            context["period_query"] = _period_query(*period)
        return render(request, "servicelog/hours_team.html", context, status=200 if period else 400)


# --- certificates --------------------------------------------------------------------------


class CertificateNewView(ScopedListView):
    """开具志愿服务证明: ?member=&start=&end= prefill; a volunteer issues their own."""

    model = VolunteerCertificate
    action = CHANGE

    def _member_choices(self):
        """None when the user may only issue their own (the form then has no member field)."""
        if can(self.request.user, VIEW, Member):
            return certificates.certificate_member_choices(user=self.request.user)
        return None

    def _form(self, member_choices, member, data=None):
        user = self.request.user
        start, end = preset_period("year", timezone.localdate())
        form = PeriodForm(self.request.GET, today=timezone.localdate())
        if form.is_bound and form.is_valid():
            start, end = form.dates()
        initial = {
            "member": member.pk if member is not None else None,
            "start": start,
            "end": end,
            "handler": str(user)[:50],
        }
        if member is not None:
            org = certificates.default_issuing_org(user=user, member=member)
            initial["issuing_org"] = org.pk if org is not None else None
            initial.update(certificates.last_signatories(user=user, org=org))
        own = own_member(user)
        org_choices = certificates.issuing_org_choices(user=user, member=member or own)
        return CertificateForm(data, initial=initial, member_choices=member_choices, org_choices=org_choices)

    def _prefilled_member(self, member_choices):
        own = own_member(self.request.user)
        if member_choices is None:
            return own
        wanted = query_int(self.request.GET.get("member"))
        if wanted:
            return member_choices.filter(pk=wanted).first() or own
        return own

    def _render(self, form, member, status=200):
        preview = None
        if member is not None and not form.is_bound:
            start, end = form.initial["start"], form.initial["end"]
            preview = ledger.member_hours(user=self.request.user, member=member, start=start, end=end)
        context = {"form": form, "member": member, "preview": preview}
        return render(self.request, "servicelog/certificate_new.html", context, status=status)

    def get(self, request):
        member_choices = self._member_choices()
        member = self._prefilled_member(member_choices)
        return self._render(self._form(member_choices, member), member)

    def post(self, request):
        member_choices = self._member_choices()
        own = own_member(request.user)
        form = self._form(member_choices, None if member_choices is not None else own, request.POST)
        if not form.is_valid():
            return self._render(form, own, status=400)
        data = dict(form.cleaned_data)
        member = data.pop("member", None) if member_choices is not None else own
        if member is None:
            form.add_error(None, _("您的账号未关联人员档案，不能开具本人的志愿服务证明"))
            return self._render(form, None, status=400)
        certificate = call_service(
            form,
            certificates.certificate_issue,
            on_denied=("issuing_org", _("以该组织名义出具后您将无法查看该证明，请选择您所在的支部")),
            acting_user=request.user,
            member=member,
            **data,
        )
        if form.errors:
            return self._render(form, member, status=400)
        messages.success(request, _("已出具志愿服务证明 %(n)s") % {"n": certificate.number})
        return redirect("servicelog:certificate_detail", pk=certificate.pk)


class CertificateListView(ScopedListView):
    model = VolunteerCertificate

    def get(self, request):
        query = request.GET.get("q", "").strip()[:50]
        page = self.paginate(certificates.certificate_list(user=request.user, query=query))
        context = {"page": page, "query": query, "may_issue": can(request.user, CHANGE, VolunteerCertificate)}
        return render(request, "servicelog/certificate_list.html", context)


def _verify_url(request, certificate) -> str:
    url = request.build_absolute_uri(reverse("servicelog:certificate_verify"))
    return f"{url}?{urlencode({'number': certificate.number})}"


class CertificateDetailView(ScopedObjectView):
    """The printable certificate (A4; navigation hidden when printing)."""

    model = VolunteerCertificate

    def get(self, request, pk):
        certificate = self.get_object()
        context = {
            "certificate": certificate,
            "fields": certificates.certificate_fields(certificate),
            "statement": certificates.certificate_statement(certificate),
            "verify_url": _verify_url(request, certificate),
        }
        return render(request, "servicelog/certificate_detail.html", context)


class CertificateDocxView(ScopedObjectView):
    model = VolunteerCertificate

    def get(self, request, pk):
        certificate = self.get_object()
        content = certificates.certificate_docx(certificate, verify_url=_verify_url(request, certificate))
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.docx"'
        return response


class CertificateVerifyView(PublicView):
    """Anyone checks a certificate by its number: issuing organization, date, hours, masked name."""

    def get(self, request):
        number = certificates.normalize_number(request.GET.get("number", ""))
        found = certificates.certificate_public_lookup(number) if number else None
        context = {
            "number": number,
            "searched": bool(number),
            "found": found,
            "masked_name": certificates.mask_name(found.volunteer_name) if found else "",
        }
        return render(request, "servicelog/certificate_verify.html", context)
