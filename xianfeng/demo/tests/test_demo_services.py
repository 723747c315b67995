"""The demo year of service obeys the rules every user must obey (xianfeng/servicelog/rules.py)
and has the shape later dashboards need: ≥ 5 000 records, ≥ 150 activities in every township of
the county, the volunteer's hours and certificate, the 精防医生's health-level follow-ups."""

import datetime
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from xianfeng.accounts.models import User
from xianfeng.accounts.scoping import scoped
from xianfeng.demo.seed import seed
from xianfeng.demo.seed_services import SPRING_FESTIVAL, seed_services
from xianfeng.members.models import Member
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region
from xianfeng.servicelog import certificates, rules
from xianfeng.servicelog.models import (
    Activity,
    ActivityParticipant,
    ActivityQuantity,
    RecordProvider,
    ServiceRecord,
    Subject,
    VolunteerCertificate,
)
from xianfeng.servicelog.selectors import may_record_health
from xianfeng.teams.models import TeamMembership


def _record_problems(record: ServiceRecord, today: datetime.date) -> list[str]:
    stype, resident, household = record.service_type, record.resident, record.household
    problems = []
    try:
        rules.check_served_on(
            record.served_on,
            today=today,
            born=resident.birth_date if resident else None,
            died=resident.deceased_on if resident else None,
        )
        rules.check_subject(stype.subject, has_resident=resident is not None, has_household=household is not None)
        assert rules.clean_quantity(record.quantity, type_unit=stype.unit) == record.quantity
        if not hasattr(record, "program_visit"):  # a visit's data is its program's (test_seed_programs)
            assert rules.clean_result(stype.result_fields, record.result) == record.result
    except (ValidationError, AssertionError) as exc:
        problems.append(f"{record}: {exc}")
    if resident and household and resident.household_id != household.pk:
        problems.append(f"{record}: resident not of the household")
    subject = resident or household
    if subject is not None and record.place_code != subject.village_id:
        problems.append(f"{record}: place {record.place_code} is not the subject's village")
    if record.health != stype.is_health:
        problems.append(f"{record}: health column differs from the type")
    if record.health and not (record.created_by and may_record_health(record.created_by)):
        problems.append(f"{record}: health record entered by someone without the health level")
    if record.is_voided and not record.void_reason:
        problems.append(f"{record}: voided without a reason")
    for provider in record.providers.all():
        try:
            rules.clean_hours(provider.hours)
        except ValidationError as exc:
            problems.append(f"{record}: {exc}")
        if provider.counted == record.is_voided or provider.place_code != record.place_code:
            problems.append(f"{record}: provider row does not follow the record")
    return problems


