"""Rollups equal the raw count after every kind of write (issue 11 §7).

Random sequences of creates, edits (day, place, type, team, household), voids, bulk inserts,
``queryset.update()`` and activities; after each step the figures and breakdowns from the rollup
cells must equal metrics.py's and breakdowns.py's raw counts, for several filters and reaches.
Rollups are switched on here whatever the database (they default to PostgreSQL only), so the
SQLite run exercises the SQLite triggers and the PostgreSQL run the statement-level ones.
"""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xianfeng.accounts.roles import Scope
from xianfeng.reports import rollups
from xianfeng.reports.breakdowns import DIMENSIONS, raw_breakdown, sort_rows
from xianfeng.reports.facts import facts_for
from xianfeng.reports.metrics import metrics_for_reach, raw_metrics
from xianfeng.reports.models import RecordCell, RollupDirty
from xianfeng.reports.reach import reach_of
from xianfeng.reports.rollups_refresh import rebuild, refresh_dirty
from xianfeng.residents.tests.factories import COUNTY, HouseholdFactory, ResidentFactory, region
from xianfeng.servicelog.models import RecordProvider, ServiceRecord

from .factories import DEC31, JAN1, TOWN_A, VILLAGE_A, VILLAGE_A2, VILLAGE_B, YEAR, activity, record
from .factories import service_type as stype

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollups_on")]

TYPES = ["medicine_delivery", "followup_home", "household_visit", "leaflet", "duty_shift", "errands"]
# A second county, so that one county's residents and households are not everyone's.
COUNTY_2, TOWN_2, VILLAGE_2 = "210682", "210682101", "210682101200"
PLACES = [VILLAGE_A, VILLAGE_A2, VILLAGE_B, TOWN_A, VILLAGE_2, ""]
Q1_END = datetime.date(YEAR, 3, 31)


@pytest.fixture
def rollups_on(settings):
    settings.REPORTS_ROLLUPS = True


def day(rng) -> datetime.date:
    """Mostly in YEAR, sometimes just outside it (a period boundary must hold)."""
    return datetime.date(YEAR, 1, 1) + datetime.timedelta(days=rng.randint(-20, 385))


def second_county(w):
    for code, name in ((COUNTY_2, "凤城市"), (TOWN_2, "凤山街道"), (VILLAGE_2, "凤山村委会")):
        w.regions[code] = region(code, name)


def county_reach(code: str) -> list:
    return [{"scope": Scope.REGION.value, "prefixes": [code]}]


def filters(w, year_filter):
    return [
        year_filter(region=w.regions[COUNTY]),
        year_filter(region=w.regions[COUNTY_2], end=Q1_END),
        year_filter(),
        year_filter(end=Q1_END),
        year_filter(org=w.branch_a),
        year_filter(region=w.regions[TOWN_A]),
        year_filter(region=w.regions[VILLAGE_B]),
        year_filter(service_type=stype("medicine_delivery")),
        year_filter(category="mental"),
        year_filter(team=w.team_a),
        year_filter(start=datetime.date(YEAR - 1, 12, 1), end=datetime.date(YEAR + 1, 1, 31)),
    ]


def check(flt, reach, dimensions=DIMENSIONS):
    """The rollups answer, and answer what the raw count says."""
    fast = rollups.metrics(flt, reach)
    assert fast is not None
    facts = facts_for(flt, reach)
    assert fast == raw_metrics(facts), flt.describe()
    for dimension in dimensions:
        rows = rollups.breakdown(flt, reach, dimension)
        assert sort_rows(rows, dimension) == raw_breakdown(facts, dimension), (dimension, flt.describe())


