"""Stats bench (issue 11 §7): the dashboard's figures over millions of service records, on
PostgreSQL, from the rollups — against a plain GROUP BY on the raw tables and DuckDB over the
same rows, in the same run; the three sets of figures must be equal.

    .venv/bin/python bench/stats_bench.py --records 1000000          # ~3 minutes on 2 cores
    .venv/bin/python bench/stats_bench.py --records 10000000         # ~20-30 minutes, ~8 GB disk
    .venv/bin/python bench/stats_bench.py --reuse --runs 9           # measure a --keep database again

Creates a throwaway database (``--pg``, default postgres://postgres@127.0.0.1:5432, database
``xianfeng_statsbench``), migrates (the rollup triggers included) and generates a province:
``--counties`` counties of the shipped region list (default 100) × ``--townships`` townships
(15) × ``--villages`` villages (10); one organization per county with two teams and a member
per township; residents (``--records`` / 5) in households of about three, and over three years
``--records`` service records of the catalogue's types (follow-ups of a managed fifth of the
residents, the rest spread), one provider on ~60 % of them, 0.5 % voided, and one activity per
200 records with types, teams, participants and quantities. Written with COPY (a fixture, not
what is measured; the statement-level triggers mark the partitions dirty as they would for an
import), then the rollups are built (``rebuild``, timed) and ANALYZE runs.

Measured (median of ``--runs`` after one warm-up), as an administrator (scope 全部):
- county × one year (region filter = one county, 12 whole months; the rollups read that county's
  TypeMonth and Occurrence rows): target ≤ 100 ms;
- province × three years (no filter, 36 months): target ≤ 1 s;
for ``metrics_for_reach`` (rollups; the rollups answer these filters), our raw ORM count
(``raw_metrics``, one run), a plain SQL GROUP BY over the raw tables, and the same SQL in DuckDB over the
same rows exported with COPY. Asserts equality of person_times, persons, households, events,
covered townships and villages, hours, quantity per unit and persons per type; prints the
ratios. The database is dropped at the end unless ``--keep``.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from pg_bench_db import drop_database, recreate_database, setup_environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = "xianfeng_statsbench"
PROVINCE = "41"
YEARS = (2023, 2024, 2025)
# Types and weights of the generated records (a county's real mix: follow-ups and visits dominate).
MIX = [
    ("followup_home", 14), ("followup_phone", 10), ("followup_clinic", 6), ("medicine_delivery", 12),
    ("physical_exam", 10), ("health_consult", 8), ("household_visit", 8), ("phone_survey", 5),
    ("errands", 5), ("meal_delivery", 4), ("home_nursing_edu", 4), ("free_medicine", 4),
    ("psych_screen_elderly", 3), ("vision_hearing", 3), ("counselling", 2), ("duty_shift", 2),
]  # fmt: skip
ACTIVITY_TYPES = ["free_clinic", "health_lecture", "leaflet", "physical_exam", "donation_goods"]


# ---------------------------------------------------------------- generating


def copy_rows(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    n = 0
    with connection.cursor() as cursor:
        cols = ", ".join(f'"{c}"' for c in columns)
        with cursor.connection.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


def next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def set_sequence(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def generate(args) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from xianfeng.accounts import services as account_services
    from xianfeng.accounts.roles import Role, Scope
    from xianfeng.members.models import Member
    from xianfeng.orgs import services as org_services
    from xianfeng.orgs.models import Organization
    from xianfeng.regions.models import Region
    from xianfeng.residents.models import Household, Resident
    from xianfeng.servicelog.models import ServiceType
    from xianfeng.teams.models import Team

    started, rnd, now = time.monotonic(), random.Random(11), timezone.now()
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY, code__startswith=PROVINCE)
        .order_by("code")
        .values_list("code", flat=True)[: args.counties]
    )
    regions, villages = [], []
    for county in counties:
        for t in range(args.townships):
            town = f"{county}{101 + t:03d}"
            regions.append(Region(code=town, name=f"{county[2:]}-{t + 1}镇", level=Region.Level.TOWNSHIP))
            for v in range(args.villages):
                villages.append(f"{town}{201 + v:03d}")
                regions.append(Region(code=villages[-1], name=f"{town[6:]}-{v + 1}村", level=Region.Level.VILLAGE))
    for region in regions:
        region.name_norm, region.name_initials = region.name, ""
    with transaction.atomic():
        Region.objects.bulk_create(regions, batch_size=5000)
        admin = account_services.user_create(
            acting_user=None, username="admin", password="Bench@2026-admin", display_name="管理员"
        )
        account_services.grant_create(acting_user=None, user=admin, role=Role.ADMIN, scope=Scope.ALL)
        committee = org_services.org_create(acting_user=admin, name="省卫健委党委", kind=Organization.Kind.COMMITTEE)
        org_of, teams_of, members_of = {}, {}, {}
        for county in counties:
            org = org_services.org_create(
                acting_user=admin,
                name=f"第{county[2:]}县卫生院党支部",
                kind=Organization.Kind.BRANCH,
                parent=committee,
                regions=[Region.objects.get(code=county)],
            )
            org_of[county] = org.pk
            teams_of[county] = [
                Team.objects.create(name=f"{county}队{i}", kind="medical", owner_org=org, name_norm="t").pk
                for i in range(2)
            ]
            members_of[county] = [
                Member.objects.create(name=f"医生{county}{i}", name_norm="ys", name_initials="ys", branch=org).pk
                for i in range(3)
            ]
    types = {t.code: t for t in ServiceType.objects.all()}
    mix_codes, mix_weights = [types[c].pk for c, _ in MIX], [w for _, w in MIX]
    health = {t.pk: t.is_health for t in types.values()}
    residents = max(1000, args.records // 5)
    first_household, first_resident = next_id("residents_household"), next_id("residents_resident")
    per_village = max(1, residents // len(villages))
    village_of = [villages[min(i // per_village, len(villages) - 1)] for i in range(residents)]
    household_of = [first_household + i // 3 for i in range(residents)]
    with transaction.atomic():
        columns, base = template(Household, village_id=villages[0], created_at=now, updated_at=now)
        changes = ({"village_id": village_of[h * 3]} for h in range((residents + 2) // 3))
        copy_rows("residents_household", ["id", *columns], rows_from(columns, base, first_household, changes))
        birth = datetime.date(1950, 1, 1)
        columns, base = template(
            Resident, name="张三", name_norm="张三", name_initials="zs", village_id=villages[0], birth_date=birth,
            gender="M", created_at=now, updated_at=now,
        )  # fmt: skip
        changes = (
            {"village_id": village_of[i], "household_id": household_of[i], "birth_date": birth.replace(1930 + i % 70)}
            for i in range(residents)
        )
        copy_rows("residents_resident", ["id", *columns], rows_from(columns, base, first_resident, changes))
        set_sequence("residents_household")
        set_sequence("residents_resident")
    print(f"  {len(regions)} regions, {residents} residents in {time.monotonic() - started:.0f} s")

    start_day = datetime.date(YEARS[0], 1, 1)
    span = (datetime.date(YEARS[-1], 12, 31) - start_day).days + 1
    managed = residents // 5
    first_record = next_id("servicelog_servicerecord")
    record_columns = [
        "id", "org_id", "served_on", "village_code", "township_code", "county_code", "service_type_id",
        "resident_id", "household_id", "team_id", "activity_id", "quantity", "result", "note", "health",
        "idempotency_key", "created_at", "updated_at", "created_by_id", "voided_at", "voided_by_id", "void_reason",
    ]  # fmt: skip
    providers = []

    def records():
        for i in range(args.records):
            # A fifth of the residents are followed up all year; the rest are served now and then.
            r = rnd.randrange(managed) if rnd.random() < 0.4 else rnd.randrange(residents)
            village = village_of[r]
            county = village[:6]
            stype = rnd.choices(mix_codes, mix_weights)[0]
            day = start_day + datetime.timedelta(days=rnd.randrange(span))
            household = household_of[r] if rnd.random() < 0.1 else None
            voided = now if rnd.random() < 0.005 else None
            team = rnd.choice(teams_of[county]) if rnd.random() < 0.5 else None
            if rnd.random() < 0.6:
                providers.append((first_record + i, rnd.choice(members_of[county]), day, village, voided is None))
            yield [
                first_record + i, org_of[county], day, village, village[:9], county, stype, first_resident + r,
                household, team, None, Decimal(rnd.choice(("1", "1", "2", "0.5"))), "{}", "", health[stype], "",
                now, now, None, voided, None, "录入错误" if voided else "",
            ]  # fmt: skip

    t0 = time.monotonic()
    with transaction.atomic():
        copy_rows("servicelog_servicerecord", record_columns, records())
        set_sequence("servicelog_servicerecord")
        copy_rows(
            "servicelog_recordprovider",
            ["record_id", "member_id", "hours", "counted", "org_id", "served_on"]
            + ["village_code", "township_code", "county_code"],
            (
                [rid, member, Decimal(rnd.choice(("0.5", "1.0", "1.5", "2.0"))), counted, org_of[v[:6]], day]
                + [v, v[:9], v[:6]]
                for rid, member, day, v, counted in providers
            ),
        )
    print(f"  {args.records} records, {len(providers)} providers in {time.monotonic() - t0:.0f} s")
    providers.clear()
    generate_activities(args, villages, org_of, teams_of, members_of, types, start_day, span, rnd, now)
    t0 = time.monotonic()
    from xianfeng.reports.rollups_refresh import rebuild

    partitions = rebuild()  # what `manage.py refresh_rollups --rebuild` does after a bulk load
    build_s = time.monotonic() - t0
    print(f"  rollups: {partitions} (county, month) partitions built in {build_s:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"generate_s": time.monotonic() - started, "build_s": build_s, "partitions": partitions}


def generate_activities(args, villages, org_of, teams_of, members_of, types, start_day, span, rnd, now) -> None:
    count = max(10, args.records // 200)
    first = next_id("servicelog_activity")
    activity_columns = [
        "id", "org_id", "served_on", "village_code", "township_code", "county_code", "voided_at", "voided_by_id",
        "void_reason", "title", "kind", "start_at", "end_at", "place", "region_id", "headcount", "status", "note",
        "idempotency_key", "created_at", "updated_at", "created_by_id",
    ]  # fmt: skip
    rows, kinds, members, amounts = [], [], [], []
    for i in range(count):
        village = rnd.choice(villages)
        day = start_day + datetime.timedelta(days=rnd.randrange(span))
        status = "held" if rnd.random() < 0.95 else "planned"
        voided = now if rnd.random() < 0.01 else None
        start = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
        rows.append([first + i, org_of[village[:6]], day, village, village[:9], village[:6], voided, None, ""])
        rows[-1] += ["义诊", "free_clinic", start, None, "", village, rnd.randint(0, 200), status, ""]
        rows[-1] += ["", now, now, None]
        counts = status == "held" and voided is None
        for code in rnd.sample(ACTIVITY_TYPES, rnd.randint(1, 2)):
            kinds.append((first + i, types[code].pk))
            if types[code].unit not in ("人次", "场次"):
                amounts.append((first + i, types[code].pk, types[code].unit, counts, day, village))
        for member in rnd.sample(members_of[village[:6]], 2):
            members.append((first + i, member, counts, day, village))
    copy_rows("servicelog_activity", activity_columns, rows)
    set_sequence("servicelog_activity")
    copy_rows("servicelog_activity_service_types", ["activity_id", "servicetype_id"], kinds)
    team_pairs = [(a, rnd.choice(teams_of[v[:6]])) for a, _, _, _, v in members[::2]]
    copy_rows("servicelog_activity_teams", ["activity_id", "team_id"], team_pairs)
    place = ["org_id", "served_on", "village_code", "township_code", "county_code"]
    copy_rows(
        "servicelog_activityparticipant",
        ["activity_id", "member_id", "hours", "role", "counted", *place],
        ([a, m, Decimal("3.5"), "", c, org_of[v[:6]], d, v, v[:9], v[:6]] for a, m, c, d, v in members),
    )
    copy_rows(
        "servicelog_activityquantity",
        ["activity_id", "service_type_id", "quantity", "unit", "counted", *place],
        ([a, t, Decimal(rnd.randint(1, 500)), u, c, org_of[v[:6]], d, v, v[:9], v[:6]] for a, t, u, c, d, v in amounts),
    )
    print(f"  {count} activities")


def template(model, **attrs) -> tuple[list[str], list]:
    """The columns of ``model`` (no id) and one row of its defaults with ``attrs``, ready for COPY."""
    from django.db import connection

    obj = model(**attrs)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values = []
    for field in fields:
        value = field.get_db_prep_save(getattr(obj, field.attname), connection)
        value = value.obj if hasattr(value, "obj") else value  # psycopg's Jsonb wrapper
        values.append(json.dumps(value) if isinstance(value, dict | list) else value)
    return [f.column for f in fields], values


def rows_from(columns: list[str], base: list, first_id: int, changes):
    """COPY rows: ``base`` with each change {column: value}, ids from ``first_id``."""
    index = {c: i for i, c in enumerate(columns)}
    for n, change in enumerate(changes):
        row = list(base)
        for column, value in change.items():
            row[index[column]] = value
        yield [first_id + n, *row]


# ---------------------------------------------------------------- the plain SQL (PostgreSQL and DuckDB)

PLAIN_SQL = """
WITH r AS (
  SELECT r.resident_id, r.township_code, r.village_code, r.quantity, t.code, t.unit, t.counts_person_time,
         COALESCE(r.household_id, res.household_id) AS hh
  FROM servicelog_servicerecord r JOIN servicelog_servicetype t ON t.id = r.service_type_id
  LEFT JOIN residents_resident res ON res.id = r.resident_id
  WHERE r.voided_at IS NULL AND r.served_on BETWEEN {start} AND {end} AND r.county_code LIKE {county}
), a AS (
  SELECT id, headcount, township_code, village_code FROM servicelog_activity
  WHERE voided_at IS NULL AND status = 'held' AND served_on BETWEEN {start} AND {end} AND county_code LIKE {county}
)
SELECT 'totals', '',
  (SELECT count(*) FROM r WHERE counts_person_time) + (SELECT COALESCE(sum(headcount), 0) FROM a),
  (SELECT count(DISTINCT resident_id) FROM r),
  (SELECT count(DISTINCT hh) FROM r),
  (SELECT count(*) FROM a),
  (SELECT count(*) FROM (SELECT township_code FROM r WHERE township_code <> ''
                         UNION SELECT township_code FROM a WHERE township_code <> '') x),
  (SELECT count(*) FROM (SELECT village_code FROM r WHERE village_code <> ''
                         UNION SELECT village_code FROM a WHERE village_code <> '') x),
  (SELECT COALESCE(sum(hours), 0) FROM servicelog_recordprovider
   WHERE counted AND served_on BETWEEN {start} AND {end} AND county_code LIKE {county})
  + (SELECT COALESCE(sum(hours), 0) FROM servicelog_activityparticipant
     WHERE counted AND served_on BETWEEN {start} AND {end} AND county_code LIKE {county})
