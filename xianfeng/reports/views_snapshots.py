"""Published reports (快照): the list, one snapshot with what changed since, publishing, verifying.

A snapshot is visible through ``scoped(user, Snapshot)``: readers of its organization's subtree
and its publisher; another reader gets 404. Publishing needs 统计报表·导出 (its address ends in
"export", access table 表四); verifying recomputes and changes no data, so reading suffices.

Opening a snapshot re-checks it when the audit trail shows a write to the facts since the last
check (a clerk voids a record, the leader reloads the page and sees it), or when that check is
older than RECHECK_AFTER; a snapshot over very many rows is re-checked by the button or by
``manage.py verify_snapshots`` instead of while the reader waits.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import EXPORT, scoped
from xianfeng.servicelog.models import Activity, ServiceRecord

from . import services_snapshots, snapshots
from .definitions import METRICS
from .drill import ACTIVITY, RECORD
from .filters import FilterError, parse_filter
from .metrics import metrics_for
from .models import ReportTemplate, Snapshot
from .narrative import render_narrative
from .placeholders import PlaceholderError
from .reach import may_read_reports

RECHECK_AFTER = datetime.timedelta(minutes=10)
RECHECK_MAX_ROWS = 50_000
HEADLINE = ("person_times", "persons", "households", "events", "townships_covered", "villages_covered", "hours")


# --- the changed rows a reader may open -------------------------------------------------------

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass
class ChangedRow:
    key: str  # "record:12" or "activity:7": a provider's hours show as its record, and so on
    how: set  # ADDED / REMOVED / CHANGED
    figures: list  # labels of the figures it affects
    text: str = ""
    url: str = ""
    voided: bool = False


def changed_rows(user, changes: dict[str, dict]) -> tuple[list[ChangedRow], int]:
    """The records and activities named in ``changes`` that ``user`` may open (via scoped()), and
    how many others there are (counted, not shown: a leader counts psychiatric follow-ups
    without reading them, and a list capped at LIST_CAP names only its first rows)."""
    rows: dict[str, ChangedRow] = {}
    for entry in changes.values():
        for how in (ADDED, REMOVED, CHANGED):
            for key in entry[how]:
                fact = snapshots.fact_of(key)
                row = rows.setdefault(fact, ChangedRow(fact, set(), []))
                row.how.add(how)
                if entry["label"] not in row.figures:
                    row.figures.append(entry["label"])
    ids: dict[str, list[int]] = {RECORD: [], ACTIVITY: []}
    for key in rows:
        kind, pks = snapshots.parse_key(key)
        if kind in ids and pks:
            ids[kind].append(pks[0])
    shown = []
    for obj in scoped(user, ServiceRecord).filter(pk__in=ids[RECORD]).select_related("service_type"):
        row = rows[f"{RECORD}:{obj.pk}"]
        row.text, row.url = str(obj), reverse("servicelog:record_detail", args=[obj.pk])
        row.voided = obj.is_voided
        shown.append(row)
    for obj in scoped(user, Activity).filter(pk__in=ids[ACTIVITY]):
        row = rows[f"{ACTIVITY}:{obj.pk}"]
        row.text = f"{obj.title}（{obj.served_on:%Y-%m-%d}）"
        row.url, row.voided = reverse("servicelog:activity_detail", args=[obj.pk]), obj.is_voided
        shown.append(row)
    shown.sort(key=lambda r: snapshots.sort_key(r.key))
    return shown, max(0, snapshots.rows_affected(changes) - len(shown))


class _SnapshotsView(ScopedListView):
    model = Snapshot

    @classmethod
    def permits(cls, user, **url_kwargs) -> bool:
        return may_read_reports(user) and super().permits(user, **url_kwargs)


class SnapshotListView(_SnapshotsView):
    def get(self, request):
        qs = scoped(request.user, Snapshot).select_related("published_by", "org").defer("metrics", "text")
        page = self.paginate(qs)
        descriptions = snapshots.describe_many(page.object_list)
        rows = [(s, descriptions.get(s.pk, ""), snapshots.summary_line(s.changes)) for s in page.object_list]
        return render(request, "reports/snapshot_list.html", {"page": page, "rows": rows})


def _stale(snapshot: Snapshot) -> bool:
    """Whether the stored check may be out of date."""
    if snapshot.verified_at is None or timezone.now() - snapshot.verified_at >= RECHECK_AFTER:
        return True
    return snapshots.facts_changed_since(snapshot.verified_at)


def _small(snapshot: Snapshot) -> bool:
    return sum(snapshot.figures.values_list("record_count", flat=True)) <= RECHECK_MAX_ROWS


def _verify(request, snapshot: Snapshot) -> Snapshot:
    try:
        return services_snapshots.snapshot_verify(snapshot=snapshot)
    except snapshots.SnapshotError as exc:
        messages.error(request, str(exc))
        return snapshot


def _detail_context(request, snapshot: Snapshot) -> dict:
    figures = list(snapshot.figures.defer("rows"))
    changes = snapshot.changes or {}
    for figure in figures:
        entry = changes.get(figure.key)
        figure.now = entry["now"] if entry else figure.value
        figure.change = entry
    shown, hidden = changed_rows(request.user, changes)
    try:
        description = snapshots.filter_from_params(snapshot.params).describe()
    except snapshots.SnapshotError as exc:
        description = str(exc)
    return {
        "snapshot": snapshot,
        "description": description,
        "figures": figures,
        "changes": [{**entry, "key": key} for key, entry in changes.items()],
        "summary": snapshots.summary_line(changes),
        "changed_rows": shown,
        "hidden_rows": hidden,
        "paragraphs": [p for p in snapshot.text.splitlines() if p.strip()],
    }


class SnapshotDetailView(ScopedObjectView):
    model = Snapshot

    def get(self, request, pk):
        snapshot = self.get_object()
        stale = _stale(snapshot)
        if stale and _small(snapshot):
            snapshot, stale = _verify(request, snapshot), False
        context = _detail_context(request, snapshot)
        context["stale"] = stale
        return render(request, "reports/snapshot_detail.html", context)


class SnapshotVerifyView(ScopedObjectView):
    """POST: re-check now. With HTMX the verification part of the page is replaced."""

    model = Snapshot

    def post(self, request, pk):
        snapshot = _verify(request, self.get_object())
        if request.htmx:
            return render(request, "reports/snapshot_check.html", _detail_context(request, snapshot))
        if snapshot.status == Snapshot.Status.INTACT:
            messages.success(request, _("核验完成：发布后数据未变化"))
        elif snapshot.status == Snapshot.Status.CHANGED:
            messages.warning(request, snapshots.summary_line(snapshot.changes))
        return redirect("reports:snapshot_detail", pk=snapshot.pk)


class PublishForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("报告标题"), max_length=120, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    template = forms.ModelChoiceField(
        label=gettext_lazy("报告模板（可选，正文随报告一起发布）"),
        queryset=ReportTemplate.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = scoped(user, ReportTemplate).filter(active=True)


def _narrative_text(user, flt, template) -> str:
    """The report's text as the narrative preview shows it (title, then its paragraphs)."""
    return render_narrative(user, flt, template).text


