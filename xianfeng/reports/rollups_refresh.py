"""Keeping the rollup cells (models_rollups.RecordCell) equal to the facts.

Triggers (migration 0002) list stale (county, month) partitions in RollupDirty. ``refresh_dirty``
claims them and recomputes each partition's cells from the raw rows with one INSERT … SELECT
(the database does the grouping); ``rebuild`` recomputes everything. Both run in one transaction
so a reader never sees a half-built partition.

Claiming: on PostgreSQL an advisory lock makes refreshes take turns. A refresh reads the dirty
rows with their ``touched`` count WITHOUT locking them, recomputes, and only then deletes each row
whose count is unchanged (``_release``). A writer bumps the count of its partition's row (the
triggers' ON CONFLICT DO UPDATE) and holds that row locked until it commits: if it was still
uncommitted when the refresh read the rows, the final DELETE waits for its commit and then finds
a higher count, so the row stays dirty and the next refresh sees the writer's rows. Writers never
wait for a recomputation (issue 15's soak bench: claiming with DELETE … RETURNING at the start
made every quick entry of the month wait 1–2 s behind a dashboard's refresh).

Distinct counts (models_rollups.Occurrence): before a partition's cells are replaced, the
occurrences of every resident and household in it (before or after) are subtracted, and added
back from the new cells, province-wide and per county; the place occurrences of the partition's
county are recomputed whole.
"""

import datetime

from django.db import connection, transaction

from .models_rollups import Occurrence, RecordCell, RollupDirty, TypeMonth

ADVISORY_KEY = 110711  # any constant shared by every refresher (issue 11 §7)
CELL = RecordCell._meta.db_table
DIRTY = RollupDirty._meta.db_table
TYPE_MONTH = TypeMonth._meta.db_table
OCC = Occurrence._meta.db_table
AFFECTED = "reports_rollup_affected"  # a temporary table: the residents and households to recount
SUMS = "SUM(records), SUM(quantity), SUM(providers), SUM(hours), SUM(orphan_providers), SUM(orphan_hours)"
COLUMNS = (
    "month, county_code, township_code, village_code, org_id, service_type_id, team_id, resident_id, household_id, "
    "records, quantity, providers, hours, orphan_providers, orphan_hours"
)
# One partition: live records (with the household they count for) and counted providers, each
# on its own row's place (facts.py filters providers by their own columns), grouped to cells.
PARTITION_SELECT = """
SELECT %s, county_code, township_code, village_code, org_id, service_type_id, team_id, resident_id, hh,
       SUM(records), SUM(quantity), SUM(providers), SUM(hours), SUM(orphan_providers), SUM(orphan_hours)
FROM (
  SELECT r.county_code, r.township_code, r.village_code, r.org_id, r.service_type_id, r.team_id, r.resident_id,
         COALESCE(r.household_id, res.household_id) AS hh, 1 AS records, r.quantity AS quantity,
         0 AS providers, 0 AS hours, 0 AS orphan_providers, 0 AS orphan_hours
  FROM servicelog_servicerecord r LEFT JOIN residents_resident res ON res.id = r.resident_id
  WHERE r.voided_at IS NULL AND r.county_code = %s AND r.served_on >= %s AND r.served_on < %s
  UNION ALL
  SELECT p.county_code, p.township_code, p.village_code, p.org_id, r.service_type_id, r.team_id, NULL, NULL,
         0, 0,
         CASE WHEN r.voided_at IS NULL THEN 1 ELSE 0 END, CASE WHEN r.voided_at IS NULL THEN p.hours ELSE 0 END,
         CASE WHEN r.voided_at IS NULL THEN 0 ELSE 1 END, CASE WHEN r.voided_at IS NULL THEN 0 ELSE p.hours END
  FROM servicelog_recordprovider p JOIN servicelog_servicerecord r ON r.id = p.record_id
  WHERE p.counted AND p.county_code = %s AND p.served_on >= %s AND p.served_on < %s
) facts
GROUP BY county_code, township_code, village_code, org_id, service_type_id, team_id, resident_id, hh
"""


def next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def supported() -> bool:
    """Rollups are kept by triggers on these databases only (migration 0002)."""
    return connection.vendor in ("postgresql", "sqlite")


def _lock(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_KEY])


def _dirty(cursor) -> list[tuple[str, datetime.date, int]]:
    """The marked partitions and their ``touched`` counts, read without locking them."""
    cursor.execute(f"SELECT county_code, month, touched FROM {DIRTY} ORDER BY county_code, month")
    return [(county, _as_date(month), touched) for county, month, touched in cursor.fetchall()]


