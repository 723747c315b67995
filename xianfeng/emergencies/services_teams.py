"""Writes of the emergency's teams (issue 13 §6): a commando team (突击队) formed from 请战书, more
volunteers added to it later, an existing team (an outbound medical team, a closed-ward team)
linked to the emergency with its temporary branch, and the one-click 1-to-1 pairing of an outbound
team's families (through programs.services_pairing, which owns pairing).

A commando team is an ordinary teams.Team (kind 突击队, owned by the emergency's organization) with
its memberships, an EmergencyTeam link and its pledges marked selected — all or nothing: any
pledge that cannot be placed (withdrawn, another emergency's, a volunteer already on another
active commando team) leaves nothing written, with the reasons keyed ``pledge_<pk>``.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.programs.compliance import WEEK
from xianfeng.programs.services_pairing import pairing_for_team_families
from xianfeng.teams import services as team_services
from xianfeng.teams.models import Team, TeamMembership

from .models import Emergency, EmergencyTeam, Pledge
from .services_pledges import commando_error, current_commando, pledge_snapshot

PLACEABLE = (Pledge.Status.SUBMITTED, Pledge.Status.DECLINED)
PURPOSE_KINDS = {
    EmergencyTeam.Purpose.COMMANDO: Team.Kind.COMMANDO,
    EmergencyTeam.Purpose.OUTBOUND: Team.Kind.MEDICAL,
}


def _emergency(acting_user, emergency: Emergency) -> Emergency:
    emergency = Emergency.objects.select_related("org").get(pk=emergency.pk)
    ensure_in_scope(acting_user, emergency, CHANGE)
    return emergency


def _start(emergency: Emergency, start_on: datetime.date | None) -> datetime.date:
    start_on = start_on or timezone.localdate()
    if start_on < emergency.start_on:
        raise ValidationError({"start_on": _("组建日期不能早于应急事件开始日期 %(d)s") % {"d": emergency.start_on}})
    if emergency.end_on is not None and start_on > emergency.end_on:
        raise ValidationError({"start_on": _("应急事件已于 %(d)s 结束") % {"d": emergency.end_on}})
    return start_on


def _placeable(acting_user, emergency: Emergency, pledges, *, exclude_team=None) -> list[Pledge]:
    """The pledges locked, or a ValidationError keyed ``pledge_<pk>`` naming every problem."""
    pks = [p.pk for p in pledges]
    if not pks:
        raise ValidationError({"pledges": _("请至少选择一份请战书")})
    rows = list(
        Pledge.objects.select_for_update(of=("self",)).select_related("member__branch", "team").filter(pk__in=pks)
    )
    changeable = set(scoped(acting_user, Pledge, CHANGE).filter(pk__in=pks).values_list("pk", flat=True))
    errors = {}
    for pk in pks:
        if pk not in {p.pk for p in rows} or pk not in changeable:
            errors[f"pledge_{pk}"] = [_("未找到请战书 #%(p)s（或不在您的权限范围内）") % {"p": pk}]
    today = timezone.localdate()
    for pledge in rows:
        key = f"pledge_{pledge.pk}"
        if key in errors:
            continue
        name = pledge.member.name
        if pledge.emergency_id != emergency.pk:
            errors[key] = [_("%(m)s 的请战书属于另一应急事件") % {"m": name}]
        elif pledge.status == Pledge.Status.WITHDRAWN:
            errors[key] = [_("%(m)s 已撤回请战书") % {"m": name}]
        elif pledge.status == Pledge.Status.SELECTED:
            errors[key] = [_("%(m)s 已编入“%(t)s”") % {"m": name, "t": pledge.team}]
        else:
            membership = current_commando(pledge.member, today=today, exclude_team=exclude_team)
            if membership is not None:
                errors[key] = [commando_error(pledge.member, membership)]
    if errors:
        raise ValidationError(errors)
    return sorted(rows, key=lambda p: pks.index(p.pk))


def _enlist(acting_user, team: Team, pledges: list[Pledge], leader_pk: int | None, start_on) -> None:
    for pledge in pledges:
        role = TeamMembership.Role.LEADER if pledge.member_id == leader_pk else TeamMembership.Role.MEMBER
        try:
            team_services.membership_add(
                acting_user=acting_user, team=team, member=pledge.member, role=role, start_on=start_on
            )
        except ValidationError as exc:
            raise ValidationError({f"pledge_{pledge.pk}": exc.messages}) from None
        before = pledge_snapshot(pledge)
        pledge.status = Pledge.Status.SELECTED
        pledge.team = team
        pledge.save(update_fields=["status", "team", "updated_at"])
        changelog_write(
            actor=acting_user,
            action=ChangeLog.Action.UPDATE,
            obj=pledge,
            before=before,
            after=pledge_snapshot(pledge),
            note=_("编入%(t)s") % {"t": team.name},
        )


def _leader_pk(leader, pledges: list[Pledge]) -> int | None:
    if leader is None:
        return None
    member_pk = leader.member_id if isinstance(leader, Pledge) else leader.pk
    if member_pk not in {p.member_id for p in pledges}:
        raise ValidationError({"leader": _("队长须从所选请战党员中指定")})
    return member_pk


@transaction.atomic
def commando_team_form(
    *,
    acting_user,
    emergency: Emergency,
    name: str,
    pledges,
    leader: Pledge | Member | None = None,
    start_on: datetime.date | None = None,
    purpose: str = "",
) -> EmergencyTeam:
    """Form a commando team from the selected pledges: the team, its members (the leader as 队长),
    the link to the emergency and the pledges marked selected; all or nothing."""
    emergency = _emergency(acting_user, emergency)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写突击队名称")})
    start_on = _start(emergency, start_on)
    rows = _placeable(acting_user, emergency, pledges)
    leader_pk = _leader_pk(leader, rows)
    team = team_services.team_create(
        acting_user=acting_user,
        name=name,
        kind=Team.Kind.COMMANDO,
        owner_org=emergency.org,
        active_from=start_on,
        purpose=(purpose or "").strip() or _("%(e)s党员突击队") % {"e": emergency.name},
    )
    _enlist(acting_user, team, rows, leader_pk, start_on)
    link = EmergencyTeam(emergency=emergency, team=team, purpose=EmergencyTeam.Purpose.COMMANDO)
    link.full_clean()
    link.save()
    ensure_in_scope(acting_user, link, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=link,
        after=snapshot(link),
        note=_("组建突击队“%(t)s”，%(n)d 名党员") % {"t": team.name, "n": len(rows)},
    )
    return link


@transaction.atomic
def commando_team_add(
    *, acting_user, emergency_team: EmergencyTeam, pledges, start_on: datetime.date | None = None
) -> EmergencyTeam:
    """Add more volunteers to a commando team from the emergency's pledges; all or nothing."""
    link = EmergencyTeam.objects.select_related("team", "emergency__org").get(pk=emergency_team.pk)
    ensure_in_scope(acting_user, link, CHANGE)
    if link.purpose != EmergencyTeam.Purpose.COMMANDO:
        raise ValidationError({"pledges": _("只有党员突击队从请战书中选人")})
    if not link.team.is_active:
        raise ValidationError({"pledges": _("该队伍已于 %(d)s 解散") % {"d": link.team.active_to}})
    start_on = _start(link.emergency, start_on)
    rows = _placeable(acting_user, link.emergency, pledges)
    _enlist(acting_user, link.team, rows, None, start_on)
    return link


