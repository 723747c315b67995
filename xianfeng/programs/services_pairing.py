"""Writes of 结对帮扶 (issue 10 §4): one pair, and the one-click pairing of an outbound medical
team's families.

Which household is a staff member's family: the product has no link between a member and a
household, so the family is declared on the household's category (户类别) 援鄂医务人员家庭
(``medical_family``): its 说明 (note) names the staff member — their volunteer number, or their
full name (e.g. "张医生（援鄂医疗队）家属"). The tag must be valid today and the household in
the user's scope. The confirm page lists every match beside the staff member it was matched to,
so the secretary sees the rule's result before anything is written.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import VIEW, scoped
from xianfeng.members.models import Member
from xianfeng.regions.models import Region
from xianfeng.residents.models import Household, HouseholdTag, HouseholdTagKind, Resident
from xianfeng.teams.models import Team, TeamMembership

from .compliance import WEEK
from .models import OPEN_STATUSES, Enrollment
from .pairing import CODE, contact_service_type, require_responsible
from .services import enrollment_create, enrollment_record_visit


@transaction.atomic
def pairing_create(
    *,
    acting_user,
    resident: Resident | None = None,
    household: Household | None = None,
    region: Region | None = None,
    responsible_member: Member | None = None,
    responsible_team: Team | None = None,
    org=None,
    target_count: int = 2,
    target_period: str = WEEK,
    kind: str = "",
    purpose: str = "",
    staff: str = "",
    enrolled_on: datetime.date | None = None,
) -> Enrollment:
    """Pair a member or team (at least one) with a resident, a household or a township/village."""
    require_responsible(member=responsible_member, team=responsible_team)
    data = {"target_count": target_count, "target_period": target_period, "kind": kind, "purpose": purpose}
    if staff:
        data["staff"] = staff
    return enrollment_create(
        acting_user=acting_user,
        program=CODE,
        resident=resident,
        household=household,
        region=region,
        org=org,
        responsible_member=responsible_member,
        responsible_team=responsible_team,
        enrolled_on=enrolled_on,
        data={k: v for k, v in data.items() if v not in ("", None)},
    )


def pairing_record_contact(
    *,
    acting_user,
    enrollment: Enrollment,
    mode: str = "phone",
    visited_on: datetime.date | None = None,
    reached: bool = True,
    needs: str = "",
    need_raised: bool = False,
    resident: Resident | None = None,
    note: str = "",
    idempotency_key: str = "",
):
    """Record one contact of a pair as the service type that fits its subject and mode."""
    data = {"mode": mode, "reached": reached, "needs": needs, "need_raised": need_raised}
    return enrollment_record_visit(
        acting_user=acting_user,
        enrollment=enrollment,
        kind="contact",
        visited_on=visited_on,
        data={k: v for k, v in data.items() if v not in ("", None)},
        service_type=contact_service_type(enrollment, mode=mode, with_resident=resident is not None),
        resident=resident,
        note=note,
        idempotency_key=idempotency_key,
    )


@dataclass
class Family:
    household: Household
    staff: Member
    pairing: Enrollment | None  # the open pairing it already has (then it is skipped)


def _names_staff(note: str, member: Member) -> bool:
    return bool((member.volunteer_no and member.volunteer_no in note) or (member.name and member.name in note))


def team_families(user, team: Team, *, today: datetime.date | None = None) -> list[Family]:
    """The families (households) of the team's current staff that ``user`` may see; see the
    module's docstring for the rule. Four queries whatever the team's size."""
    today = today or timezone.localdate()
    current = Q(start_on__lte=today) & (Q(end_on__isnull=True) | Q(end_on__gte=today))
    staff = [
        m.member
        for m in scoped(user, TeamMembership, VIEW).filter(current, team=team).select_related("member")
        if m.member_id
    ]
    if not staff:
        return []
    valid = (Q(valid_from__isnull=True) | Q(valid_from__lte=today)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    tags = (
        HouseholdTag.objects.filter(valid, tag=HouseholdTagKind.MEDICAL_FAMILY)
        .filter(household__in=scoped(user, Household, VIEW).values("pk"))
        .exclude(note="")
        .select_related("household__head", "household__village")
        .order_by("household_id", "id")
    )
    matched: dict[int, Family] = {}
    for tag in tags:
        if tag.household_id in matched:
            continue
        member = next((m for m in staff if _names_staff(tag.note, m)), None)
        if member is not None:
            matched[tag.household_id] = Family(tag.household, member, None)
    paired = Enrollment.objects.live().filter(
        program=CODE, status__in=OPEN_STATUSES, household_id__in=list(matched), resident__isnull=True
    )
    for enrollment in paired.select_related("responsible_member"):
        matched[enrollment.household_id].pairing = enrollment
    return sorted(matched.values(), key=lambda f: (f.staff.name, f.household.pk))


@transaction.atomic
def pairing_for_team_families(
    *,
    acting_user,
    team: Team,
    member: Member | None = None,
    target_count: int = 2,
    target_period: str = WEEK,
    volunteers: dict[int, Member] | None = None,
) -> list[Enrollment]:
    """Pair every family of the team's staff that is not yet paired: with ``member``, or with
    the volunteer chosen for that family (``volunteers``: household pk → member). All or
    nothing: one family that cannot be paired leaves every family unpaired, with the reasons
    keyed ``family_<household pk>``. A second click pairs nobody twice."""
    if not scoped(acting_user, Team, VIEW).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("未找到该队伍（或不在您的权限范围内）")})
    if team.kind != Team.Kind.MEDICAL:
        raise ValidationError({"team": _("只有医疗队可以一键结对队员家属")})
    volunteers = volunteers or {}
    families = [f for f in team_families(acting_user, team) if f.pairing is None]
    created, errors = [], {}
    for family in families:
        volunteer = volunteers.get(family.household.pk) or member
        key = f"family_{family.household.pk}"
        if volunteer is None:
            errors[key] = [_("请为“%(h)s”选择帮扶人") % {"h": family.household}]
            continue
        try:
            created.append(
                pairing_create(
                    acting_user=acting_user,
                    household=family.household,
                    responsible_member=volunteer,
                    target_count=target_count,
                    target_period=target_period,
                    kind="family_of_staff",
                    staff=family.staff.name,
                    purpose=_("%(t)s队员%(s)s的家属") % {"t": team.name, "s": family.staff.name},
                )
            )
        except ValidationError as exc:
            errors[key] = [f"{family.household}：{m}" for m in exc.messages]
    if errors:
        raise ValidationError(errors)
    return created