class SnapshotPublishView(_SnapshotsView):
    """GET: the filter's figures and a title to confirm; POST: publish and open the snapshot.
    The filter travels as URL parameters (GET) or hidden fields (POST), like every reports page."""

    action = EXPORT

    def get(self, request):
        return self._page(request, request.GET, PublishForm(user=request.user, initial={}), status=200)

    def post(self, request):
        form = PublishForm(request.POST, user=request.user)
        try:
            flt = parse_filter(request.user, request.POST)
        except FilterError:
            return self._page(request, request.POST, form, status=400)
        if not form.is_valid():
            return self._page(request, request.POST, form, status=400)
        template = form.cleaned_data["template"]
        try:
            text = _narrative_text(request.user, flt, template) if template is not None else ""
        except PlaceholderError as exc:
            form.add_error("template", "；".join(exc.errors))
            return self._page(request, request.POST, form, status=400)
        snapshot = services_snapshots.snapshot_publish(
            acting_user=request.user, flt=flt, title=form.cleaned_data["title"], template=template, text=text
        )
        messages.success(request, _("报告已发布，数据已冻结；之后任何影响这些数据的修改都会在此显示"))
        return redirect("reports:snapshot_detail", pk=snapshot.pk)

    def _page(self, request, params, form, *, status):
        context = {"form": form, "errors": {}, "flt": None, "figures": []}
        try:
            flt = parse_filter(request.user, params)
        except FilterError as exc:
            context["errors"] = exc.errors
            return render(request, "reports/snapshot_publish.html", context, status=400)
        if not form.is_bound:
            form.initial = {"title": _("%(scope)s工作情况") % {"scope": flt.describe()}}
        result = metrics_for(request.user, flt, with_programs=False)
        context.update(
            flt=flt,
            hidden=flt.params(),
            figures=[(METRICS[key].label, result[key], METRICS[key].unit) for key in HEADLINE],
        )
        return render(request, "reports/snapshot_publish.html", context, status=status)
