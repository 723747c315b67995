"""Reads of front-line applications to join the party: an emergency's applications with each
applicant's current stage and next step due (the pipeline's own fields on the member), and the
non-party members an application may be received for. Through ``scoped()`` (area "members")."""

from django.db.models import QuerySet

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.members.models import Member
from xianfeng.members.pipeline import Stage

from .models import Emergency, FrontLineApplication


def applications_of(user, emergency: Emergency) -> QuerySet:
    return (
        scoped(user, FrontLineApplication, VIEW)
        .filter(emergency=emergency)
        .select_related("member__branch", "step")
        .order_by("-step__on_date", "-id")
    )


def applicants(user, emergency: Emergency) -> QuerySet:
    """Non-party members (群众) the user may record a step for, under the emergency's organization."""
    return (
        scoped(user, Member, CHANGE)
        .filter(party_stage=Stage.NONE, branch__path__startswith=emergency.org.path)
        .select_related("branch")
        .order_by("branch__path", "name_initials", "id")
    )
