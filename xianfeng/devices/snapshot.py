"""The snapshot a phone keeps for offline work (contract B; issue 14 §2): what the user may record,
their worklist, teams, recent activities, the residents and households that work needs, the
needs assigned to them and the hotline's choices.

Everything is read through ``scoped()`` and the selectors the pages use, so the phone holds no
more than the user's pages show: a user without the health level gets no health program, type,
enrollment or record (those selectors and scoped() filter them), and no resident tag reaches the
phone at all. The number of queries does not depend on how many residents or enrollments there
are (a snapshot of 2 000 residents is one resident query).
"""

import datetime

from django.conf import settings
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.hotline.models import AgeGroup, Call, Channel, Outcome, Topic
from xianfeng.hotline.services_calls import loggable_teams
from xianfeng.needs import selectors as need_selectors
from xianfeng.needs.models import OPEN_STATUSES, Category, Need, Source
from xianfeng.programs import worklist as program_worklist
from xianfeng.programs.api_schemas import field_out
from xianfeng.programs.models import Enrollment
from xianfeng.programs.selectors import visible_programs
from xianfeng.servicelog import selectors as servicelog_selectors
from xianfeng.servicelog.models import Activity, ServiceRecord

from . import snapshot_residents

WORKLIST_DAYS = 30  # upcoming work the phone shows beyond what is due this week
WORKLIST_MAX = 1000
ACTIVITIES_MAX = 100
NEEDS_MAX = 200
WEEK = program_worklist.WEEK_DAYS


def _choices(choices) -> list[list[str]]:
    return [[str(code), str(label)] for code, label in choices]


def user_part(user, member) -> dict:
    return {"id": user.pk, "username": user.username, "name": str(user), "member_id": member.pk if member else None}


def abilities(user) -> dict:
    """What the phone offers: each form only where the user holds the matching 修改."""
    return {
        "record": can(user, CHANGE, ServiceRecord),
        "attendance": can(user, CHANGE, Activity),
        "visit": can(user, CHANGE, Enrollment),
        "call": can(user, CHANGE, Call),
        "need": can(user, CHANGE, Need),
    }


def service_types(user) -> list[dict]:
    """The types the user may record (health types only with the health level)."""
    out = []
    for t in servicelog_selectors.service_types_for(user):
        fields = []
        for spec in t.result_fields or []:
            spec = dict(spec, label=str(spec.get("label", "")))
            spec["choices"] = _choices(spec.get("choices", []))
            fields.append(spec)
        out.append(
            {
                "code": t.code,
                "name": t.name,
                "category": t.category,
                "unit": t.unit,
                "health": t.is_health,
                "result_fields": fields,
            }
        )
    return out


def programs(user) -> list[dict]:
    return [
        {
            "code": p.code,
            "name": str(p.name),
            "visit_kinds": [
                {
                    "code": k.code,
                    "name": str(k.label),
                    "service_types": list(k.service_types),
                    "fields": [field_out(f) for f in k.fields],
                }
                for k in p.visit_kinds
            ],
        }
        for p in visible_programs(user)
    ]


def worklist_state(due: datetime.date, today: datetime.date) -> str:
    """overdue: before today; due: within the week from today (the worklist's 本周); upcoming: later."""
    if due < today:
        return "overdue"
    if due <= today + datetime.timedelta(WEEK - 1):
        return "due"
    return "upcoming"


def worklist_enrollments(user, today: datetime.date) -> list[Enrollment]:
    """The followed enrollments the user or their teams answer for, due within WORKLIST_DAYS or
    overdue, soonest first (programs/worklist.py: scoped, health filtered, lost ones excluded)."""
    horizon = today + datetime.timedelta(WORKLIST_DAYS)
    qs = (
        program_worklist.mine(user, today)
        .filter(status__in=program_worklist.FOLLOWED, next_due_on__isnull=False, next_due_on__lte=horizon)
        .select_related("resident", "household__head", "region")
        .only(
            "pk",
            "program",
            "resident_id",
            "resident__name",
            "household_id",
            "household__head__name",
            "household__number",
            "region__name",
            "next_due_on",
            "last_visit_on",
        )
        .order_by("next_due_on", "id")
    )
    return list(qs[:WORKLIST_MAX])


