"""Named attendees of an activity (DESIGN.md §4.1): one ServiceRecord each, written through
``services.record_create`` (so each follows the records' rules, scope and ChangeLog), all or
none. The activity itself is written by ``services_activities``."""

import hashlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, ensure_in_scope

from . import services
from .idempotency import check_key
from .models import Activity, ServiceRecord, ServiceType

MAX_ATTENDEES = 1000


@transaction.atomic
def activity_add_attendees(
    *, acting_user, activity: Activity, residents, service_type: ServiceType, note: str = "", idempotency_key: str = ""
) -> list[ServiceRecord]:
    """One record of ``service_type`` per named attendee, all or none; returns the new records.

    A resident listed twice, or already recorded with this type at this activity, gets one
    record. The providers are the activity's participants (else the user's own member) with
    no hours: their time is counted once, on the activity. A resubmitted form with the same
    ``idempotency_key`` adds nothing."""
    key = check_key(idempotency_key)
    activity = Activity.objects.get(pk=activity.pk)
    ensure_in_scope(acting_user, activity, CHANGE)
    if activity.is_voided or activity.status == Activity.Status.CANCELLED:
        raise ValidationError({"residents": _("该活动已取消或作废，不能登记参加者")})
    if activity.served_on > timezone.localdate():
        raise ValidationError({"residents": _("活动尚未举行，举行后再登记参加者")})
    residents = list(dict.fromkeys(residents))
    if not residents:
        raise ValidationError({"residents": _("请至少添加一位居民")})
    if len(residents) > MAX_ATTENDEES:
        raise ValidationError({"residents": _("一次最多登记 %(n)d 位参加者") % {"n": MAX_ATTENDEES}})
    already = set(
        ServiceRecord.objects.filter(
            activity=activity, service_type=service_type, voided_at__isnull=True, resident__in=residents
        ).values_list("resident_id", flat=True)
    )
    providers = [p.member for p in activity.participants.select_related("member")] or None
    team = activity.teams.order_by("pk").first()
    created, errors = [], []
    for resident in residents:
        if resident.pk in already:
            continue
        try:
            with transaction.atomic():
                saved = services.record_create(
                    acting_user=acting_user,
                    idempotency_key=_item_key(key, resident.pk),
                    service_type=service_type,
                    resident=resident,
                    activity=activity,
                    served_on=activity.served_on,
                    team=team,
                    org=activity.org,
                    providers=providers,
                    hours=Decimal("0"),
                    note=note,
                )
        except ValidationError as exc:
            errors.append(_("%(name)s：%(e)s") % {"name": resident.name, "e": "；".join(exc.messages)})
            continue
        except PermissionDenied:
            errors.append(_("%(name)s：不在您可登记的范围内") % {"name": resident.name})
            continue
        if saved.created:
            created.append(saved.record)
    if errors:
        raise ValidationError({"residents": errors})
    return created


def _item_key(key: str, resident_id: int) -> str:
    if not key:
        return ""
    item = f"{key}:{resident_id}"
    return item if len(item) <= 64 else "a:" + hashlib.sha256(item.encode()).hexdigest()[:60]
