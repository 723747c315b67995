"""The rows behind the figures of one filter: live service records, held activities and the rows
that hang off them, within the reader's reach (reach.py).

Every figure (metrics.py), drill-down (drill.py) and snapshot digest (snapshots.py) starts here,
so a figure always equals the size of its drill-down and of its published row set.

A fact carries its organization, day and region code at each level (DESIGN.md §4.10), so the
period, organization and region filters are predicates on its own indexed columns. Type, category
and team pick records by what they are; an activity matches when any of its service types (or
its teams) does. Program picks the program's visits (service records); activities are not part
of a program.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from xianfeng.programs.indicators import region_q
from xianfeng.servicelog.models import Activity, ActivityParticipant, ActivityQuantity, RecordProvider, ServiceRecord

from .filters import ReportFilter
from .reach import restrict


@dataclass
class Facts:
    flt: ReportFilter
    reach: list
    records: QuerySet  # live service records
    activities: QuerySet  # held, unvoided activities
    participants: QuerySet  # counted participations (hours) of those activities
    providers: QuerySet  # counted providers (hours) of those records
    quantities: QuerySet  # counted quantities of those activities

    @property
    def person_time_records(self) -> QuerySet:
        return self.records.filter(service_type__counts_person_time=True)

    @property
    def headcount_activities(self) -> QuerySet:
        return self.activities.filter(headcount__gt=0)


def _place(qs: QuerySet, flt: ReportFilter, prefix: str = "") -> QuerySet:
    qs = qs.filter(**{f"{prefix}served_on__gte": flt.start, f"{prefix}served_on__lte": flt.end})
    if flt.org is not None:
        qs = qs.filter(**{f"{prefix}org__path__startswith": flt.org.path})
    if flt.region is not None:
        qs = qs.filter(region_q(flt.region.code, prefix))
    return qs


def _record_kind(qs: QuerySet, flt: ReportFilter, prefix: str = "") -> QuerySet:
    if flt.service_type is not None:
        qs = qs.filter(**{f"{prefix}service_type": flt.service_type})
    if flt.category:
        qs = qs.filter(**{f"{prefix}service_type__category": flt.category})
    if flt.team is not None:
        qs = qs.filter(**{f"{prefix}team": flt.team})
    if flt.program:
        qs = qs.filter(**{f"{prefix}program_visit__enrollment__program": flt.program})
    return qs


def _activity_kind(qs: QuerySet, flt: ReportFilter) -> QuerySet:
    """Activities of the type, category and team; none under a program filter."""
    if flt.program:
        return qs.none()
    types = Activity.service_types.through.objects.filter(activity_id=OuterRef("pk"))
    if flt.service_type is not None:
        qs = qs.filter(Exists(types.filter(servicetype_id=flt.service_type.pk)))
    if flt.category:
        qs = qs.filter(Exists(types.filter(servicetype__category=flt.category)))
    if flt.team is not None:
        teams = Activity.teams.through.objects.filter(activity_id=OuterRef("pk"), team_id=flt.team.pk)
        qs = qs.filter(Exists(teams))
    return qs


def _quantity_kind(qs: QuerySet, flt: ReportFilter) -> QuerySet:
    """An activity's quantity is of its own service type (whatever types the activity lists);
    team and program pick it through its activity."""
    if flt.program:
        return qs.none()
    if flt.service_type is not None:
        qs = qs.filter(service_type=flt.service_type)
    if flt.category:
        qs = qs.filter(service_type__category=flt.category)
    if flt.team is not None:
        teams = Activity.teams.through.objects.filter(activity_id=OuterRef("activity_id"), team_id=flt.team.pk)
        qs = qs.filter(Exists(teams))
    return qs


def facts_for(flt: ReportFilter, reach: list) -> Facts:
    """The counted rows of ``flt`` within ``reach`` (reach.reach_of(user), or a snapshot's)."""
    records = restrict(_record_kind(_place(ServiceRecord.objects.live(), flt), flt), reach)
    held = Activity.objects.live().filter(status=Activity.Status.HELD)
    activities = restrict(_activity_kind(_place(held, flt), flt), reach)
    providers = restrict(_place(RecordProvider.objects.filter(counted=True), flt), reach)
    participants = restrict(_place(ActivityParticipant.objects.filter(counted=True), flt), reach)
    quantities = restrict(_place(ActivityQuantity.objects.filter(counted=True), flt), reach)
    if flt.narrows_records:
        providers = providers.filter(record__in=records.values("pk"))
        participants = participants.filter(activity__in=activities.values("pk"))
        quantities = _quantity_kind(quantities, flt)
    return Facts(
        flt=flt,
        reach=reach,
        records=records,
        activities=activities,
        participants=participants,
        providers=providers,
        quantities=quantities,
    )
