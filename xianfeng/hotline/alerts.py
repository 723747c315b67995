"""A crisis alerts its supervisor at once (issue 12 §1): through the reminder channels when it is
raised, and on screen on every page until it is closed.

The channel text names the team, the time and the call's number, never the caller's phone or
what was said (an SMS or an e-mail leaves the system). A channel that fails is logged, never
raised: the call is saved already, and the on-screen banner still shows the crisis.

The banner is a context processor (``escalation_banner``): nothing for users without
"hotline.view" (the grants are already loaded for the sidebar), and at most one query for the
others, run only when a template reads it.
"""

import logging

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from xianfeng.accounts.models import Grant
from xianfeng.accounts.roles import ROLE_PERMISSIONS, role_allows
from xianfeng.accounts.scoping import CHANGE, VIEW, can, scoped
from xianfeng.members.models import Member
from xianfeng.programs.channels import configured_channels

from .models import Escalation

logger = logging.getLogger("xianfeng.hotline")
MAX_FALLBACK_RECIPIENTS = 20


def alert_text(escalation: Escalation) -> tuple[str, str]:
    call = escalation.call
    started = timezone.localtime(call.started_at)
    due = timezone.localtime(escalation.due_at)
    subject = _("【热线危机升级】高风险来电 #%(n)s") % {"n": call.pk}
    body = _("%(team)s %(t)s 的来电需要督导立即处理，请在 %(due)s 前处理并关闭：%(url)s") % {
        "team": call.team.name if call.team_id else _("热线"),
        "t": started.strftime("%m-%d %H:%M"),
        "due": due.strftime("%H:%M"),
        "url": reverse("hotline:escalation_detail", args=[escalation.pk]),
    }
    return subject, body


def _fallback_recipients(escalation: Escalation) -> list[Member]:
    """Without a named supervisor: the members whose users may change this escalation."""
    roles = [role for role in ROLE_PERMISSIONS if role_allows(role, "hotline.change")]
    users = {
        g.user
        for g in Grant.objects.filter(active=True, role__in=roles).select_related("user")[:200]
        if g.user.is_active
    }
    found = []
    for user in users:
        if len(found) >= MAX_FALLBACK_RECIPIENTS:
            break
        member = Member.objects.filter(user=user).first()
        if member is not None and scoped(user, Escalation, CHANGE).filter(pk=escalation.pk).exists():
            found.append(member)
    return found


def send_escalation_alert(escalation_id: int) -> int:
    """Send the alert through every configured channel; returns how many messages went out.
    Runs on commit: failures are logged and swallowed."""
    try:
        escalation = Escalation.objects.select_related("call__team", "supervisor__user").get(pk=escalation_id)
        recipients = [escalation.supervisor] if escalation.supervisor_id else _fallback_recipients(escalation)
        subject, body = alert_text(escalation)
        channels = configured_channels()
    except Exception:
        logger.exception("hotline alert for escalation %s could not be prepared", escalation_id)
        return 0
    sent = 0
    for member in recipients:
        for channel in channels:
            try:
                channel.send(member=member, subject=subject, body=body)
            except Exception as exc:  # a channel down must not hide the crisis: the banner still shows it
                logger.warning(
                    "hotline alert %s via %s to member %s failed: %s", escalation_id, channel.name, member.pk, exc
                )
            else:
                sent += 1
    if sent:
        Escalation.objects.filter(pk=escalation_id).update(alerted=True)
    return sent


# --- on screen ---------------------------------------------------------------------------


class Banner:
    """Read lazily by base.html: ``count`` (open escalations to act on), ``overdue`` (past due),
    ``url`` (the list)."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def _counts(self) -> tuple[int, int]:
        now = timezone.now()
        row = banner_queryset(self.user).aggregate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))
        return row["n"], row["late"]

    @property
    def count(self) -> int:
        return self._counts[0]

    @property
    def overdue(self) -> int:
        return self._counts[1]

    @property
    def url(self) -> str:
        return reverse("hotline:escalation_list") + "?status=open"

    def __bool__(self) -> bool:
        return self.count > 0


def banner_queryset(user):
    """Open escalations of counted calls that name ``user``'s member as supervisor, or name no
    supervisor, within the user's "hotline.change" scope."""
    return scoped(user, Escalation, CHANGE).filter(
        Q(supervisor__user=user) | Q(supervisor__isnull=True),
        closed_at__isnull=True,
        call__voided_at__isnull=True,
    )


def escalation_banner(request) -> dict:
    """Context processor: ``hotline_alert`` — a Banner, or None for users who cannot see calls."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not can(user, VIEW, Escalation):
        return {"hotline_alert": None}
    return {"hotline_alert": Banner(user)}
