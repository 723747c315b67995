"""An activity's parts (DESIGN.md §4.1): its participants with their hours and its quantities,
rewritten as a whole by ``services_activities`` inside its writes (never called on their own:
the activity's write holds the transaction, the scope check and the ChangeLog).

Every part copies its activity's organization, day and place and whether it counts (held and
not voided), so rollups read the parts alone.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rules, selectors
from .models import Activity, ActivityParticipant, ActivityQuantity


def activity_days(activity: Activity) -> int:
    """Calendar days the activity spans (1 when it has no end): bounds each participant's hours."""
    if activity.end_at is None:
        return 1
    first = timezone.localtime(activity.start_at).date()
    last = timezone.localtime(activity.end_at).date()
    return max((last - first).days + 1, 1)


def replace_participants(acting_user, activity: Activity, participants) -> None:
    """[(member, hours)] or [(member, hours, role)]: each member once, in the user's reach on the day."""
    rows, seen = [], set()
    days = activity_days(activity)
    members = [p[0] for p in participants]
    allowed = set(
        selectors.provider_queryset(acting_user, activity.served_on)
        .filter(pk__in=[m.pk for m in members])
        .values_list("pk", flat=True)
    )
    for item in participants:
        member, hours = item[0], item[1]
        role = (item[2] if len(item) > 2 else "") or ""
        if member.pk in seen:
            raise ValidationError({"participants": _("%(n)s 重复出现") % {"n": member.name}})
        seen.add(member.pk)
        if member.pk not in allowed:
            raise ValidationError({"participants": _("不在您的权限范围内：%(n)s") % {"n": member.name}})
        try:
            clean = rules.clean_hours(Decimal("0") if hours in (None, "") else hours, days=days, field="participants")
        except ValidationError as exc:
            raise ValidationError({"participants": f"{member.name}：{'；'.join(exc.messages)}"}) from None
        rows.append(ActivityParticipant(activity=activity, member=member, hours=clean, role=str(role).strip()[:50]))
    _rewrite(activity, activity.participants, ActivityParticipant, rows)


def replace_quantities(acting_user, activity: Activity, quantities) -> None:
    """[(service type, quantity, unit or "")], one row per type, in the type's unit."""
    rows, seen = [], set()
    health = selectors.may_record_health(acting_user)
    for item in quantities:
        stype, quantity = item[0], item[1]
        unit = (item[2] if len(item) > 2 else "") or ""
        if stype.pk in seen:
            raise ValidationError({"quantities": _("服务类型“%(t)s”重复出现") % {"t": stype.name}})
        seen.add(stype.pk)
        if stype.is_health and not health:
            raise ValidationError({"quantities": _("您没有登记健康类服务（%(t)s）的权限") % {"t": stype.name}})
        try:
            clean = rules.clean_quantity(quantity, type_unit=stype.unit, unit=unit, field="quantities")
        except ValidationError as exc:
            raise ValidationError({"quantities": f"{stype.name}：{'；'.join(exc.messages)}"}) from None
        rows.append(ActivityQuantity(activity=activity, service_type=stype, quantity=clean, unit=stype.unit))
    _rewrite(activity, activity.quantities, ActivityQuantity, rows)


def _rewrite(activity: Activity, manager, model, rows: list) -> None:
    """A plain child table rewritten (the ChangeLog keeps the old list); rows take the activity's place."""
    manager.all().delete()
    for row in rows:
        row.copy_place(activity)
    model.objects.bulk_create(rows)


def sync_parts(activity: Activity) -> None:
    """Parts copy the activity's organization, day and place, and count only when it counts."""
    place = {
        "org_id": activity.org_id,
        "served_on": activity.served_on,
        "village_code": activity.village_code,
        "township_code": activity.township_code,
        "county_code": activity.county_code,
        "counted": activity.counts,
    }
    activity.participants.update(**place)
    activity.quantities.update(**place)