def _check_branch(acting_user, temporary_branch) -> None:
    if temporary_branch is None:
        return
    if not scoped(acting_user, Organization, VIEW).filter(pk=temporary_branch.pk).exists():
        raise ValidationError({"temporary_branch": _("未找到该组织（或不在您的权限范围内）")})
    if temporary_branch.kind != Organization.Kind.TEMP_BRANCH:
        raise ValidationError({"temporary_branch": _("请选择类型为“临时党支部”的组织")})


@transaction.atomic
def emergency_team_link(
    *, acting_user, emergency: Emergency, team: Team, purpose: str, temporary_branch: Organization | None = None
) -> EmergencyTeam:
    """Put an existing team to work in the emergency (an outbound medical team, a closed-ward team)."""
    emergency = _emergency(acting_user, emergency)
    if not scoped(acting_user, Team, VIEW).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("未找到该队伍（或不在您的权限范围内）")})
    team = Team.objects.get(pk=team.pk)
    if not team.is_active:
        raise ValidationError({"team": _("该队伍已于 %(d)s 解散") % {"d": team.active_to}})
    existing = EmergencyTeam.objects.filter(team=team).select_related("emergency").first()
    if existing is not None:
        raise ValidationError({"team": _("该队伍已关联到“%(e)s”") % {"e": existing.emergency}})
    if purpose not in EmergencyTeam.Purpose.values:
        raise ValidationError({"purpose": _("请选择队伍用途")})
    kind = PURPOSE_KINDS.get(purpose)
    if kind is not None and team.kind != kind:
        raise ValidationError(
            {
                "team": _("用途为“%(p)s”的队伍须是%(k)s（该队为%(t)s）")
                % {"p": EmergencyTeam.Purpose(purpose).label, "k": Team.Kind(kind).label, "t": team.kind_label}
            }
        )
    _check_branch(acting_user, temporary_branch)
    link = EmergencyTeam(emergency=emergency, team=team, purpose=purpose, temporary_branch=temporary_branch)
    link.full_clean()
    link.save()
    ensure_in_scope(acting_user, link, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=link, after=snapshot(link))
    return link


@transaction.atomic
def emergency_team_set_branch(
    *, acting_user, emergency_team: EmergencyTeam, temporary_branch: Organization | None
) -> EmergencyTeam:
    """Set (or clear) the temporary branch of a team in the emergency."""
    link = EmergencyTeam.objects.select_for_update().get(pk=emergency_team.pk)
    ensure_in_scope(acting_user, link, CHANGE)
    _check_branch(acting_user, temporary_branch)
    before = snapshot(link)
    link.temporary_branch = temporary_branch
    link.save(update_fields=["temporary_branch"])
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=link, before=before, after=snapshot(link))
    return link


def emergency_team_pair_families(
    *,
    acting_user,
    emergency_team: EmergencyTeam,
    member: Member | None = None,
    volunteers: dict | None = None,
    target_count: int = 2,
    target_period: str = WEEK,
):
    """One click: pair every family of an outbound team's staff with a volunteer (≥ 2 contacts a
    week by default), through the pairing program's own service (all or none)."""
    link = EmergencyTeam.objects.select_related("team").get(pk=emergency_team.pk)
    if not scoped(acting_user, EmergencyTeam, VIEW).filter(pk=link.pk).exists():
        raise ValidationError({"team": _("未找到该队伍（或不在您的权限范围内）")})
    if link.purpose != EmergencyTeam.Purpose.OUTBOUND:
        raise ValidationError({"team": _("只有援外医疗队可以一键结对队员家属")})
    return pairing_for_team_families(
        acting_user=acting_user,
        team=link.team,
        member=member,
        volunteers=volunteers,
        target_count=target_count,
        target_period=target_period,
    )