def _release(cursor, seen) -> None:
    """Unmark the partitions just recomputed, except those a writer touched since they were read
    (in the order writers' rows are usually taken, to keep lock waits short and one-way)."""
    for county, month, touched in seen:
        cursor.execute(
            f"DELETE FROM {DIRTY} WHERE county_code = %s AND month = %s AND touched = %s", [county, month, touched]
        )


def _claim(cursor) -> list[tuple[str, datetime.date]]:
    """Everything (``rebuild``, run by an operator): unmark all partitions at once."""
    if connection.vendor == "postgresql":
        cursor.execute(f"DELETE FROM {DIRTY} RETURNING county_code, month")
        return [(county, _as_date(month)) for county, month in cursor.fetchall()]
    cursor.execute(f"SELECT county_code, month FROM {DIRTY}")
    claimed = [(county, _as_date(month)) for county, month in cursor.fetchall()]
    cursor.execute(f"DELETE FROM {DIRTY}")  # SQLite has one writer: nothing slipped in between
    return claimed


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _recompute(cursor, county: str, month: datetime.date) -> None:
    end = next_month(month)
    cursor.execute(f"DELETE FROM {CELL} WHERE county_code = %s AND month = %s", [county, month])
    cursor.execute(
        f"INSERT INTO {CELL} ({COLUMNS}) {PARTITION_SELECT}", [month, county, month, end, county, month, end]
    )
    cursor.execute(f"DELETE FROM {TYPE_MONTH} WHERE county_code = %s AND month = %s", [county, month])
    cursor.execute(
        f"INSERT INTO {TYPE_MONTH} (county_code, month, service_type_id, records, quantity, providers, hours, "
        f"orphan_providers, orphan_hours) SELECT county_code, month, service_type_id, {SUMS} FROM {CELL} "
        "WHERE county_code = %s AND month = %s GROUP BY county_code, month, service_type_id",
        [county, month],
    )


def _affected(cursor, partitions) -> None:
    """The residents and households of the partitions, in their cells (before) or records (after)."""
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {AFFECTED} (kind varchar(1), subject bigint)")
    cursor.execute(f"DELETE FROM {AFFECTED}")
    for county, month in partitions:
        end = next_month(month)
        for kind, column in (("r", "resident_id"), ("h", "household_id")):
            cursor.execute(
                f"INSERT INTO {AFFECTED} SELECT DISTINCT %s, {column} FROM {CELL} "
                f"WHERE county_code = %s AND month = %s AND {column} IS NOT NULL",
                [kind, county, month],
            )
        cursor.execute(
            f"INSERT INTO {AFFECTED} SELECT DISTINCT 'r', resident_id FROM servicelog_servicerecord "
            "WHERE county_code = %s AND served_on >= %s AND served_on < %s AND resident_id IS NOT NULL",
            [county, month, end],
        )
        cursor.execute(
            f"INSERT INTO {AFFECTED} SELECT DISTINCT 'h', COALESCE(r.household_id, res.household_id) "
            "FROM servicelog_servicerecord r LEFT JOIN residents_resident res ON res.id = r.resident_id "
            "WHERE r.county_code = %s AND r.served_on >= %s AND r.served_on < %s "
            "AND COALESCE(r.household_id, res.household_id) IS NOT NULL",
            [county, month, end],
        )


def _none() -> str:
    """Occurrence.NONE as an SQL literal (inline: GROUP BY must see the same expression)."""
    return f"DATE '{Occurrence.NONE}'" if connection.vendor == "postgresql" else f"'{Occurrence.NONE}'"


def _upsert(select: str) -> str:
    """Add the (kind, county, type, month, prev, n) rows of ``select`` to the occurrence counts."""
    return (
        f"INSERT INTO {OCC} (kind, county_code, service_type_id, month, prev_month, n) "
        f"SELECT * FROM ({select}) AS counted WHERE true "
        "ON CONFLICT (kind, county_code, service_type_id, month, prev_month) "
        f"DO UPDATE SET n = {OCC}.n + excluded.n"
    )


def _subject_occurrences(cursor, sign: int, only_affected: bool) -> None:
    """Add (sign 1) or subtract (-1) the occurrences of residents and households, from the cells:
    province-wide (county_code PROVINCE) and within each county (the months a subject was served in
    that county), so one county's 人数/户 is a sum too. A subject's occurrences in a county only
    depend on that county's cells, so recounting an affected subject everywhere is exact."""
    none = _none()
    for kind, column in (("r", "resident_id"), ("h", "household_id")):
        which = f"IN (SELECT subject FROM {AFFECTED} WHERE kind = '{kind}')" if only_affected else "IS NOT NULL"
        for county in (f"'{PROVINCE}'", "county_code"):
            served = f"FROM {CELL} WHERE records > 0 AND {column} {which}"
            select = f"""
                SELECT '{kind}', c, t, month, COALESCE(prev, {none}), {sign} * COUNT(*) FROM (
                  SELECT c, t, month, LAG(month) OVER (PARTITION BY c, s, t ORDER BY month) AS prev FROM (
                    SELECT DISTINCT {county} AS c, {column} AS s, service_type_id AS t, month {served}
                    UNION SELECT DISTINCT {county}, {column}, 0, month {served}
                  ) AS served
                ) AS occurrences GROUP BY c, t, month, COALESCE(prev, {none})"""
            cursor.execute(_upsert(select))


