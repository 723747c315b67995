"""The daily digest of due and overdue work for each responsible member (issue 10 §8).

Who gets what: a member with an active account receives the open enrollments due today or
overdue for which they are responsible — named on the enrollment, or leading (队长) a team named
on an enrollment that names no member — and only those their own account may see (a volunteer
never receives a psychiatric patient's name). A digest is identified by its content (member, day,
the enrollments and their due dates): the Digest row's unique fingerprint makes a second run on
the same day, or a retried task, send nothing again.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import scoped
from xianfeng.members.models import Member
from xianfeng.teams.models import TeamMembership

from .channels import configured_channels
from .models import Digest, Enrollment, Status
from .registry import get_program

logger = logging.getLogger("xianfeng.reminders")
MAX_LINES = 30  # a digest lists this many; the rest are counted ("另有 N 项")


@dataclass
class DigestContent:
    member: Member
    due: list
    overdue: list

    def fingerprint(self, on) -> str:
        items = sorted((e.pk, e.next_due_on.isoformat()) for e in self.due + self.overdue)
        raw = f"{self.member.pk}|{on.isoformat()}|{items}"
        return hashlib.sha256(raw.encode()).hexdigest()


def responsible_members(on) -> list[Member]:
    """Members with an active account who are responsible for open work due by ``on``."""
    due = Enrollment.objects.live().filter(status__in=(Status.ENROLLED, Status.ACTIVE), next_due_on__lte=on)
    direct = due.filter(responsible_member__isnull=False).values("responsible_member_id")
    team_only = due.filter(responsible_member__isnull=True, responsible_team__isnull=False).values(
        "responsible_team_id"
    )
    leaders = TeamMembership.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gte=on),
        team_id__in=team_only,
        role=TeamMembership.Role.LEADER,
        start_on__lte=on,
    ).values("member_id")
    return list(
        Member.objects.filter(Q(pk__in=direct) | Q(pk__in=leaders), user__isnull=False, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )


def digest_for(member: Member, on) -> DigestContent:
    led = TeamMembership.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gte=on), member=member, role=TeamMembership.Role.LEADER, start_on__lte=on
    ).values("team_id")
    mine = Q(responsible_member=member) | Q(responsible_member__isnull=True, responsible_team__in=led)
    rows = list(
        scoped(member.user, Enrollment)
        .filter(mine, voided_at__isnull=True, status__in=(Status.ENROLLED, Status.ACTIVE), next_due_on__lte=on)
        .select_related("resident", "household", "region")
        .order_by("next_due_on", "pk")
    )
    return DigestContent(
        member=member,
        due=[e for e in rows if e.next_due_on == on],
        overdue=[e for e in rows if e.next_due_on < on],
    )


def render(content: DigestContent, on) -> tuple[str, str]:
    subject = _("先锋 · 今日到期 %(d)d 项，逾期 %(o)d 项") % {"d": len(content.due), "o": len(content.overdue)}
    lines = []
    for enrollment in (content.overdue + content.due)[:MAX_LINES]:
        subject_obj = enrollment.resident or enrollment.household or enrollment.region
        # Names only as the member's pages show them: no ID number, no phone, no diagnosis.
        late = (on - enrollment.next_due_on).days
        when = _("逾期 %(n)d 天") % {"n": late} if late > 0 else _("今日到期")
        lines.append(f"· {get_program(enrollment.program).name}：{subject_obj}（{when}）")
    rest = len(content.due) + len(content.overdue) - MAX_LINES
    if rest > 0:
        lines.append(_("另有 %(n)d 项，请登录查看“待办随访”") % {"n": rest})
    return subject, "\n".join(lines)


def send_daily_digests(on=None) -> dict:
    """Send today's digests once; returns counts (sent, skipped as already sent, failed)."""
    on = on or timezone.localdate()
    counts = {"sent": 0, "already": 0, "failed": 0, "empty": 0}
    channels = configured_channels()
    for member in responsible_members(on):
        content = digest_for(member, on)
        if not content.due and not content.overdue:
            counts["empty"] += 1
            continue
        counts[_send_once(member, content, on, channels)] += 1
    return counts


def _send_once(member: Member, content: DigestContent, on, channels) -> str:
    fingerprint = content.fingerprint(on)
    try:
        with transaction.atomic():
            digest = Digest.objects.create(
                member=member,
                on_date=on,
                channel=",".join(c.name for c in channels),
                fingerprint=fingerprint,
                due_count=len(content.due),
                overdue_count=len(content.overdue),
            )
    except IntegrityError:
        return "already"
    subject, body = render(content, on)
    errors = []
    for channel in channels:
        try:
            channel.send(member=member, subject=subject, body=body)
        except Exception as exc:  # one channel failing must not stop the others or the run
            logger.warning("reminder to member %s via %s failed: %s", member.pk, channel.name, exc)
            errors.append(f"{channel.name}: {exc}")
    if errors:
        digest.error = "; ".join(errors)[:200]
        digest.save(update_fields=["error"])
        return "failed" if len(errors) == len(channels) else "sent"
    return "sent"
