"""Writes to teams, memberships, posts and zones. Every function re-checks scope in its transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, VIEW, ensure_in_scope, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write, snapshot
from xianfeng.core.text import normalize_name, pinyin_initials
from xianfeng.members.models import Member

from . import rules
from .models import Post, PostAssignment, Team, TeamMembership, Zone, ZoneAssignment

TEAM_EDITABLE = {"name", "kind", "custom_kind", "purpose", "active_from", "owner_org"}


def _team_fields(team: Team) -> None:
    team.name_norm = normalize_name(team.name)[:100]
    team.name_initials = pinyin_initials(team.name)[:50]
    if team.kind == Team.Kind.CUSTOM and not team.custom_kind.strip():
        raise ValidationError({"custom_kind": _("类型为“其他”时请填写自定义类型")})


def _check_org(org) -> None:
    if org is None or not org.is_active:
        raise ValidationError({"owner_org": _("请选择未撤销的所属组织")})


@transaction.atomic
def team_create(*, acting_user, name: str, kind: str, owner_org, **fields) -> Team:
    unknown = set(fields) - TEAM_EDITABLE
    if unknown:
        raise TypeError(f"team_create got unknown fields {sorted(unknown)}")
    _check_org(owner_org)
    team = Team(name=name.strip(), kind=kind, owner_org=owner_org, created_by=acting_user, **fields)
    if team.active_from is None:
        team.active_from = timezone.localdate()
    _team_fields(team)
    team.full_clean()
    team.save()
    ensure_in_scope(acting_user, team, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=team, after=snapshot(team))
    return team


@transaction.atomic
def team_update(*, acting_user, team: Team, **changes) -> Team:
    unknown = set(changes) - TEAM_EDITABLE
    if unknown:
        raise TypeError(f"team_update cannot change {sorted(unknown)}")
    team = Team.objects.select_for_update().get(pk=team.pk)
    ensure_in_scope(acting_user, team, CHANGE)
    before = snapshot(team)
    for field, value in changes.items():
        setattr(team, field, value.strip() if isinstance(value, str) and field != "purpose" else value)
    if "owner_org" in changes:
        _check_org(team.owner_org)
    _team_fields(team)
    first = team.memberships.order_by("start_on").first()
    if first is not None and first.start_on < team.active_from:
        raise ValidationError({"active_from": _("已有成员自 %(d)s 起在队，组建日期不能晚于此") % {"d": first.start_on}})
    team.full_clean()
    team.save()
    ensure_in_scope(acting_user, team, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.UPDATE, obj=team, before=before, after=snapshot(team))
    return team


@transaction.atomic
def team_dissolve(*, acting_user, team: Team, on_date: datetime.date, reason: str) -> Team:
    """End a team: its open memberships end the same day; the roster history stays."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    ensure_in_scope(acting_user, team, CHANGE)
    if team.active_to is not None:
        raise ValidationError(_("该队伍已于 %(d)s 解散") % {"d": team.active_to})
    if on_date < team.active_from:
        raise ValidationError({"on_date": _("解散日期不能早于组建日期 %(d)s") % {"d": team.active_from}})
    late = team.memberships.filter(start_on__gt=on_date).first()
    if late is not None:
        raise ValidationError(
            {"on_date": _("%(m)s 自 %(d)s 起才在队，解散日期不能早于此") % {"m": late.member, "d": late.start_on}}
        )
    before = snapshot(team)
    team.memberships.filter(end_on__isnull=True).update(end_on=on_date, end_reason=reason[:100])
    team.memberships.filter(end_on__gt=on_date).update(end_on=on_date)
    team.active_to = on_date
    team.save(update_fields=["active_to", "updated_at"])
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.DISSOLVE, obj=team, before=before, after=snapshot(team), note=reason
    )
    return team


def _visible_member(acting_user, member: Member) -> None:
    if not scoped(acting_user, Member, VIEW).filter(pk=member.pk).exists():
        raise ValidationError({"member": _("找不到该人员，或其不在您的管理范围内")})


