"""The worklist page (issue 10 §7): 今日 / 本周 / 逾期 / 失访 tabs with counts, the volunteer's own
list first, filters by program, member, team, organization and place for secretaries and the
county, a per-township (per-team) table of counts, and one tap from a row to the visit form.

One view serves the page and its HTMX partial (tab switches, filters, pages). Rows come from
``worklist.py`` (scoped); a page costs a fixed number of queries whatever its length.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import RegexValidator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.roles import HEALTH, Role
from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import active_grants, can, scoped
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.servicelog.selectors import own_member
from xianfeng.teams.models import Team

from . import worklist
from .models import Enrollment
from .registry import all_programs, get_program

BUCKET_LABELS = {
    "today": gettext_lazy("今日"),
    "week": gettext_lazy("本周"),
    "overdue": gettext_lazy("逾期"),
    "lost": gettext_lazy("失访"),
}
SCOPES = (("mine", gettext_lazy("我的")), ("all", gettext_lazy("全部")))
GROUPS = (("township", gettext_lazy("按乡镇")), ("team", gettext_lazy("按队伍")))


def may_overview(user) -> bool:
    """Secretaries, clerks, doctors, leaders and administrators filter and group the worklist;
    a volunteer (only 党员/志愿者 grants) sees their own list and their organization's."""
    if user.is_superuser:
        return True
    return any(grant.role != Role.MEMBER for grant in active_grants(user))


class WorklistFilterForm(forms.Form):
    bucket = forms.ChoiceField(choices=list(BUCKET_LABELS.items()), required=False)
    scope = forms.ChoiceField(choices=SCOPES, required=False)
    program = forms.ChoiceField(label=gettext_lazy("项目"), required=False)
    member = forms.ModelChoiceField(label=gettext_lazy("责任人"), queryset=Member.objects.none(), required=False)
    team = forms.ModelChoiceField(label=gettext_lazy("责任队伍"), queryset=Team.objects.none(), required=False)
    org = forms.ModelChoiceField(label=gettext_lazy("责任组织"), queryset=Organization.objects.none(), required=False)
    township = forms.CharField(
        label=gettext_lazy("地区代码"),
        required=False,
        validators=[RegexValidator(r"^\d{6}(\d{3}){0,2}$", gettext_lazy("请填写6位县、9位乡镇或12位村代码"))],
    )
    group = forms.ChoiceField(choices=GROUPS, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        health = can(user, HEALTH, Enrollment)
        self.fields["program"].choices = [("", _("全部项目"))] + [
            (p.code, str(p.name)) for p in all_programs() if health or not p.health
        ]
        # Choices within the user's scope only: an id outside it is refused, never looked up.
        self.fields["member"].queryset = scoped(user, Member).only("pk", "name")
        self.fields["team"].queryset = scoped(user, Team).only("pk", "name").order_by("name")
        self.fields["org"].queryset = scoped(user, Organization).only("pk", "name", "path").order_by("path")

    def valid_data(self) -> dict:
        """The valid filters (an invalid one is ignored and shown as a warning)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}


class KnownCountPaginator(Paginator):
    """The bucket's count is already known (the tabs' aggregate): no second COUNT query."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _url_maker(name: str, fallback: str):
    """``pk -> URL`` for a pages' URL another module owns, reversed once per request."""
    marker = 987654321
    try:
        head, tail = reverse(name, args=[marker]).split(str(marker))
    except (NoReverseMatch, ValueError):
        head, tail = fallback.split("<pk>")
    return lambda pk: f"{head}{pk}{tail}"


def _program(code: str):
    try:
        return get_program(code)
    except ValidationError:  # a custom program switched off since
        return None


def main_visit_kind(code: str) -> str:
    """The program's first visit kind: what a tap from the worklist records."""
    program = _program(code)
    return program.visit_kinds[0].code if program is not None and program.visit_kinds else ""


@dataclass
class Row:
    enrollment: Enrollment
    subject: str
    place: str
    program: str
    state: str
    due: datetime.date | None
    days_overdue: int
    responsible: str
    detail_url: str
    visit_url: str


