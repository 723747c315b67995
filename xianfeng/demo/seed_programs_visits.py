"""The demo programs' visits (seed_programs.py): validated one by one by their program, written in
bulk, then every touched enrollment derived again by the program's rule."""

import datetime
import itertools
import random
from decimal import Decimal

from django.utils import timezone

from xianfeng.accounts.models import User
from xianfeng.demo.seed_services import _own_timestamps
from xianfeng.members.models import Member
from xianfeng.programs import derivation, services
from xianfeng.programs.configuration import program_settings
from xianfeng.programs.models import Enrollment, Visit
from xianfeng.programs.registry import VisitFact, get_program
from xianfeng.residents.models import Resident
from xianfeng.servicelog import rules as record_rules
from xianfeng.servicelog.models import RecordProvider, ServiceRecord, ServiceType

KEY = "demo-p"  # idempotency keys of the programs' demo records


class VisitBuffer:
    """Visits validated one by one and written in bulk; touched enrollments derived again on flush."""

    def __init__(self, today: datetime.date, rng: random.Random):
        self.today, self.rng = today, rng
        self.now = timezone.now()
        self.types = {t.code: t for t in ServiceType.objects.all()}
        self.settings: dict[str, dict] = {}
        self.rows: list[tuple] = []
        self.touched: set[int] = set()
        self.numbers = itertools.count(1)

    def settings_of(self, code: str) -> dict:
        if code not in self.settings:
            self.settings[code] = program_settings(code)
        return self.settings[code]

    def clean(self, enrollment: Enrollment, kind: str, on: datetime.date, data: dict, stype: str | None = None):
        """The visit's data as its program stores it (errors raise, as on the form)."""
        prog = get_program(enrollment.program)
        visit_kind = prog.visit_kind(kind)
        stype = stype or visit_kind.service_types[0]
        assert stype in visit_kind.service_types, (enrollment.program, kind, stype)
        settings = self.settings_of(prog.code)
        clean = prog.clean_visit(data, kind=kind, enrollment=enrollment, visited_on=on, settings=settings)
        return prog.clean_visit_type(clean, kind=kind, service_type=stype)

    def add(
        self,
        enrollment: Enrollment,
        kind: str,
        on: datetime.date,
        data: dict,
        *,
        by: User,
        member: Member,
        stype: str | None = None,
        resident: Resident | None = None,
        team=None,
    ) -> VisitFact:
        prog = get_program(enrollment.program)
        stype = self.types[stype or prog.visit_kind(kind).service_types[0]]
        clean = self.clean(enrollment, kind, on, data, stype.code)
        services.check_visit_date(enrollment, on, self.today)
        resident = enrollment.resident or resident
        household = enrollment.household
        record_rules.check_subject(
            stype.subject, has_resident=resident is not None, has_household=household is not None
        )
        record_rules.check_served_on(
            on,
            today=self.today,
            born=resident.birth_date if resident else None,
            died=resident.deceased_on if resident else None,
        )
        record = ServiceRecord(
            service_type=stype,
            served_on=on,
            resident=resident,
            household=household,
            org=team.owner_org if team is not None else member.branch,
            team=team,
            health=stype.is_health,
            quantity=Decimal("1"),
            result=clean,
            idempotency_key=f"{KEY}{next(self.numbers)}",
            created_by=by,
        )
        subject = resident or household
        record.set_place(subject.village_id if subject is not None else enrollment.place_code)
        entered = datetime.datetime.combine(on, datetime.time(self.rng.randint(8, 18), self.rng.randint(0, 59)))
        record.created_at = min(self.now, timezone.make_aware(entered))
        reached = prog.visit_reached(kind, clean)
        visit = Visit(
            enrollment=enrollment,
            kind=kind,
            visited_on=on,
            reached=reached,
            health=enrollment.health or stype.is_health,
        )
        self.rows.append((record, visit, member, stype.default_hours))
        self.touched.add(enrollment.pk)
        return VisitFact(on=on, kind=kind, reached=reached, data=clean)

    def flush(self) -> None:
        if not self.rows:
            return
        records = [row[0] for row in self.rows]
        with _own_timestamps(ServiceRecord):
            ServiceRecord.objects.bulk_create(records, batch_size=500)
        providers, visits = [], []
        for record, visit, member, hours in self.rows:
            provider = RecordProvider(record=record, member=member, hours=hours, counted=True)
            provider.copy_place(record)
            providers.append(provider)
            visit.record = record
            visits.append(visit)
        RecordProvider.objects.bulk_create(providers, batch_size=1000)
        Visit.objects.bulk_create(visits, batch_size=1000)
        for enrollment in Enrollment.objects.filter(pk__in=self.touched).select_related("resident"):
            derivation.enrollment_recompute(enrollment, settings=self.settings_of(enrollment.program))
        self.rows, self.touched = [], set()