def check_membership(
    team: Team,
    member: Member,
    start_on: datetime.date,
    end_on: datetime.date | None,
    *,
    exclude_pk: int | None = None,
) -> None:
    """The team's active period, no overlap in the same team, and exclusive kinds."""
    if end_on is not None and end_on < start_on:
        raise ValidationError({"end_on": _("结束日期不能早于起始日期")})
    if start_on < team.active_from:
        raise ValidationError({"start_on": _("起始日期不能早于队伍组建日期 %(d)s") % {"d": team.active_from}})
    if team.active_to is not None and (start_on > team.active_to or (end_on or rules.FAR_FUTURE) > team.active_to):
        raise ValidationError({"start_on": _("队伍已于 %(d)s 解散") % {"d": team.active_to}})
    others = TeamMembership.objects.filter(member=member).select_related("team").exclude(pk=exclude_pk)
    if rules.is_exclusive(team.kind):
        others = others.filter(team__kind=team.kind)
    else:
        others = others.filter(team=team)
    for other in others:
        if rules.periods_overlap(start_on, end_on, other.start_on, other.end_on):
            period = f"{other.start_on}–{other.end_on or _('今')}"
            if other.team_id == team.pk:
                message = _("%(m)s 在 %(p)s 已是本队成员") % {"m": member, "p": period}
            else:
                message = _("%(m)s 在 %(p)s 已在同类队伍“%(t)s”（%(k)s每人同一时间只能参加一支）") % {
                    "m": member,
                    "p": period,
                    "t": other.team,
                    "k": team.get_kind_display(),
                }
            raise ValidationError({"member": message})


@transaction.atomic
def membership_add(
    *,
    acting_user,
    team: Team,
    member: Member,
    role: str = TeamMembership.Role.MEMBER,
    start_on: datetime.date,
    end_on: datetime.date | None = None,
) -> TeamMembership:
    team = Team.objects.select_for_update().get(pk=team.pk)
    ensure_in_scope(acting_user, team, CHANGE)
    _visible_member(acting_user, member)
    # Lock the member so two concurrent adds cannot both pass the exclusive-kind check.
    member = Member.objects.select_for_update().get(pk=member.pk)
    check_membership(team, member, start_on, end_on)
    membership = TeamMembership(
        team=team, member=member, role=role, start_on=start_on, end_on=end_on, created_by=acting_user
    )
    membership.full_clean()
    membership.save()
    ensure_in_scope(acting_user, membership, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=membership,
        after=snapshot(membership),
        note=_("%(m)s 加入 %(t)s") % {"m": member, "t": team},
    )
    return membership


@transaction.atomic
def membership_end(
    *, acting_user, membership: TeamMembership, end_on: datetime.date, reason: str = ""
) -> TeamMembership:
    membership = TeamMembership.objects.select_for_update().select_related("team", "member").get(pk=membership.pk)
    ensure_in_scope(acting_user, membership.team, CHANGE)
    if membership.end_on is not None:
        raise ValidationError({"end_on": _("该成员已于 %(d)s 离队") % {"d": membership.end_on}})
    before = snapshot(membership)
    check_membership(membership.team, membership.member, membership.start_on, end_on, exclude_pk=membership.pk)
    membership.end_on = end_on
    membership.end_reason = reason.strip()[:100]
    membership.full_clean()
    membership.save(update_fields=["end_on", "end_reason"])
    changelog_write(
        actor=acting_user, action=ChangeLog.Action.UPDATE, obj=membership, before=before, after=snapshot(membership)
    )
    return membership