UNION ALL
SELECT 'unit', unit, NULL, NULL, NULL, NULL, NULL, NULL, sum(q) FROM (
  SELECT unit, quantity AS q FROM r
  UNION ALL SELECT unit, quantity FROM servicelog_activityquantity
  WHERE counted AND served_on BETWEEN {start} AND {end} AND county_code LIKE {county}
) u GROUP BY unit
UNION ALL
SELECT 'type', code, NULL, count(DISTINCT resident_id), NULL, NULL, NULL, NULL, NULL FROM r GROUP BY code
"""


def plain_sql(start: datetime.date, end: datetime.date, county: str) -> str:
    return PLAIN_SQL.format(start=f"DATE '{start}'", end=f"DATE '{end}'", county=f"'{county}%'")


def figures_of_rows(rows) -> dict:
    """The compared figures from the plain SQL's rows."""
    result = {"quantity": {}, "persons_by_type": {}}
    for kind, key, pt, persons, households, events, towns, villages, amount in rows:
        if kind == "totals":
            result.update(
                person_times=int(pt), persons=int(persons), households=int(households), events=int(events),
                townships_covered=int(towns), villages_covered=int(villages), hours=round(float(amount), 1),
            )  # fmt: skip
        elif kind == "unit":
            result["quantity"][key] = round(float(amount), 2)
        else:
            result["persons_by_type"][key] = int(persons)
    return result


