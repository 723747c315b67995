"""The needs ledger in other apps' pages, by their registries (DESIGN.md §4.11):

- a source reader for the service log: a record that is the evidence of a need links back to
  it ("解决民情：更换轮椅"), only for a reader who may see that need;
- the resident's and the household's timelines list the needs raised by or for them.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import scoped

from .models import Need, Status


def evidence_sources(records, user=None) -> dict:
    """{record id: (label, url)} for records that are evidence of a need.

    With ``user`` (the page's reader) the title is shown for the needs that user may see and
    nothing for the others. Without one (outside a request) the link names the need by number
    only: its page answers 404 to whoever may not see it, and no title leaks."""
    ids = [r.pk for r in records]
    if not ids:
        return {}
    through = Need.records.through.objects.filter(servicerecord_id__in=ids)
    links = list(through.values_list("servicerecord_id", "need_id"))
    if not links:
        return {}
    if user is None:
        needs = {pk: None for _record, pk in links}
    else:
        visible = scoped(user, Need).filter(pk__in={pk for _record, pk in links}, voided_at__isnull=True)
        needs = {need.pk: need for need in visible.only("pk", "title", "status")}
    found = {}
    for record_id, need_id in links:
        if need_id not in needs or record_id in found:
            continue
        need = needs[need_id]
        url = reverse("needs:detail", args=[need_id])
        if need is None:
            found[record_id] = (_("民情诉求 #%(n)s") % {"n": need_id}, url)
        elif need.status == Status.RESOLVED:
            found[record_id] = (_("解决民情：%(t)s") % {"t": need.title}, url)
        else:
            found[record_id] = (_("办理民情：%(t)s") % {"t": need.title}, url)
    return found


def _events(needs, *, household=None):
    from xianfeng.residents.timeline import TimelineEvent

    for need in needs:
        parts = [need.get_category_display(), need.get_status_display()]
        if need.closed_on:
            parts.append(_("%(d)s 办结") % {"d": need.closed_on.isoformat()})
        if need.is_voided:
            parts.insert(0, _("已作废"))
        title = _("民情诉求：%(t)s") % {"t": need.title}
        if household is not None and need.resident_id:
            title = f"{title} · {need.resident.name}"
        yield TimelineEvent(
            at=need.raised_on,
            kind="need",
            title=title,
            detail=" · ".join(parts),
            url=reverse("needs:detail", args=[need.pk]),
            icon="megaphone",
            struck=need.is_voided,
        )


def resident_needs(*, user, resident):
    needs = scoped(user, Need).filter(resident=resident).order_by("-raised_on", "-id")[:100]
    return _events(needs)


def household_needs(*, user, household):
    from xianfeng.residents.models import Resident

    members = scoped(user, Resident).filter(household=household).values("pk")
    needs = (
        scoped(user, Need)
        .filter(Q(household=household) | Q(resident__in=members))
        .select_related("resident")
        .order_by("-raised_on", "-id")[:100]
    )
    return _events(needs, household=household)


def register() -> None:
    from xianfeng.residents.timeline import register_household_timeline_source, register_timeline_source
    from xianfeng.servicelog import hooks

    hooks.register_source_reader(evidence_sources)
    register_timeline_source(resident_needs)
    register_household_timeline_source(household_needs)
