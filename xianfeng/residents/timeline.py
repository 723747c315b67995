"""The resident page's timeline: a registry of sources, so later apps (service records,
programs, needs) add their events without editing this app.

A source is ``callable(*, user, resident) -> Iterable[TimelineEvent]``; register it from the
other app's ``AppConfig.ready()``::

    from xianfeng.residents.timeline import TimelineEvent, register_timeline_source

    @register_timeline_source
    def service_records(*, user, resident):
        for record in scoped(user, ServiceRecord).filter(resident=resident):
            yield TimelineEvent(at=record.served_on, kind="service", title=str(record.service_type))

Sources must read through ``scoped(user, ...)`` like every other selector.

The household page has its own registry, the same way: ``register_household_timeline_source``
takes ``callable(*, user, household) -> Iterable[TimelineEvent]`` and ``household_timeline``
merges them newest first.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone

TimelineSource = Callable[..., Iterable["TimelineEvent"]]
_SOURCES: list[TimelineSource] = []
_HOUSEHOLD_SOURCES: list[TimelineSource] = []


@dataclass
class TimelineEvent:
    at: datetime.datetime | datetime.date
    kind: str  # a short key ("change", "consent", "tag", "service"...) used for the icon and filter
    title: str
    detail: str = ""
    url: str = ""
    icon: str = "dot"  # a Bootstrap icon name
    actor: str = ""
    struck: bool = False  # shown struck through (a voided record)

    @property
    def sort_key(self) -> datetime.datetime:
        if isinstance(self.at, datetime.datetime):
            return self.at if timezone.is_aware(self.at) else timezone.make_aware(self.at)
        return timezone.make_aware(datetime.datetime.combine(self.at, datetime.time.max))

    @property
    def is_date_only(self) -> bool:
        return not isinstance(self.at, datetime.datetime)


def register_timeline_source(source: TimelineSource) -> TimelineSource:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def timeline_sources() -> list[TimelineSource]:
    return list(_SOURCES)


def resident_timeline(*, user, resident, limit: int = 200) -> list[TimelineEvent]:
    """Every registered source's events for ``resident``, newest first."""
    events: list[TimelineEvent] = []
    for source in _SOURCES:
        events.extend(source(user=user, resident=resident))
    events.sort(key=lambda e: e.sort_key, reverse=True)
    return events[:limit]


def register_household_timeline_source(source: TimelineSource) -> TimelineSource:
    if source not in _HOUSEHOLD_SOURCES:
        _HOUSEHOLD_SOURCES.append(source)
    return source


def household_timeline_sources() -> list[TimelineSource]:
    return list(_HOUSEHOLD_SOURCES)


def household_timeline(*, user, household, limit: int = 200) -> list[TimelineEvent]:
    """Every registered household source's events for ``household``, newest first."""
    events: list[TimelineEvent] = []
    for source in _HOUSEHOLD_SOURCES:
        events.extend(source(user=user, household=household))
    events.sort(key=lambda e: e.sort_key, reverse=True)
    return events[:limit]
