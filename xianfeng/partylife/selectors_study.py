"""Reads of study (issue 13 §2). Every selector starts from ``scoped()`` (DESIGN.md §4.2).

An item is pushed to every member of its organization and the organizations below it; those
expected to study it are the party members there (正式党员, 预备党员), and anyone else there who
studied it anyway is listed too. A member's own completions are theirs alone (OWN_ONLY): a
volunteer sees only their own rows, a secretary their branch's.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xianfeng.accounts.roles import Role, role_allows
from xianfeng.accounts.scoping import VIEW, active_grants, ancestor_paths, scoped
from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage
from xianfeng.orgs.models import Organization
from xianfeng.servicelog.selectors import own_member

from .models import StudyCompletion, StudyItem

PARTY_STAGES = (Stage.PROBATIONARY, Stage.FULL)


def pushed_paths(path: str) -> list[str]:
    """The organizations whose items reach a member of ``path``: it and those above it."""
    return [*ancestor_paths(path), path]


def is_manager(user) -> bool:
    """Reads study over an organization (a secretary, 党办, a leader), not only their own."""
    if user.is_superuser:
        return True
    return any(role_allows(g.role, "partylife.view") and g.role != Role.MEMBER for g in active_grants(user))


# --- a member's own study ----------------------------------------------------------------------


@dataclass
class MyItem:
    item: StudyItem
    completion: StudyCompletion | None
    overdue: bool


def my_items(user, *, year: int | None = None) -> list[MyItem]:
    """The live items pushed to the user's own member (their branch and the organizations above
    it) that they may see, each with their completion: to do first (overdue first, then by due
    date), then done. Two queries."""
    member = own_member(user)
    if member is None:
        return []
    today = timezone.localdate()
    items = (
        scoped(user, StudyItem)
        .filter(voided_at__isnull=True, org__path__in=pushed_paths(member.branch.path))
        .select_related("org")
        .order_by("-published_on", "-id")
    )
    if year:
        items = items.filter(published_on__year=year)
    items = list(items[:300])
    done = {c.item_id: c for c in scoped(user, StudyCompletion).filter(member=member, item__in=[i.pk for i in items])}
    rows = [MyItem(i, done.get(i.pk), i.pk not in done and i.due_on is not None and i.due_on < today) for i in items]
    rows.sort(
        key=lambda r: (
            r.completion is not None,
            not r.overdue,
            r.item.due_on or datetime.date.max,
            -r.item.published_on.toordinal(),
        )
    )
    return rows


# --- the items of an organization, with their completion rate ----------------------------------


@dataclass
class ItemFilters:
    q: str = ""
    kind: str = ""
    year: int | None = None
    org: int | None = None
    voided: bool = False


def item_list(user, filters: ItemFilters) -> QuerySet:
    items = scoped(user, StudyItem).select_related("org")
    if not filters.voided:
        items = items.filter(voided_at__isnull=True)
    if filters.q:
        items = items.filter(Q(title__icontains=filters.q) | Q(body__icontains=filters.q))
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.year:
        items = items.filter(published_on__year=filters.year)
    if filters.org:
        items = items.filter(org_id=filters.org)
    return items.order_by("-published_on", "-id")


def party_counts(user) -> dict[str, int]:
    """{branch path: party members there} over the members the user may see (one query)."""
    rows = (
        scoped(user, Member)
        .filter(party_stage__in=PARTY_STAGES)
        .values("branch__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["branch__path"]: r["n"] for r in rows}


def expected_under(counts: dict[str, int], path: str) -> int:
    return sum(n for p, n in counts.items() if p.startswith(path))


@dataclass
class ItemRate:
    item: StudyItem
    done: int
    expected: int

    @property
    def rate(self) -> float | None:
        return min(self.done / self.expected, 1.0) if self.expected else None


def with_rates(user, items, counts: dict[str, int] | None = None) -> list[ItemRate]:
    """Each item of a page with how many of the party members the user may see have done it."""
    items = list(items)
    counts = party_counts(user) if counts is None else counts
    done = dict(
        scoped(user, StudyCompletion)
        .filter(item__in=[i.pk for i in items], member__party_stage__in=PARTY_STAGES)
        .values("item_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("item_id", "n")
    )
    return [ItemRate(i, done.get(i.pk, 0), expected_under(counts, i.org.path)) for i in items]


@dataclass
class RosterRow:
    member: Member
    completion: StudyCompletion | None


def item_roster(user, item: StudyItem) -> list[RosterRow]:
    """Who among the members the user may see has studied the item, and who has not yet: the
    party members under the item's organization and anyone else there who studied it."""
    completions = {
        c.member_id: c for c in scoped(user, StudyCompletion).filter(item=item).select_related("member__branch")
    }
    members = list(
        scoped(user, Member)
        .filter(branch__path__startswith=item.org.path)
        .filter(Q(party_stage__in=PARTY_STAGES) | Q(pk__in=list(completions)))
        .select_related("branch")
        .only("pk", "name", "party_stage", "branch__name", "branch__path", "department")
        .order_by("branch__path", "name_initials", "pk")
    )
    seen = {m.pk for m in members}
    members += [c.member for c in completions.values() if c.member_id not in seen]  # a member's own
    rows = [RosterRow(m, completions.get(m.pk)) for m in members]
    rows.sort(key=lambda r: r.completion is None)
    return rows


