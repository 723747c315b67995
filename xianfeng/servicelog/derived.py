"""Service records that another app's fact puts into the figures (issue 12).

A hotline call, a distribution of materials: the fact lives in its own app, with its own
permission ("hotline.change", "materials.change"), and its record makes it one more 人次 or
quantity in every figure (DESIGN.md §2). The owning app's service has checked the acting user's
scope over its own fact; these functions write the record beside it, in the same transaction,
with its ChangeLog row, and without the service log's own permission checks (a hotline duty
member holds no "servicelog.change", and a call is health data they may record).

The owning app registers an edit guard (hooks.register_edit_guard) so the record is corrected
or voided only through its fact, and a source reader (hooks.register_source_reader) so a
record's page links back to the call or the distribution.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write

from . import rules
from .models import RecordProvider, ServiceRecord, ServiceType


def derived_record_create(
    *,
    acting_user,
    service_type: ServiceType,
    org,
    served_on: datetime.date,
    place_code: str = "",
    providers: list[tuple] = (),
    resident=None,
    household=None,
    team=None,
    activity=None,
    quantity: Decimal | int = 1,
    result: dict | None = None,
    note: str = "",
) -> ServiceRecord:
    """Save the record of another app's fact; call inside that app's transaction.

    ``providers`` is [(member, hours)]; ``place_code`` the most precise region code known
    ('' for none: an anonymous call adds no township to the coverage figures)."""
    rules.check_subject(service_type.subject, has_resident=resident is not None, has_household=household is not None)
    rules.check_served_on(
        served_on,
        today=timezone.localdate(),
        born=resident.birth_date if resident is not None else None,
        died=resident.deceased_on if resident is not None else None,
    )
    record = ServiceRecord(
        service_type=service_type,
        org=org,
        served_on=served_on,
        resident=resident,
        household=household,
        team=team,
        activity=activity,
        quantity=Decimal(quantity),
        result=result or {},
        note=note[:500],
        health=service_type.is_health,
        created_by=acting_user,
    )
    record.set_place(place_code)
    record.full_clean(exclude=["created_by", "voided_by", "org", "service_type", "resident", "household", "team"])
    record.save()
    RecordProvider.objects.bulk_create(
        [
            RecordProvider(
                record=record,
                member=member,
                hours=rules.clean_hours(hours),
                org_id=record.org_id,
                served_on=record.served_on,
                village_code=record.village_code,
                township_code=record.township_code,
                county_code=record.county_code,
            )
            for member, hours in dict(providers).items()
        ]
    )
    changelog_write(
        actor=acting_user,
        action=ChangeLog.Action.CREATE,
        obj=record,
        after={
            "service_type": service_type.code,
            "served_on": str(served_on),
            "quantity": str(record.quantity),
            "providers": [f"{m.name} {h}h" for m, h in dict(providers).items()],
            "note": record.note,
        },
    )
    return record


def derived_record_void(*, acting_user, record: ServiceRecord | None, reason: str) -> None:
    """Void the record of a fact that was voided (same transaction, same reason)."""
    if record is None or record.is_voided:
        return
    record.voided_at = timezone.now()
    record.voided_by = acting_user
    record.void_reason = reason[:200]
    record.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    record.providers.update(counted=False)
    changelog_write(actor=acting_user, action=ChangeLog.Action.VOID, obj=record, note=reason[:200])