PROVINCE = "*"  # county_code of province-wide occurrences ('' is the county of rows without a place)


def _add_county_to_province(cursor, county: str, sign: int) -> None:
    cursor.execute(
        _upsert(
            f"SELECT kind, '{PROVINCE}', service_type_id, month, prev_month, {sign} * n FROM {OCC} "
            "WHERE kind IN ('t', 'v') AND county_code = %s"
        ),
        [county],
    )


def _place_occurrences(cursor, county: str) -> None:
    """Recount the occurrences of the county's townships and villages (records' and activities'),
    and move the province's sums from the old counts to the new."""
    _add_county_to_province(cursor, county, -1)
    cursor.execute(f"DELETE FROM {OCC} WHERE kind IN ('t', 'v') AND county_code = %s", [county])
    held = "a.county_code = %s AND a.voided_at IS NULL AND a.status = 'held'"
    month = _month_sql("a.served_on")
    parts, params = [], []
    for kind, column in (("t", "township_code"), ("v", "village_code")):
        cells = f"FROM {CELL} WHERE county_code = %s AND records > 0 AND {column} <> ''"
        parts += [
            f"SELECT '{kind}' AS kind, {column} AS s, service_type_id AS t, month {cells}",
            f"SELECT '{kind}', {column}, 0, month {cells}",
            f"SELECT '{kind}', a.{column}, st.servicetype_id, {month} FROM servicelog_activity a "
            f"JOIN servicelog_activity_service_types st ON st.activity_id = a.id WHERE {held} AND a.{column} <> ''",
            f"SELECT '{kind}', a.{column}, 0, {month} FROM servicelog_activity a WHERE {held} AND a.{column} <> ''",
        ]
        params += [county] * 4
    select = f"""
        SELECT kind, %s, t, month, COALESCE(prev, {_none()}), COUNT(*) FROM (
          SELECT kind, t, month, LAG(month) OVER (PARTITION BY kind, s, t ORDER BY month) AS prev FROM (
            {" UNION ".join(parts)}
          ) AS served
        ) AS occurrences GROUP BY kind, t, month, COALESCE(prev, {_none()})"""
    cursor.execute(_upsert(select), [county, *params])
    _add_county_to_province(cursor, county, 1)


MANY = 200  # more dirty partitions than this (an import): recount every subject instead


def _apply(cursor, partitions) -> None:
    few = len(partitions) <= MANY
    if few:
        _affected(cursor, partitions)
        _subject_occurrences(cursor, -1, only_affected=True)
    else:
        cursor.execute(f"DELETE FROM {OCC} WHERE kind IN ('r', 'h')")
    for county, month in partitions:
        _recompute(cursor, county, month)
    _subject_occurrences(cursor, 1, only_affected=few)
    for county in sorted({county for county, _ in partitions}):
        _place_occurrences(cursor, county)
    cursor.execute(f"DELETE FROM {OCC} WHERE n = 0")


def has_dirty() -> bool:
    return RollupDirty.objects.exists()


def refresh_dirty() -> int:
    """Recompute the partitions the triggers marked; returns how many."""
    if not has_dirty():  # the common case: one indexed probe, no lock, no transaction
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        seen = _dirty(cursor)
        if seen:
            _apply(cursor, [(county, month) for county, month, _touched in seen])
            _release(cursor, seen)
    return len(seen)


def rebuild() -> int:
    """Recompute every partition from the facts (after a restore, or to check the triggers)."""
    month_sql = _month_sql("served_on")
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        _claim(cursor)
        for table in (CELL, TYPE_MONTH, OCC):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"SELECT DISTINCT county_code, {month_sql} FROM servicelog_servicerecord "
            f"UNION SELECT DISTINCT county_code, {month_sql} FROM servicelog_recordprovider "
            f"UNION SELECT DISTINCT county_code, {month_sql} FROM servicelog_activity"
        )
        partitions = [(county, _as_date(month)) for county, month in cursor.fetchall()]
        for county, month in partitions:
            _recompute(cursor, county, month)
        _subject_occurrences(cursor, 1, only_affected=False)
        for county in sorted({county for county, _ in partitions}):
            _place_occurrences(cursor, county)
    return len(partitions)