def worklist_rows(enrollments, *, today: datetime.date, next_url: str = "") -> list[Row]:
    """What a worklist row shows (names only: no ID number or phone), with the one-tap link."""
    visit_url = _url_maker("programs:visit_new", "/programs/enrollments/<pk>/visit/")
    detail_url = _url_maker("programs:enrollment_detail", "/programs/enrollments/<pk>/")
    rows = []
    for e in enrollments:
        program = _program(e.program)
        if e.resident_id:
            subject, place = e.resident.name, e.resident.village.name
        elif e.household_id:
            subject, place = str(e.household), e.household.village.name
        elif e.region_id:
            subject, place = e.region.name, _("地区")
        else:
            subject, place = "—", ""
        query = {"kind": main_visit_kind(e.program)} if program else {}
        if next_url:
            query["next"] = next_url
        rows.append(
            Row(
                enrollment=e,
                subject=subject,
                place=place,
                program=str(program.name) if program else e.program,
                state=(program.state_label(e.state) if program and e.state else "") or e.get_status_display(),
                due=e.next_due_on,
                days_overdue=(today - e.next_due_on).days if e.next_due_on and e.next_due_on < today else 0,
                responsible=(
                    e.responsible_member.name
                    if e.responsible_member_id
                    else e.responsible_team.name
                    if e.responsible_team_id
                    else e.org.name
                ),
                detail_url=detail_url(e.pk),
                visit_url=f"{visit_url(e.pk)}?{urlencode(query)}" if query else visit_url(e.pk),
            )
        )
    return rows


def _groups(user, *, by: str, filters: dict, today: datetime.date, base: dict, path: str) -> list[dict]:
    rows = worklist.worklist_groups(
        user,
        by=by,
        program=filters.get("program"),
        org=filters.get("org"),
        township=filters.get("township"),
        today=today,
    )
    keys = [r["key"] for r in rows if r["key"]]
    if by == "township":
        names = dict(scoped(user, Region).filter(pk__in=keys).values_list("pk", "name"))
        param = "township"
    else:
        names = dict(scoped(user, Team).filter(pk__in=keys).values_list("pk", "name"))
        param = "team"
    for row in rows:
        row["label"] = names.get(row["key"], row["key"]) if row["key"] else _("未登记地区")
        # Each count opens the list it counts (rows without a place cannot be filtered to).
        row["urls"] = (
            {b: f"{path}?" + urlencode({**base, param: row["key"], "scope": "all", "bucket": b}) for b in BUCKET_LABELS}
            if row["key"]
            else {}
        )
    return rows


class WorklistView(ScopedListView):
    """``?bucket=today|week|overdue|lost&scope=mine|all&program=&member=&team=&org=&township=&group=``"""

    model = Enrollment
    paginate_by = 30

    def get(self, request):
        user = request.user
        today = timezone.localdate()
        form = WorklistFilterForm(request.GET or None, user=user)
        filters = form.valid_data()
        has_member = own_member(user) is not None
        overview = may_overview(user)
        scope = filters.get("scope") or ("mine" if has_member else "all")
        if scope == "mine" and not has_member:
            scope = "all"
        selection = {
            "program": filters.get("program"),
            "member": filters.get("member"),
            "team": filters.get("team"),
            "org": filters.get("org"),
            "township": filters.get("township"),
            "mine": scope == "mine",
            "today": today,
        }
        counts = worklist.worklist_counts(user, **selection)
        # Open on what was missed: 逾期 when anything is overdue, else 今日.
        bucket = filters.get("bucket") or ("overdue" if counts["overdue"] else "today")
        rows_qs = worklist.worklist(user, bucket=bucket, **selection)
        page = KnownCountPaginator(rows_qs, self.paginate_by, count=counts[bucket]).get_page(request.GET.get("page"))
        base = {k: v for k, v in request.GET.items() if k not in ("bucket", "page")}
        base["scope"] = scope
        context = {
            "form": form,
            "bucket": bucket,
            "scope": scope,
            "has_member": has_member,
            "overview": overview,
            "tabs": [
                {
                    "key": key,
                    "label": label,
                    "count": counts[key],
                    "url": f"{request.path}?" + urlencode({**base, "bucket": key}),
                }
                for key, label in BUCKET_LABELS.items()
            ],
            "scope_urls": {
                key: f"{request.path}?" + urlencode({**base, "scope": key, "bucket": bucket}) for key, _label in SCOPES
            },
            "scopes": SCOPES,
            "page": page,
            "rows": worklist_rows(page, today=today, next_url=request.get_full_path()),
            "member_filter": filters.get("member"),
            "groups": [],
            "show_groups": False,
            "group": filters.get("group") or "township",
            "groupings": GROUPS,
        }
        if overview and scope == "all" and not request.htmx:
            context["show_groups"] = True
            context["groups"] = _groups(
                user, by=context["group"], filters=filters, today=today, base=base, path=request.path
            )
        template = "programs/worklist_body.html" if request.htmx else "programs/worklist.html"
        return render(request, template, context)