def worklist_rows(enrollments, names: dict[str, str], today: datetime.date) -> list[dict]:
    rows = []
    for e in enrollments:
        if e.resident_id:
            subject = e.resident.name
        elif e.household_id:
            subject = str(e.household)
        else:
            subject = e.region.name if e.region_id else ""
        rows.append(
            {
                "enrollment_id": e.pk,
                "program": e.program,
                "program_name": names.get(e.program, e.program),
                "resident_id": e.resident_id,
                "household_id": e.household_id,
                "subject": subject,
                "next_due_on": e.next_due_on.isoformat() if e.next_due_on else None,
                "last_visit_on": e.last_visit_on.isoformat() if e.last_visit_on else None,
                "state": worklist_state(e.next_due_on, today),
            }
        )
    return rows


def recent_activities(user, today: datetime.date) -> list[Activity]:
    """Held in the last 60 days (not in the future: attendees are recorded after), in the user's
    change scope, newest first."""
    qs = (
        servicelog_selectors.activities_for_entry(user)
        .filter(served_on__lte=today)
        .prefetch_related("service_types")
        .only("pk", "title", "served_on", "place", "org_id", "village_code", "township_code", "start_at")
    )
    return list(qs[:ACTIVITIES_MAX])


def activity_rows(activities, recordable: set[str]) -> list[dict]:
    rows = []
    for a in activities:
        own = sorted((t for t in a.service_types.all() if t.code in recordable), key=lambda t: (t.sort_order, t.code))
        rows.append(
            {
                "id": a.pk,
                "title": a.title,
                "served_on": a.served_on.isoformat(),
                "place": a.place,
                "org_id": a.org_id,
                "attendee_type": own[0].code if own else None,
            }
        )
    return rows


def needs_part(user) -> dict:
    assigned = (
        need_selectors.need_list(user=user)
        .filter(need_selectors.mine_q(user), status__in=OPEN_STATUSES)
        .order_by("due_on", "-raised_on", "-id")
        .values("pk", "title", "status", "resident_id")[:NEEDS_MAX]
    )
    return {
        "categories": _choices(Category.choices),
        "sources": _choices(Source.choices),
        "assigned": [
            {"id": n["pk"], "title": n["title"], "status": n["status"], "resident_id": n["resident_id"]}
            for n in assigned
        ],
    }


def hotline_part(user, can_call: bool) -> dict | None:
    if not can_call:
        return None
    return {
        "teams": [{"id": t.pk, "name": t.name} for t in loggable_teams(user)],
        "topics": _choices(Topic.choices),
        "outcomes": _choices(Outcome.choices),
        "channels": _choices(Channel.choices),
        "age_groups": _choices(AgeGroup.choices),
    }


def build_snapshot(user, *, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    member = servicelog_selectors.own_member(user)
    teams = list(servicelog_selectors.current_teams(user, today).only("pk", "name"))
    can_do = abilities(user)
    types = service_types(user)
    program_list = programs(user)
    enrollments = worklist_enrollments(user, today)
    activities = recent_activities(user, today)
    ids, households = snapshot_residents.resident_ids(
        user,
        worklist_residents=[e.resident_id for e in enrollments if e.resident_id],
        worklist_households=[e.household_id for e in enrollments if e.household_id],
        member=member,
        team_ids=[t.pk for t in teams],
        activities=activities,
        today=today,
    )
    residents = snapshot_residents.resident_rows(user, ids, today)
    households |= {r["household_id"] for r in residents if r["household_id"]}
    return {
        "server_time": timezone.localtime(now).isoformat(),
        "today": today.isoformat(),
        "max_offline_days": settings.OFFLINE_MAX_DAYS,
        "user": user_part(user, member),
        "can": can_do,
        "service_types": types,
        "teams": [{"id": t.pk, "name": t.name} for t in teams],
        "activities": activity_rows(activities, {t["code"] for t in types}),
        "residents": residents,
        "households": snapshot_residents.household_rows(user, households),
        "programs": program_list,
        "worklist": worklist_rows(enrollments, {p["code"]: p["name"] for p in program_list}, today),
        "needs": needs_part(user),
        "hotline": hotline_part(user, can_do["call"]),
    }
