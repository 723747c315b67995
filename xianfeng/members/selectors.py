import datetime

from django.db.models import F, Q, QuerySet

from xianfeng.accounts.personal import exact_lookup
from xianfeng.accounts.scoping import CHANGE, VIEW, permission_filter, scoped
from xianfeng.core.idnumber import IdNumberError, normalize_id_number, parse_id_number
from xianfeng.core.text import looks_like_initials, normalize_name, to_halfwidth
from xianfeng.core.widgets import first_matches, prefix_q
from xianfeng.orgs.models import Organization
from xianfeng.orgs.selectors import name_matches

from . import pipeline
from .identity import normalize_phone
from .models import Member, PartyStep
from .services import events_of


def member_search_q(query: str, *, user) -> Q:
    """Name (Simplified or Traditional), pinyin initials, ID number, phone or volunteer number.

    A full ID number or phone is an exact search: logged and rate-limited through
    accounts.personal.exact_lookup (raises ExactSearchLimited over the hourly limit).
    """
    query = query.strip()
    q = name_matches(query)
    compact = normalize_id_number(query)
    if len(compact) >= 15 and compact[:17].isdigit():
        try:
            compact = parse_id_number(compact).value
        except IdNumberError:
            pass
        q |= Q(id_number_index=exact_lookup(acting_user=user, model=Member, field="id_number", value=compact))
    phone = normalize_phone(query)
    if phone.isdigit() and len(phone) == 11:
        q |= Q(phone_index=exact_lookup(acting_user=user, model=Member, field="phone", value=phone))
    if query.upper().startswith("ZY"):
        q |= Q(volunteer_no__iexact=query)
    return q


def member_list(
    *,
    user,
    query: str = "",
    branch_id: int | None = None,
    stage: str = "",
    category: str = "",
    action: str = VIEW,
) -> QuerySet:
    qs = scoped(user, Member, action).select_related("branch")
    if query:
        qs = qs.filter(member_search_q(query, user=user))
    if branch_id:
        branch = Organization.objects.filter(pk=branch_id).first()
        qs = qs.filter(branch__path__startswith=branch.path) if branch else qs.none()
    if stage:
        qs = qs.filter(party_stage=stage)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("branch__path", "name_initials", "id")


def member_worklist(*, user, branch_id: int | None = None, within_days: int | None = None) -> QuerySet:
    """Members in the pipeline, most pressing first (overdue, then by deadline, undated last)."""
    qs = member_list(user=user, branch_id=branch_id).filter(party_stage__in=pipeline.IN_PIPELINE)
    if within_days is not None:
        limit = datetime.date.today() + datetime.timedelta(days=within_days)
        qs = qs.filter(next_due_on__lte=limit)
    return qs.order_by(F("next_due_on").asc(nulls_last=True), "branch__path", "name_initials")


def member_dues(member: Member) -> list[pipeline.Due]:
    return pipeline.dues(events_of(member.party_steps.all()))


def member_steps(*, user, member: Member) -> QuerySet:
    return scoped(user, PartyStep, VIEW).filter(member=member).select_related("branch").order_by("on_date", "id")


def orgs_for(user, permission: str) -> QuerySet:
    """Organizations where ``user`` holds ``permission`` (e.g. "members.change"), by the same grants
    that scoped() reads: the choices for "which branch" in forms and imports."""
    qs = Organization.objects.all()
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    combined = permission_filter(user, Organization, permission)
    return qs if combined is None else qs.filter(combined)


def branch_choices(*, user, action: str = CHANGE) -> QuerySet:
    """Organizations a member may be registered in by this user: in scope and not dissolved."""
    return orgs_for(user, f"members.{action}").filter(active_to__isnull=True).order_by("path")


def member_choices(*, user, action: str = VIEW) -> QuerySet:
    return scoped(user, Member, action).select_related("branch").order_by("branch__path", "name_initials")


def member_autocomplete(*, user, query: str, action: str = VIEW, base: QuerySet | None = None) -> list[Member]:
    """At most 20 members in scope for a picker: name prefix (简/繁), pinyin initials, volunteer
    number or the last four phone digits. One bounded query per key, each along an index.
    ``base``: the members to search instead of those in the user's scope for ``action`` (it must
    itself come from ``scoped()``, e.g. the service log's providers)."""
    text = to_halfwidth(query).strip()
    if not text:
        return []
    if base is None:
        base = scoped(user, Member, action)
    base = base.select_related("branch")
    queries = []
    name = normalize_name(text)
    if name:
        queries.append(base.filter(prefix_q("name_norm", name)).order_by("name_norm", "id"))
    if looks_like_initials(text):
        queries.append(base.filter(prefix_q("name_initials", text.lower())).order_by("name_initials", "id"))
    compact = text.replace(" ", "").upper()
    if compact.isalnum() and any(ch.isdigit() for ch in compact):
        queries.append(base.filter(prefix_q("volunteer_no", compact)).order_by("volunteer_no"))
    if compact.isdigit() and len(compact) == 4:
        queries.append(base.filter(phone_last4=compact).order_by("name_initials", "id"))
    return first_matches(queries)


def member_picker_label(member: Member) -> str:
    """Name, organization and public number: never an ID number (masked or not)."""
    label = f"{member.name}（{member.branch.name}）"
    return f"{label} {member.volunteer_no}" if member.volunteer_no else label
