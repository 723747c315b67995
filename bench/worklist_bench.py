"""Worklist bench (DESIGN.md §6, issue 10): due and overdue among 1 000 000 enrollments for one
township, on PostgreSQL, through the worklist selectors and as raw SQL.

    .venv/bin/python bench/worklist_bench.py                       # ~3 minutes on 2 cores
    .venv/bin/python bench/worklist_bench.py --rows 200000 --runs 20 --keep
    .venv/bin/python bench/worklist_bench.py --reuse                # measure again, no generation

Creates a throwaway database (``--pg``, default postgres://postgres@127.0.0.1:5432, database
``xianfeng_worklistbench``), migrates, and generates a province: ``--counties`` counties (default
100, from the shipped region list) of ``--townships`` townships (default 20) of 5 villages, one
organization per county with a responsible member per township (the county's 精防医生 is a member
too), one resident per enrollment and ``--rows`` enrollments (default 1 000 000) spread evenly over
the townships — the programs' real mix (smd health rows, elderly checks, pairing, poverty watch),
open, lost, closed and voided ones, due dates from six months overdue to six months ahead. Big
tables are written with COPY (a fixture, not the thing measured), then ANALYZE.

Measured for one township (the median of ``--runs`` runs after 3 warm-up runs each):
- ``programs.worklist.worklist(user, bucket=…, township=…)``: the first page (50 rows, with what
  the page shows), for today, this week, overdue and lost;
- ``programs.worklist.worklist_counts(user, township=…)``: the four tab counts in one query;
- the same as hand-written SQL (no scope predicate), for comparison;
as the county's 精防医生 (a region grant on the county, health level) and as an administrator
(scope 全部). Target: ≤ 50 ms median each. The EXPLAIN (ANALYZE, BUFFERS) of the doctor's
overdue page and counts are printed. ``--results`` writes a Markdown report. The database is
dropped at the end unless ``--keep``. Nothing is asserted.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from pg_bench_db import drop_database, recreate_database, setup_environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = "xianfeng_worklistbench"
TARGET_MS = 50.0
PAGE = 50
PROVINCE = "41"
# program, share, health, visit interval (days) — the mix of a county's worklists
PROGRAMS = [("elderly_check", 0.55, False, 365), ("smd", 0.12, True, 90), ("poverty_watch", 0.2, False, 30)]
PROGRAMS += [("pairing", 0.1, False, 7), ("smd_screening", 0.03, True, 14)]
BUCKETS = ("today", "week", "overdue", "lost")


# ---------------------------------------------------------------- generating


def county_codes(counties: int) -> list[str]:
    """The first ``counties`` counties of the province (from the shipped region list)."""
    from xianfeng.regions.models import Region

    rows = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=PROVINCE).order_by("code")
    codes = list(rows.values_list("code", flat=True)[:counties])
    if len(codes) < counties:
        raise SystemExit(f"only {len(codes)} counties in province {PROVINCE}; use --counties {len(codes)}")
    return codes


def generate(args) -> dict:
    from django.db import connection, transaction

    from xianfeng.accounts import services as account_services
    from xianfeng.accounts.roles import Role, Scope
    from xianfeng.members.models import Member
    from xianfeng.orgs import services as org_services
    from xianfeng.orgs.models import Organization
    from xianfeng.regions.models import Region

    started = time.monotonic()
    # The shipped province/city/county list (migrations load it): the first counties of 河南省.
    counties = county_codes(args.counties)
    regions, townships, villages = [], [], []
    for county in counties:
        for t in range(args.townships):
            town = f"{county}{101 + t:03d}"
            townships.append(town)
            regions.append(Region(code=town, name=f"{county[2:]}-{t + 1}镇", level=Region.Level.TOWNSHIP))
            for v in range(5):
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
        orgs = {}
        for county in counties:
            orgs[county] = org_services.org_create(
                acting_user=admin,
                name=f"第{county[2:]}县卫生院党支部",
                kind=Organization.Kind.BRANCH,
                parent=committee,
                regions=[Region.objects.get(code=county)],
            )
        members = [
            Member(name=f"医生{i}", name_norm=f"医生{i}", name_initials="ys", branch=orgs[town[:6]])
            for i, town in enumerate(townships)
        ]
        Member.objects.bulk_create(members, batch_size=2000)
        target = townships[len(townships) // 2]
        doctor = account_services.user_create(
            acting_user=admin, username="jingfang", password="Bench@2026-doctor", display_name="精防医生"
        )
        account_services.grant_create(
            acting_user=admin, user=doctor, role=Role.DOCTOR, scope=Scope.REGION, region_prefixes=target[:6]
        )
        # The doctor is a member too (as in the demo), so the scope ORs "their own work" in.
        Member.objects.create(
            name="精防医生", name_norm="精防医生", name_initials="jfys", branch=orgs[target[:6]], user=doctor
        )
    with transaction.atomic():
        first_resident = copy_residents(args.rows, villages)
        copy_enrollments(args, townships, villages, first_resident, {t: orgs[t[:6]].pk for t in townships}, members)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    elapsed = time.monotonic() - started
    print(f"  generated {len(regions)} regions, {args.rows} residents and enrollments in {elapsed:.0f} s")
    return {"township": target, "generate_s": elapsed}


def _db_row(obj, fields) -> list:
    from django.db import connection

    return [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]


def copy_residents(rows: int, villages: list[str]) -> int:
    """One resident per enrollment, copies of one template row (names vary); returns the first id."""
    from django.db import connection
    from django.utils import timezone

    from xianfeng.residents.models import Resident

    template = Resident(name="张三", village_id=villages[0], birth_date=datetime.date(1950, 1, 1), gender="M")
    template.name_norm, template.name_initials = "张三", "zs"
    template.created_at = template.updated_at = timezone.now()
    fields = [f for f in Resident._meta.concrete_fields if not f.primary_key]
    names = [f.column for f in fields]
    base = _db_row(template, fields)
    base = [v if not hasattr(v, "obj") else json.dumps(v.obj) for v in base]
    index = {f.attname: i for i, f in enumerate(fields)}
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰"
    rnd = random.Random(1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM residents_resident")
        first = cursor.fetchone()[0]
        cols = ", ".join(f'"{c}"' for c in ["id", *names])
        with cursor.connection.cursor().copy(f"COPY residents_resident ({cols}) FROM STDIN") as copy:
            per_village = max(1, rows // len(villages))
            for i in range(rows):
                row = list(base)
                name = rnd.choice(surnames) + rnd.choice(given) + rnd.choice(given)
                row[index["name"]] = row[index["name_norm"]] = name
                row[index["village_id"]] = villages[min(i // per_village, len(villages) - 1)]
                row[index["birth_date"]] = datetime.date(1930 + i % 70, 1 + i % 12, 1 + i % 28)
                copy.write_row([first + i, *row])
        cursor.execute("SELECT setval(pg_get_serial_sequence('residents_resident', 'id'), %s)", [first + rows])
    return first


def copy_enrollments(args, townships, villages, first_resident, org_of, members) -> None:
    """``args.rows`` enrollments, evenly over the townships (resident i in village i // per_village)."""
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    now = timezone.now()
    rnd = random.Random(2)
    per_village = max(1, args.rows // len(villages))
    member_of = {m.branch_id: [] for m in members}
    for m in members:
        member_of[m.branch_id].append(m.pk)
    town_member = {}
    for i, town in enumerate(townships):
        town_member[town] = members[i].pk
    codes, weights = [p[0] for p in PROGRAMS], [p[1] for p in PROGRAMS]
    spec = {p[0]: p for p in PROGRAMS}
    columns = [
        "program", "resident_id", "household_id", "region_id", "org_id", "responsible_member_id",
        "responsible_team_id", "village_code", "township_code", "county_code", "status", "state", "data",
        "enrolled_on", "ended_on", "end_reason", "last_visit_on", "next_due_on", "misses", "health",
        "created_at", "updated_at", "created_by_id", "voided_at", "voided_by_id", "void_reason",
    ]  # fmt: skip
    started = time.monotonic()
    with connection.cursor() as cursor:
        cols = ", ".join(f'"{c}"' for c in columns)
        with cursor.connection.cursor().copy(f"COPY programs_enrollment ({cols}) FROM STDIN") as copy:
            for i in range(args.rows):
                village = villages[min(i // per_village, len(villages) - 1)]
                town = village[:9]
                program = rnd.choices(codes, weights)[0]
                _, _, health, interval = spec[program]
                enrolled = today - datetime.timedelta(days=rnd.randint(30, 1500))
                roll = rnd.random()
                status, ended, due, misses, voided = "active", None, None, 0, None
                last = today - datetime.timedelta(days=rnd.randint(0, interval))
                if roll < 0.06:  # closed: moved, deceased, exited
                    status, ended = rnd.choice(("moved", "deceased", "exited")), last
                elif roll < 0.09:
                    status, misses = "lost", 3
                    due = today - datetime.timedelta(days=rnd.randint(1, 200))
                else:
                    # Mostly on time, a tail overdue up to six months; some never visited yet.
                    due = last + datetime.timedelta(days=interval)
                    if rnd.random() < 0.12:
                        due = today - datetime.timedelta(days=rnd.randint(1, 180))
                    if rnd.random() < 0.05:
                        status, last = "enrolled", None
                if rnd.random() < 0.005:
                    voided, due = now, None
                copy.write_row(
                    [
                        program, first_resident + i, None, None, org_of[town], town_member[town], None,
                        village, town, town[:6], status, "stable" if program == "smd" else "", "{}",
                        enrolled, ended, "", last, due, misses, health, now, now, None, voided, None,
                        "录入错误" if voided else "",
                    ]
                )  # fmt: skip
    print(f"  copied {args.rows} enrollments in {time.monotonic() - started:.0f} s")


# ---------------------------------------------------------------- measuring


def median_ms(fn, runs: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


OPEN = "e.status IN ('enrolled', 'active')"
RAW_BUCKET = {
    "today": OPEN + " AND e.next_due_on = {today}",
    "week": OPEN + " AND e.next_due_on BETWEEN {today} AND {week_end}",
    "overdue": OPEN + " AND e.next_due_on < {today}",
    "lost": "e.status = 'lost'",
}


def raw_page(bucket: str, township: str, today: datetime.date) -> str:
    """The first page of a bucket by hand: the enrollment, the resident's and the member's names."""
    where = RAW_BUCKET[bucket].format(today=f"'{today}'", week_end=f"'{today + datetime.timedelta(days=6)}'")
    return (
        "SELECT e.id, e.program, e.state, e.next_due_on, e.status, r.name, m.name FROM programs_enrollment e"
        " LEFT JOIN residents_resident r ON r.id = e.resident_id"
        " LEFT JOIN members_member m ON m.id = e.responsible_member_id"
        f" WHERE e.township_code = '{township}' AND e.voided_at IS NULL AND {where}"
        f" ORDER BY e.next_due_on, e.id LIMIT {PAGE}"
    )


def raw_counts(township: str, today: datetime.date) -> str:
    t, w = f"'{today}'", f"'{today + datetime.timedelta(days=6)}'"
    return (
        f"SELECT count(*) FILTER (WHERE status IN ('enrolled', 'active') AND next_due_on = {t}),"
        f" count(*) FILTER (WHERE status IN ('enrolled', 'active') AND next_due_on BETWEEN {t} AND {w}),"
        f" count(*) FILTER (WHERE status IN ('enrolled', 'active') AND next_due_on < {t}),"
        " count(*) FILTER (WHERE status = 'lost')"
        f" FROM programs_enrollment WHERE township_code = '{township}' AND voided_at IS NULL"
        " AND status IN ('enrolled', 'active', 'lost')"
    )


def explain(sql: str, params=()) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(args, township: str) -> dict:
    from django.db import connection
    from django.utils import timezone

    from xianfeng.accounts.models import User
    from xianfeng.programs.worklist import worklist, worklist_counts

    today = timezone.localdate()
    results = []
    users = [("精防医生 (county region grant)", User.objects.get(username="jingfang"))]
    users.append(("administrator (全部)", User.objects.get(username="admin")))
    for label, user in users:
        for bucket in BUCKETS:
            rows = list(worklist(user, bucket=bucket, township=township, today=today)[:PAGE])
            ms = median_ms(
                lambda b=bucket, u=user: list(worklist(u, bucket=b, township=township, today=today)[:PAGE]), args.runs
            )
            results.append((label, f"worklist {bucket} (first {PAGE} rows)", len(rows), ms))
        counts = worklist_counts(user, township=township, today=today)
        ms = median_ms(lambda u=user: worklist_counts(u, township=township, today=today), args.runs)
        results.append((label, "worklist_counts (4 tabs)", sum(counts.values()), ms))

    def run_sql(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    # The SQL the selectors compile, executed alone: the database's share of their time.
    for bucket in BUCKETS:
        sql, params = worklist(users[0][1], bucket=bucket, township=township, today=today)[
            :PAGE
        ].query.sql_with_params()
        ms = median_ms(lambda s=sql, p=params: _run(s, p), args.runs)
        results.append(("the doctor's compiled SQL alone", f"{bucket} (first {PAGE} rows)", len(_run(sql, params)), ms))
    for bucket in BUCKETS:
        sql = raw_page(bucket, township, today)
        results.append(
            (
                "raw SQL",
                f"{bucket} (first {PAGE} rows)",
                len(run_sql(sql)),
                median_ms(lambda s=sql: run_sql(s), args.runs),
            )
        )
    sql = raw_counts(township, today)
    results.append(("raw SQL", "counts (4 tabs)", sum(run_sql(sql)[0]), median_ms(lambda: run_sql(sql), args.runs)))

    doctor = users[0][1]
    page_qs = worklist(doctor, bucket="overdue", township=township, today=today)[:PAGE]
    page_sql, page_params = page_qs.query.sql_with_params()
    plans = {
        "worklist overdue page (doctor)": (
            page_sql % tuple(_quote(p) for p in page_params),
            explain(page_sql, page_params),
        )
    }
    counts_sql = _counts_sql(doctor, township, today)
    if counts_sql:
        plans["worklist_counts (doctor)"] = (
            counts_sql[0] % tuple(_quote(p) for p in counts_sql[1]),
            explain(*counts_sql),
        )
    plans["raw counts"] = (raw_counts(township, today), explain(raw_counts(township, today)))
    return {"results": results, "plans": plans, "today": today}


def _run(sql: str, params=()) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _quote(value) -> str:
    return f"'{value}'" if isinstance(value, str | datetime.date) else str(value)


def _counts_sql(user, township, today):
    """The SQL worklist_counts runs (captured), to explain it."""
    from django.db import connection

    from xianfeng.programs.worklist import worklist_counts

    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        worklist_counts(user, township=township, today=today)
    selects = [c for c in captured if c[0].lstrip().upper().startswith("SELECT") and "programs_enrollment" in c[0]]
    return selects[-1] if selects else None


def report(args, outcome: dict, township: str, generate_s: float | None) -> list[str]:
    lines = [
        "## worklist",
        "",
        f"`bench/worklist_bench.py --rows {args.rows} --runs {args.runs}`: PostgreSQL "
        f"{_pg_version()}, {args.counties} counties × {args.townships} townships × 5 villages, "
        f"{args.rows:,} enrollments (≈ {args.rows // (args.counties * args.townships):,} per township) and as many "
        f"residents; township `{township}`, today {outcome['today']}; median of {args.runs} runs after 3 warm-up runs."
        + (f" Generation (COPY + ANALYZE): {generate_s:.0f} s." if generate_s else "")
        + f" Load average when measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| who | query | rows / total | median ms | ≤ 50 ms |",
        "|---|---|---:|---:|---|",
    ]
    for who, what, rows, ms in outcome["results"]:
        lines.append(f"| {who} | {what} | {rows} | {ms:.2f} | {'✓' if ms <= TARGET_MS else '✗'} |")
    worst = max(ms for *_, ms in outcome["results"])
    lines += ["", f"**{'Target met' if worst <= TARGET_MS else 'Target NOT met'}**: slowest median {worst:.2f} ms.", ""]
    for name, (sql, plan) in outcome["plans"].items():
        lines += [f"### EXPLAIN (ANALYZE, BUFFERS): {name}", "", "```sql", sql, "```", "", "```", plan, "```", ""]
    return lines


def _pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database (then --reuse measures again)")
    parser.add_argument("--reuse", action="store_true", help="measure an existing bench database")
    parser.add_argument("--results", type=Path, help="write the report (Markdown) to this file")
    args = parser.parse_args(argv)
    setup_environment(args, "worklist")
    if not args.reuse:
        recreate_database(args)
    import django

    django.setup()
    from django.core.management import call_command

    generate_s = None
    if args.reuse:
        township = _target_township(args)
    else:
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        print(f"  migrated in {time.monotonic() - started:.0f} s")
        generated = generate(args)
        township, generate_s = generated["township"], generated["generate_s"]
    try:
        outcome = measure(args, township)
        lines = report(args, outcome, township, generate_s)
        print("\n".join(lines))
        if args.results:
            args.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"written to {args.results}")
    finally:
        if not args.keep:
            drop_database(args)
    return 0


def _target_township(args) -> str:
    """The township generate() chose: the middle one of the province's list."""
    counties = county_codes(args.counties)
    townships = [f"{c}{101 + t:03d}" for c in counties for t in range(args.townships)]
    return townships[len(townships) // 2]


if __name__ == "__main__":
    sys.exit(main())
