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
    """A record written directly (no service): pass org, service_type and optionally resident;
    ``provider=member`` adds a provider row with ``hours``."""

    class Meta:
        model = ServiceRecord

    served_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    quantity = Decimal("1")

    @factory.post_generation
    def place(obj, create, extracted, **kwargs):
        code = obj.resident.village_id if obj.resident_id else obj.household.village_id if obj.household_id else ""
        obj.set_place(code)
        obj.health = obj.service_type.is_health
        if create:
            obj.save()

    @factory.post_generation
    def provider(obj, create, extracted, hours=Decimal("1.0"), **kwargs):
        if extracted is not None and create:
            row = RecordProvider(record=obj, member=extracted, hours=hours)
            row.copy_place(obj)
            row.save()