@transaction.atomic
def team_rotate(
    *,
    acting_user,
    team: Team,
    on_date: datetime.date,
    leaving: list[TeamMembership] | None = None,
    joining: list[tuple[Member, str]] = (),
    reason: str = "",
) -> list[TeamMembership]:
    """A rotation (轮换): the leaving memberships end the day before ``on_date`` and the joining
    members start on it. ``leaving=None`` rotates out everyone current. All or nothing."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    ensure_in_scope(acting_user, team, CHANGE)
    current = {m.pk: m for m in team.memberships.filter(end_on__isnull=True).select_related("member")}
    if leaving is None:
        leaving = list(current.values())
    if not leaving and not joining:
        raise ValidationError(_("请选择离队或新加入的成员"))
    last_day = rules.rotation_end(on_date)
    reason = reason.strip() or _("轮换")
    for membership in leaving:
        membership = current.get(membership.pk)
        if membership is None:
            raise ValidationError({"leaving": _("只能轮换出本队当前在队的成员")})
        if membership.start_on > last_day:
            raise ValidationError(
                {
                    "on_date": _("%(m)s 自 %(d)s 起才在队，轮换日期须晚于此")
                    % {"m": membership.member, "d": membership.start_on}
                }
            )
        membership_end(acting_user=acting_user, membership=membership, end_on=last_day, reason=reason)
    added = [
        membership_add(acting_user=acting_user, team=team, member=member, role=role, start_on=on_date)
        for member, role in joining
    ]
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.UPDATE,
        obj=team,
        note=_("%(d)s 轮换：离队 %(a)s 人，新加入 %(b)s 人") % {"d": on_date, "a": len(leaving), "b": len(added)},
    )
    return added


# Posts (先锋岗) and zones (责任区): one holder at a time; a new holder takes over.


@transaction.atomic
def post_create(*, acting_user, name: str, owner_org, location: str = "", duties: str = "", active_from=None) -> Post:
    _check_org(owner_org)
    post = Post(
        name=name.strip(),
        owner_org=owner_org,
        location=location.strip(),
        duties=duties,
        active_from=active_from or timezone.localdate(),
        created_by=acting_user,
    )
    post.full_clean()
    post.save()
    ensure_in_scope(acting_user, post, CHANGE)
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=post, after=snapshot(post))
    return post


@transaction.atomic
def zone_create(
    *, acting_user, name: str, owner_org, regions=(), departments=(), description: str = "", active_from=None
) -> Zone:
    _check_org(owner_org)
    zone = Zone(
        name=name.strip(),
        owner_org=owner_org,
        description=description,
        active_from=active_from or timezone.localdate(),
        created_by=acting_user,
    )
    zone.full_clean()
    zone.save()
    zone.regions.set(regions)
    zone.departments.set(departments)
    if not regions and not departments:
        raise ValidationError({"regions": _("责任区须包含至少一个地区或科室")})
    ensure_in_scope(acting_user, zone, CHANGE)
    after = snapshot(zone)
    after["regions"] = sorted(zone.regions.values_list("code", flat=True))
    after["departments"] = sorted(zone.departments.values_list("pk", flat=True))
    changelog_write(actor=acting_user, action=ChangeLog.Action.CREATE, obj=zone, after=after)
    return zone


def _assign(acting_user, holder, model, member, start_on, note):
    holder = type(holder).objects.select_for_update().get(pk=holder.pk)
    ensure_in_scope(acting_user, holder, CHANGE)
    _visible_member(acting_user, member)
    if start_on < holder.active_from:
        raise ValidationError({"start_on": _("起始日期不能早于设立日期 %(d)s") % {"d": holder.active_from}})
    if holder.active_to is not None:
        raise ValidationError(_("已撤销，不能再分配"))
    assignments = holder.assignments
    if assignments.filter(start_on__gte=start_on).exists():
        raise ValidationError({"start_on": _("已有自该日期或更晚开始的分配，起始日期须晚于最近一次分配")})
    current = assignments.filter(end_on__isnull=True).first()
    if current is not None:
        if current.member_id == member.pk:
            raise ValidationError({"member": _("%(m)s 已是当前负责人") % {"m": member}})
        current.end_on = rules.rotation_end(start_on)
        current.save(update_fields=["end_on"])
    assignment = model(member=member, start_on=start_on, note=note.strip(), **{holder._meta.model_name: holder})
    assignment.full_clean()
    assignment.save()
    ensure_in_scope(acting_user, assignment, CHANGE)
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=assignment,
        after=snapshot(assignment),
        note=_("%(m)s 自 %(d)s 负责 %(h)s") % {"m": member, "d": start_on, "h": holder},
    )
    return assignment


@transaction.atomic
def post_assign(*, acting_user, post: Post, member: Member, start_on: datetime.date, note: str = "") -> PostAssignment:
    return _assign(acting_user, post, PostAssignment, member, start_on, note)


@transaction.atomic
def zone_assign(*, acting_user, zone: Zone, member: Member, start_on: datetime.date, note: str = "") -> ZoneAssignment:
    return _assign(acting_user, zone, ZoneAssignment, member, start_on, note)