@pytest.mark.django_db
def test_demo_year_of_service_obeys_the_rules_and_has_a_real_shape():
    seed()
    today = timezone.localdate()
    records = list(
        ServiceRecord.objects.select_related(
            "service_type", "resident", "household", "created_by", "program_visit"
        ).prefetch_related("providers")
    )
    assert len(records) >= 5000
    problems = [p for record in records for p in _record_problems(record, today)]
    assert problems == []
    services = [r for r in records if not hasattr(r, "program_visit")]
    assert min(r.served_on for r in services) >= today - datetime.timedelta(days=364)
    # Care programs started with the county register a year ago: last year's annual checks and the
    # first follow-ups after enrollment reach a little further back (at most the 380 days seeded).
    assert min(r.served_on for r in records) >= today - datetime.timedelta(days=380)
    assert 5 <= sum(r.is_voided for r in records) <= 30
    assert {r.service_type.subject for r in records} >= {Subject.RESIDENT, Subject.HOUSEHOLD, Subject.ANY}

    # Seasons: the days around the Spring Festival are far quieter than the year's average day.
    festival = next(d for d in SPRING_FESTIVAL.values() if today - datetime.timedelta(days=350) <= d <= today)
    quiet = sum(
        festival - datetime.timedelta(days=7) <= r.served_on <= festival + datetime.timedelta(days=5) for r in records
    )
    assert quiet / 13 < 0.5 * len(records) / 365

    activities = list(Activity.objects.all())
    held = [a for a in activities if a.status == Activity.Status.HELD]
    assert len(held) >= 150
    assert all(a.served_on <= today and a.start_at.date() <= today for a in held)
    planned = [a for a in activities if a.status == Activity.Status.PLANNED]
    assert len(planned) == 2 and all(today < a.served_on <= today + datetime.timedelta(days=14) for a in planned)
    assert sum(a.status == Activity.Status.CANCELLED for a in activities) == 1
    townships = Region.objects.filter(code__startswith="210681", level=Region.Level.TOWNSHIP)
    assert {a.township_code for a in held} == set(townships.values_list("code", flat=True))
    assert sum(a.headcount for a in held) > 10_000
    parts = [*ActivityParticipant.objects.select_related("activity")]
    parts += ActivityQuantity.objects.select_related("activity", "service_type")
    for part in parts:
        assert part.counted == part.activity.counts and part.place_code == part.activity.place_code
        if isinstance(part, ActivityQuantity):
            assert rules.clean_quantity(part.quantity, type_unit=part.service_type.unit, unit=part.unit)
        else:
            assert rules.clean_hours(part.hours) == part.hours
    units = set(ActivityQuantity.objects.filter(counted=True).values_list("unit", flat=True))
    assert {"份", "条", "元", "场次"} <= units

    # The demo volunteer has records, activity hours and a certificate; sees no health record.
    volunteer = User.objects.get(username="dangyuan")
    assert ServiceRecord.objects.filter(created_by=volunteer).count() >= 50
    assert RecordProvider.objects.filter(member__user=volunteer, counted=True).exists()
    assert ActivityParticipant.objects.filter(member__user=volunteer, counted=True, hours__gt=0).exists()
    certificate = VolunteerCertificate.objects.get(member__user=volunteer)
    assert certificate.hours > Decimal("10")
    # Their certificate prints a volunteer number, as does everyone's who serves in a team or signs in.
    assert re.fullmatch(r"ZY20\d{2}\d{6}", certificate.volunteer_no) and certificate.volunteer_name == "张志愿"
    assert certificate.volunteer_no == certificate.member.volunteer_no
    assert certificate.volunteer_no in certificates.certificate_statement(certificate)
    assert "未登记" not in certificates.certificate_statement(certificate)
    serving = Member.objects.filter(
        Q(user__isnull=False) | Q(pk__in=TeamMembership.objects.values("member_id")) | Q(category="volunteer")
    )
    assert serving.count() > 150 and not serving.filter(volunteer_no="").exists()
    numbers = dict(Member.objects.exclude(volunteer_no="").values_list("pk", "volunteer_no"))
    assert len(set(numbers.values())) == len(numbers)
    assert not scoped(volunteer, ServiceRecord).filter(health=True).exists()

    # The 精防医生 follows the 严重精神障碍患者 of 孤山镇 (health level) and sees them.
    doctor = User.objects.get(username="jingfang")
    health = ServiceRecord.objects.filter(health=True)
    # A few patients of the psychiatry branch live elsewhere (enrolled by the administrator): the
    # doctor sees exactly the health records of 孤山镇, all of them his.
    mine = health.filter(village_code__startswith="210681101")
    assert set(mine.values_list("created_by__username", flat=True)) == {"jingfang"}
    assert set(health.exclude(pk__in=mine).values_list("created_by__username", flat=True)) <= {"admin"}
    kinds = Counter(mine.values_list("service_type__code", flat=True))
    assert {"followup_home", "followup_phone", "followup_clinic", "smd_screening"} <= set(kinds)
    follow_ups = health.filter(service_type__code__startswith="followup_")
    assert not follow_ups.exclude(resident__tags__tag="severe_mental").exists()
    # He also sees the hotline calls (health records too) of callers who said they live in 孤山镇
    # (placed at the township: a caller names no village) — every health record placed there.
    in_gushan = health.filter(township_code="210681101")
    assert set(in_gushan.exclude(pk__in=mine).values_list("service_type__code", flat=True)) <= {
        "hotline_call",
        "online_consult",
    }
    assert set(scoped(doctor, ServiceRecord).filter(health=True).values_list("pk", flat=True)) == set(
        in_gushan.values_list("pk", flat=True)
    )

    # Idempotent: seeding again adds nothing.
    counts = (ServiceRecord.objects.count(), Activity.objects.count(), VolunteerCertificate.objects.count())
    admin = User.objects.get(username="admin")
    assert seed_services(admin, {o.name: o for o in Organization.objects.all()}) == {"records": 0, "activities": 0}
    seed()
    assert (ServiceRecord.objects.count(), Activity.objects.count(), VolunteerCertificate.objects.count()) == counts
    assert dict(Member.objects.exclude(volunteer_no="").values_list("pk", "volunteer_no")) == numbers