# --- the study record of an organization for a year --------------------------------------------


@dataclass
class RecordRow:
    member: Member
    expected: int
    done: int
    hours: Decimal

    @property
    def rate(self) -> float | None:
        return min(self.done / self.expected, 1.0) if self.expected else None


@dataclass
class StudyRecord:
    org: Organization
    year: int
    rows: list[RecordRow] = field(default_factory=list)
    items: int = 0

    @property
    def total_done(self) -> int:
        return sum(r.done for r in self.rows)

    @property
    def total_expected(self) -> int:
        return sum(r.expected for r in self.rows)

    @property
    def total_hours(self) -> Decimal:
        return sum((r.hours for r in self.rows), Decimal("0"))

    @property
    def rate(self) -> float | None:
        return min(self.total_done / self.total_expected, 1.0) if self.total_expected else None


def study_record(user, org: Organization, year: int) -> StudyRecord:
    """Per member of ``org``'s subtree (party members, and anyone who studied): the year's items
    pushed to them, how many they completed and the hours. The year is the items' push year.
    Three queries, whatever the number of members."""
    items = list(
        scoped(user, StudyItem)
        .filter(voided_at__isnull=True, published_on__year=year)
        .filter(Q(org__path__startswith=org.path) | Q(org__path__in=ancestor_paths(org.path)))
        .values_list("pk", "org__path")
    )
    done = {
        r["member_id"]: r
        for r in scoped(user, StudyCompletion)
        .filter(item__in=[pk for pk, _path in items], member__branch__path__startswith=org.path)
        .values("member_id")
        .annotate(n=Count("pk"), h=Sum("hours"))
        .order_by()
    }
    members = list(
        scoped(user, Member)
        .filter(branch__path__startswith=org.path)
        .filter(Q(party_stage__in=PARTY_STAGES) | Q(pk__in=list(done)))
        .select_related("branch")
        .only("pk", "name", "party_stage", "branch__name", "branch__path", "department")
        .order_by("branch__path", "name_initials", "pk")
    )
    own = own_member(user)
    if own is not None and own.pk in done and own.pk not in {m.pk for m in members}:
        members.append(own)  # a volunteer sees their own row (they cannot list their colleagues)
    record = StudyRecord(org=org, year=year, items=len(items))
    for member in members:
        expected = sum(1 for _pk, path in items if member.branch.path.startswith(path))
        row = done.get(member.pk, {})
        record.rows.append(RecordRow(member, expected, row.get("n", 0), row.get("h") or Decimal("0")))
    return record


def year_rate(user, org: Organization, year: int) -> tuple[int, int] | None:
    """(done, expected) for the items pushed to all of ``org`` (by it or an organization above)
    in ``year``, over its party members the user may see; None when nothing was pushed."""
    items = list(
        scoped(user, StudyItem)
        .filter(voided_at__isnull=True, published_on__year=year, org__path__in=pushed_paths(org.path))
        .values_list("pk", flat=True)
    )
    if not items:
        return None
    members = scoped(user, Member).filter(branch__path__startswith=org.path, party_stage__in=PARTY_STAGES)
    expected = members.count() * len(items)
    done = (
        scoped(user, StudyCompletion)
        .filter(item__in=items, member__branch__path__startswith=org.path, member__party_stage__in=PARTY_STAGES)
        .count()
    )
    return done, expected


def record_orgs(user) -> QuerySet:
    """The organizations whose study record the user may open (those they may see, live)."""
    return scoped(user, Organization, VIEW).filter(active_to__isnull=True).order_by("path")


def default_record_org(user) -> Organization | None:
    """The organization of the user's first organization grant, their own member's branch, or
    the first organization they may see."""
    for grant in active_grants(user):
        if grant.org_id is not None and grant.role != Role.MEMBER:
            return grant.org
    member = own_member(user)
    if member is not None:
        return member.branch
    return record_orgs(user).first()