def figures_of_metrics(m: dict) -> dict:
    keys = ("person_times", "persons", "households", "events", "townships_covered", "villages_covered")
    result = {key: m[key] for key in keys}
    result["hours"] = round(float(m["hours"]), 1)
    result["quantity"] = {unit: round(float(v), 2) for unit, v in m["quantity"].items()}
    result["persons_by_type"] = {code: row["persons"] for code, row in m["by_type"].items() if row["persons"]}
    return result


# ---------------------------------------------------------------- DuckDB over the same rows

EXPORT = {
    "servicelog_servicerecord": "id BIGINT, served_on DATE, county_code VARCHAR, township_code VARCHAR, "
    "village_code VARCHAR, service_type_id BIGINT, resident_id BIGINT, household_id BIGINT, quantity DECIMAL(14,2), "
    "voided_at VARCHAR",
    "servicelog_servicetype": "id BIGINT, code VARCHAR, unit VARCHAR, counts_person_time BOOLEAN",
    "residents_resident": "id BIGINT, household_id BIGINT",
    "servicelog_activity": "id BIGINT, served_on DATE, county_code VARCHAR, township_code VARCHAR, "
    "village_code VARCHAR, headcount BIGINT, status VARCHAR, voided_at VARCHAR",
    "servicelog_recordprovider": "served_on DATE, county_code VARCHAR, hours DECIMAL(5,1), counted BOOLEAN",
    "servicelog_activityparticipant": "served_on DATE, county_code VARCHAR, hours DECIMAL(5,1), counted BOOLEAN",
    "servicelog_activityquantity": "served_on DATE, county_code VARCHAR, unit VARCHAR, quantity DECIMAL(14,2), "
    "counted BOOLEAN",
}


