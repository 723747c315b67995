import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from xianfeng.servicelog.models import Activity, RecordProvider, ServiceRecord, ServiceType


def service_type(code: str) -> ServiceType:
    """A type of the shipped catalogue (servicelog/migrations/0002_catalogue.py)."""
    return ServiceType.objects.get(code=code)


class ActivityFactory(factory.django.DjangoModelFactory):
    """A held activity; pass org and (optionally) region; its place codes follow the region."""

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"活动{n}")
    start_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    served_on = factory.LazyAttribute(lambda o: timezone.localtime(o.start_at).date())
    status = Activity.Status.HELD

    @factory.post_generation
    def place(obj, create, extracted, **kwargs):
        obj.set_place(obj.region_id or "")
        if create:
            obj.save()


class ServiceRecordFactory(factory.django.DjangoModelFactory):
    """A record written directly (no service): pass org, service_type and a resident, a household
    or a ``place`` code;
    ``provider=member`` adds a provider row with ``hours``."""

    class Meta:
        model = ServiceRecord
        skip_postgeneration_save = True

    served_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    quantity = Decimal("1")

    @factory.post_generation
    def place(obj, create, extracted, **kwargs):
        """``place="210681101200"`` for a record with no resident or household."""
        subject = obj.resident or obj.household
        obj.set_place(extracted or (subject.village_id if subject is not None else ""))
        obj.health = obj.service_type.is_health
        if create:
            obj.save()

    @factory.post_generation
    def provider(obj, create, extracted, hours=Decimal("1.0"), **kwargs):
        if extracted is not None and create:
            row = RecordProvider(record=obj, member=extracted, hours=hours)
            row.copy_place(obj)
            row.save()