class World:
    def __init__(self, w, rng):
        self.w, self.rng = w, rng
        self.orgs = [w.branch_a, w.group_a, w.branch_b]
        second_county(w)
        villages = (VILLAGE_A, VILLAGE_A2, VILLAGE_B, VILLAGE_2)
        self.residents = [ResidentFactory(village_id=code) for code in villages * 2]
        self.households = [HouseholdFactory(village_id=code) for code in (VILLAGE_A, VILLAGE_B, VILLAGE_2)]
        self.members = [w.member_a, w.member_b]

    def new_record(self, **extra):
        rng = self.rng
        subject = rng.choice(["resident", "household", "place", "none"])
        kwargs = {"resident": rng.choice(self.residents)} if subject == "resident" else {}
        if subject == "household":
            kwargs = {"household": rng.choice(self.households)}
        if subject == "place":
            kwargs = {"place": rng.choice(PLACES)}
        if subject == "none":
            kwargs = {"place": ""}
        return record(
            org=rng.choice(self.orgs),
            type_code=rng.choice(TYPES),
            on=day(rng),
            team=rng.choice([None, self.w.team_a]),
            quantity=rng.choice(["1", "2.5", "10"]),
            providers=[(m, rng.choice(["0", "1.5", "2"])) for m in rng.sample(self.members, rng.randint(0, 2))],
            **kwargs,
            **extra,
        )

    def live(self):
        return list(ServiceRecord.objects.live().order_by("pk"))

    def step(self):
        rng, op = (
            self.rng,
            self.rng.choice(
                ["create", "create", "move", "retype", "void", "bulk", "activity", "rehouse", "hours", "void_activity"]
            ),
        )
        records = self.live()
        if op == "create" or not records:
            self.new_record(voided=rng.random() < 0.1)
        elif op == "move":  # another day (maybe month, year) and place, as record_update stores it
            row = rng.choice(records)
            row.served_on = day(rng)
            row.set_place(rng.choice(PLACES))
            row.org = rng.choice(self.orgs)
            row.save()
            for provider in row.providers.all():
                provider.copy_place(row)
                provider.save()
        elif op == "retype":  # queryset.update(): no save(), no signal
            ServiceRecord.objects.filter(pk=rng.choice(records).pk).update(
                service_type=stype(rng.choice(TYPES)), team=rng.choice([None, self.w.team_a])
            )
        elif op == "void":  # as record_void does
            row = rng.choice(records)
            ServiceRecord.objects.filter(pk=row.pk).update(voided_at=timezone.now(), void_reason="随机作废")
            if rng.random() < 0.7:
                RecordProvider.objects.filter(record=row).update(counted=False)
        elif op == "bulk":  # an import: bulk_create of records and their providers
            rows = []
            for _ in range(rng.randint(2, 5)):
                resident = rng.choice(self.residents)
                obj = ServiceRecord(
                    org=rng.choice(self.orgs),
                    service_type=stype(rng.choice(TYPES)),
                    served_on=day(rng),
                    resident=resident,
                    quantity=Decimal("1"),
                )
                obj.set_place(resident.village_id)
                rows.append(obj)
            created = ServiceRecord.objects.bulk_create(rows)
            providers = []
            for obj in created:
                provider = RecordProvider(record=obj, member=self.members[0], hours=Decimal("0.5"))
                provider.copy_place(obj)
                providers.append(provider)
            RecordProvider.objects.bulk_create(providers)
        elif op == "activity":
            activity(
                org=rng.choice(self.orgs),
                on=day(rng),
                types=rng.sample(TYPES, rng.randint(0, 2)),
                region=rng.choice(PLACES),
                headcount=rng.randint(0, 30),
                teams=rng.choice([[], [self.w.team_a]]),
                participants=[(self.members[0], "3")],
                quantities=[("leaflet", "100")] if rng.random() < 0.5 else [],
            )
        elif op == "rehouse":  # a resident moves house: their records without a household follow
            resident = rng.choice(self.residents)
            resident.household = rng.choice([None, *self.households])
            resident.save()
        elif op == "hours":
            RecordProvider.objects.filter(pk__in=RecordProvider.objects.values("pk")[:3]).update(
                hours=Decimal(rng.choice(["0.5", "4"]))
            )
        elif op == "void_activity":
            from xianfeng.servicelog.models import Activity

            held = list(Activity.objects.live().values_list("pk", flat=True))
            if held:
                Activity.objects.filter(pk=rng.choice(held)).update(voided_at=timezone.now(), void_reason="x")
        return op


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_raw_after_random_writes(reports_world, year_filter, seed):
    w, rng = reports_world, random.Random(seed)
    world = World(w, rng)
    reaches = [reach_of(user) for user in (w.leader, w.clerk, w.secretary, w.doctor)] + [county_reach(COUNTY)]
    flts = filters(w, year_filter)
    for _ in range(8):
        world.new_record()
    check(flts[0], reaches[0])
    for _ in range(16):
        world.step()
        check(flts[0], reaches[0], dimensions=())
        check(flts[1], reaches[0], dimensions=())  # one county, from its sums
        check(year_filter(), reaches[-1], dimensions=())  # a county-level region reach, likewise
        check(rng.choice(flts), rng.choice(reaches), dimensions=[rng.choice(DIMENSIONS)])
    for i, flt in enumerate(flts):  # at the end: every filter, every reach, every breakdown
        check(flt, reaches[i % len(reaches)])
    for reach in reaches[1:]:
        check(flts[0], reach)


def test_moving_a_record_dirties_its_old_and_new_partition(reports_world):
    w = reports_world
    row = record(org=w.branch_a, type_code="medicine_delivery", on=datetime.date(YEAR, 3, 15), place=VILLAGE_A)
    refresh_dirty()
    assert not RollupDirty.objects.exists()
    ServiceRecord.objects.filter(pk=row.pk).update(served_on=datetime.date(YEAR, 7, 2), county_code="210682")
    dirty = set(RollupDirty.objects.values_list("county_code", "month"))
    assert dirty == {("210681", datetime.date(YEAR, 3, 1)), ("210682", datetime.date(YEAR, 7, 1))}
    assert refresh_dirty() == 2
    assert set(RecordCell.objects.filter(records__gt=0).values_list("county_code", "month")) >= {
        ("210682", datetime.date(YEAR, 7, 1))
    }