def load_duckdb(workdir: Path):
    """The same rows in DuckDB: each table exported with COPY … TO STDOUT (CSV), read back typed."""
    import duckdb
    from django.db import connection

    duck = duckdb.connect()
    for table, spec in EXPORT.items():
        columns = [part.split()[0] for part in spec.split(", ")]
        path = workdir / f"{table}.csv"
        with connection.cursor() as cursor, path.open("wb") as out:
            select = f"SELECT {', '.join(columns)} FROM {table}"
            with cursor.connection.cursor().copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, NULL '\\N')") as copy:
                for chunk in copy:
                    out.write(chunk)
        pairs = zip(columns, spec.split(", "), strict=True)
        types = "{" + ", ".join(f"'{c}': '{' '.join(p.split()[1:])}'" for c, p in pairs) + "}"
        duck.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=false, nullstr='\\N', columns={types})"
        )
        path.unlink()
    return duck


# ---------------------------------------------------------------- measuring


def median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(args) -> list[dict]:
    from django.db import connection

    from xianfeng.regions.models import Region
    from xianfeng.reports import rollups
    from xianfeng.reports.facts import facts_for
    from xianfeng.reports.filters import ReportFilter
    from xianfeng.reports.metrics import metrics_for_reach, raw_metrics

    reach = [{"scope": "all"}]
    county = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=PROVINCE).order_by("code")
    county = county[min(args.counties, county.count()) // 2]
    last_year = (datetime.date(YEARS[-1], 1, 1), datetime.date(YEARS[-1], 12, 31))
    cases = [
        ("county × one year", ReportFilter(*last_year, region=county), county.code, 100),
        ("province × three years", ReportFilter(datetime.date(YEARS[0], 1, 1), last_year[1]), PROVINCE, 1000),
    ]
    with tempfile.TemporaryDirectory(prefix="xf-stats-") as tmp:
        t0 = time.monotonic()
        duck = load_duckdb(Path(tmp))
        print(f"  DuckDB loaded the same rows in {time.monotonic() - t0:.0f} s")
        results = []
        for name, flt, prefix, target in cases:
            assert rollups.answerable(flt, reach), "the rollups must answer the bench's filters"
            sql = plain_sql(flt.start, flt.end, prefix)

            def pg_plain(sql=sql):
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    return cursor.fetchall()

            ours = figures_of_metrics(metrics_for_reach(flt, reach))
            plain = figures_of_rows(pg_plain())
            ducked = figures_of_rows(duck.execute(sql).fetchall())
            raw, raw_orm_ms = plain, float("nan")
            if args.records <= args.raw_orm_max:  # our own reference count: one run, many minutes at 10 M
                t0 = time.perf_counter()
                raw = figures_of_metrics(raw_metrics(facts_for(flt, reach)))
                raw_orm_ms = (time.perf_counter() - t0) * 1000
            assert ours == plain == ducked == raw, f"{name}: figures differ\n{ours}\n{plain}\n{ducked}\n{raw}"
            row = {"case": name, "target": target, "figures": ours}
            row["rollups"] = median_ms(lambda flt=flt: metrics_for_reach(flt, reach), args.runs)
            row["plain"] = median_ms(pg_plain, args.runs)
            row["duckdb"] = median_ms(lambda sql=sql: duck.execute(sql).fetchall(), args.runs)
            row["raw_orm"] = raw_orm_ms
            results.append(row)
            print(
                f"  {name}: rollups {row['rollups']:.0f} ms (target {target}), plain SQL {row['plain']:.0f} ms, "
                f"DuckDB {row['duckdb']:.0f} ms, raw ORM {row['raw_orm']:.0f} ms — plain/rollups "
                f"{row['plain'] / row['rollups']:.1f}×, DuckDB/rollups {row['duckdb'] / row['rollups']:.1f}× — "
                f"figures equal: {ours['person_times']} 人次, {ours['persons']} 人, {ours['households']} 户"
            )
    return results


def report(args, results, generated) -> list[str]:
    lines = [
        f"records {args.records:,}, counties {args.counties}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
    ]
    if generated:
        lines.append(
            f"generated in {generated['generate_s']:.0f} s; {generated['partitions']} partitions built in "
            f"{generated['build_s']:.0f} s"
        )
    lines += [
        "",
        "| case | rollups (ours) | plain GROUP BY | DuckDB | raw ORM | plain ÷ ours | DuckDB ÷ ours | target |",
    ]
    lines.append("|---|---|---|---|---|---|---|---|")
    for r in results:
        lines.append(
            f"| {r['case']} | {r['rollups']:.0f} ms | {r['plain']:.0f} ms | {r['duckdb']:.0f} ms"
            f" | {r['raw_orm']:.0f} ms | {r['plain'] / r['rollups']:.1f}× | {r['duckdb'] / r['rollups']:.1f}×"
            f" | ≤ {r['target']} ms |"
        )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--townships", type=int, default=15)
    parser.add_argument("--villages", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--raw-orm-max", type=int, default=2_000_000, help="skip the raw ORM count above this")
    parser.add_argument("--keep", action="store_true", help="keep the database (then --reuse measures again)")
    parser.add_argument("--reuse", action="store_true", help="measure an existing bench database")
    args = parser.parse_args(argv)
    setup_environment(args, "stats")
    if not args.reuse:
        recreate_database(args)
    import django

    django.setup()
    from django.core.management import call_command

    generated = None
    try:
        if not args.reuse:
            started = time.monotonic()
            call_command("migrate", verbosity=0)
            print(f"  migrated in {time.monotonic() - started:.0f} s")
            generated = generate(args)
        results = measure(args)
        print("\n".join(report(args, results, generated)))
    finally:
        if not args.keep:
            drop_database(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