def test_a_voided_record_leaves_the_figures_at_once(reports_world, year_filter):
    w = reports_world
    flt, reach = year_filter(), reach_of(w.leader)
    before = metrics_for_reach(flt, reach)
    row = ServiceRecord.objects.live().filter(org=w.branch_b).first()
    ServiceRecord.objects.filter(pk=row.pk).update(voided_at=timezone.now(), void_reason="录错")
    after = metrics_for_reach(flt, reach)
    assert after["person_times"] == before["person_times"] - 1
    assert after == raw_metrics(facts_for(flt, reach))


def test_rebuild_gives_the_cells_the_triggers_kept(reports_world, year_filter):
    w = reports_world
    record(org=w.branch_b, type_code="household_visit", on=datetime.date(YEAR, 5, 5), place=VILLAGE_B)
    refresh_dirty()
    kept = sorted(RecordCell.objects.values_list("county_code", "month", "service_type_id", "records", "resident_id"))
    assert rebuild() > 0
    rebuilt = sorted(
        RecordCell.objects.values_list("county_code", "month", "service_type_id", "records", "resident_id")
    )
    assert kept == rebuilt


def test_filters_off_the_cells_grain_are_left_to_the_raw_count(reports_world, year_filter):
    w = reports_world
    reach = reach_of(w.leader)
    assert rollups.metrics(year_filter(), reach) is not None
    assert rollups.metrics(year_filter(end=datetime.date(YEAR, 3, 15)), reach) is None  # not whole months
    assert rollups.metrics(year_filter(start=datetime.date(YEAR, 1, 2)), reach) is None
    assert rollups.metrics(year_filter(program="smd"), reach) is None
    assert rollups.metrics(year_filter(), [{"scope": "self", "user_id": w.clerk.pk}]) is None
    assert rollups.breakdown(year_filter(end=datetime.date(YEAR, 3, 15)), reach, "month") is None
    with override_settings(REPORTS_ROLLUPS=False):
        assert rollups.metrics(year_filter(), reach) is None


def test_the_period_boundary_is_a_month_boundary(reports_world, year_filter):
    w = reports_world
    record(org=w.branch_a, type_code="medicine_delivery", on=DEC31, place=VILLAGE_A)
    record(org=w.branch_a, type_code="medicine_delivery", on=datetime.date(YEAR + 1, 1, 1), place=VILLAGE_A)
    record(org=w.branch_a, type_code="medicine_delivery", on=JAN1 - datetime.timedelta(days=1), place=VILLAGE_A)
    reach = reach_of(w.leader)
    for flt in (year_filter(), year_filter(start=datetime.date(YEAR, 12, 1))):
        assert rollups.metrics(flt, reach) == raw_metrics(facts_for(flt, reach))


def test_refresh_command_recomputes_what_is_dirty_or_everything(reports_world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    assert out.getvalue().startswith("1 partitions")  # the world's facts: one county, one month
    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    assert out.getvalue().startswith("0 partitions")
    out = StringIO()
    call_command("refresh_rollups", "--rebuild", stdout=out)
    assert out.getvalue().startswith("1 partitions")
    assert RecordCell.objects.filter(records__gt=0).count() > 0


def test_one_county_is_answered_from_its_sums_without_reading_cells(reports_world, year_filter):
    """County × period (a county filter, or a reach of one county) reads TypeMonth and Occurrence
    only; a city, a township or an org filter is not a sum of counties and reads the cells."""
    w = reports_world
    second_county(w)
    resident = ResidentFactory(village_id=VILLAGE_A)
    for on, place in ((datetime.date(YEAR, 2, 3), VILLAGE_A), (datetime.date(YEAR, 3, 3), VILLAGE_2)):
        record(org=w.branch_a, type_code="medicine_delivery", on=on, resident=resident, place=place)
    leader = reach_of(w.leader)
    for flt, reach in (
        (year_filter(region=w.regions[COUNTY]), leader),
        (year_filter(region=w.regions[COUNTY_2]), leader),
        (year_filter(region=w.regions[COUNTY]), county_reach("2106")),
        (year_filter(), county_reach(COUNTY)),
    ):
        refresh_dirty()  # the writes' partitions are recomputed from the cells first
        with CaptureQueriesContext(connection) as queries:
            fast = rollups.metrics(flt, reach)
        assert not [q for q in queries.captured_queries if RecordCell._meta.db_table in q["sql"]], flt.describe()
        assert fast == raw_metrics(facts_for(flt, reach)), flt.describe()
    assert rollups.metrics(year_filter(region=w.regions[COUNTY_2]), leader)["persons"] == 1
    for flt, reach in (
        (year_filter(region=w.regions[TOWN_A]), leader),
        (year_filter(region=w.regions[COUNTY]), county_reach(TOWN_A)),  # the reach is part of the county
        (year_filter(), county_reach("2106")),  # two counties: the resident counts once, not twice
        (year_filter(region=w.regions[COUNTY], org=w.branch_a), leader),
    ):
        assert rollups.single_county(flt, reach) is None
        assert rollups.metrics(flt, reach) == raw_metrics(facts_for(flt, reach)), flt.describe()
