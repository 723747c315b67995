"""Rollup tables (issue 11 §7): owned by rollups.py; see its docstring.

``RecordCell`` holds the service records (and their counted providers' hours) of one
(county, month) partition, deduplicated to one row per month × place × organization × type ×
team × resident × household: every record figure — additive (人次, quantities, hours) and exact
distinct (人数, 户, 覆盖乡镇/村) — is one grouped query over it, for every type at once.

``RollupDirty`` lists the (county, month) partitions whose cells are stale. Database triggers
(migration 0002) add to it whatever wrote the row — services, bulk imports, ``queryset.update()``,
raw SQL — and a read refreshes the partitions it lists before answering, so an answer is never
stale.
"""

from django.db import models


class RecordCell(models.Model):
    month = models.DateField()  # first day of the month of served_on
    county_code = models.CharField(max_length=6, blank=True)
    township_code = models.CharField(max_length=9, blank=True)
    village_code = models.CharField(max_length=12, blank=True)
    # Plain ids, not foreign keys: a cell is derived data, never a reason to refuse a delete,
    # and the read joins orgs and service types for their current path, category and unit.
    org = models.ForeignKey("orgs.Organization", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    service_type = models.ForeignKey(
        "servicelog.ServiceType", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    team_id = models.BigIntegerField(null=True)
    resident_id = models.BigIntegerField(null=True)
    household_id = models.BigIntegerField(null=True)  # the record's household, else the resident's
    records = models.IntegerField(default=0)  # live records
    quantity = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    providers = models.IntegerField(default=0)  # counted providers of live records
    hours = models.DecimalField(max_digits=20, decimal_places=1, default=0)
    # Counted providers of voided records: the unnarrowed figure counts them (facts.py counts
    # providers by their own ``counted`` flag), a type or team filter does not.
    orphan_providers = models.IntegerField(default=0)
    orphan_hours = models.DecimalField(max_digits=20, decimal_places=1, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["county_code", "month"], name="rollup_cell_county_month"),
            models.Index(fields=["month", "township_code"], name="rollup_cell_month_town"),
            models.Index(fields=["resident_id", "month"], name="rollup_cell_resident"),
            models.Index(fields=["household_id", "month"], name="rollup_cell_household"),
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.month:%Y-%m} #{self.pk}"


class TypeMonth(models.Model):
    """The additive sums of a partition's cells per service type (no resident, no place below the
    county): what the unfiltered dashboard adds up over 36 months × 100 counties in milliseconds."""

    county_code = models.CharField(max_length=6, blank=True)
    month = models.DateField()
    service_type = models.ForeignKey(
        "servicelog.ServiceType", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    records = models.IntegerField(default=0)
    quantity = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    providers = models.IntegerField(default=0)
    hours = models.DecimalField(max_digits=20, decimal_places=1, default=0)
    orphan_providers = models.IntegerField(default=0)
    orphan_hours = models.DecimalField(max_digits=20, decimal_places=1, default=0)

    class Meta:
        indexes = [models.Index(fields=["county_code", "month"], name="rollup_typemonth_partition")]

    def __str__(self) -> str:
        return f"{self.county_code} {self.month:%Y-%m} {self.service_type_id}"


class Occurrence(models.Model):
    """Exact distinct counts over any run of whole months, without DISTINCT at read time.

    For each subject (a resident, a household, a township, a village) and service type (0: any),
    every month the subject was served is an occurrence whose ``prev_month`` is the subject's
    previous served month (NONE if there is none). A subject served in [a, b] has exactly one
    occurrence in [a, b] whose previous one is before a, so

        distinct subjects in [a, b] = Σ n  where  a ≤ month ≤ b  and  prev_month < a.

    Rows hold the number ``n`` of such occurrences, so the table is months² × types small whatever
    the number of residents. Every kind is kept per county (a subject's months served in that
    county; county_code '' holds rows without a place) and province-wide (county_code "*"):
    residents and households, who may be served in several counties, are counted over all cells
    and updated by subtracting and adding the affected subjects' occurrences; places belong to one
    county, so their county rows are recomputed with it and summed into "*". One county is thus
    a sum as well; a city is not (a resident served in two of its counties counts once).
    """

    NONE = "1900-01-01"  # prev_month of a first occurrence (a date, so the unique key holds)

    class Kind(models.TextChoices):
        RESIDENT = "r"
        HOUSEHOLD = "h"
        TOWNSHIP = "t"
        VILLAGE = "v"

    kind = models.CharField(max_length=1, choices=Kind.choices)
    county_code = models.CharField(max_length=6, blank=True)
    service_type_id = models.BigIntegerField()  # 0: any type
    month = models.DateField()
    prev_month = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "county_code", "service_type_id", "month", "prev_month"], name="rollup_occurrence_key"
            )
        ]
        indexes = [models.Index(fields=["county_code", "month"], name="rollup_occurrence_county")]

    def __str__(self) -> str:
        return f"{self.kind} {self.service_type_id} {self.month:%Y-%m} after {self.prev_month:%Y-%m}: {self.n}"


class RollupDirty(models.Model):
    county_code = models.CharField(max_length=6, blank=True)
    month = models.DateField()
    touched = models.IntegerField(default=1)  # bumped by triggers so a writer locks the row

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county_code", "month"], name="rollup_dirty_once")]

    def __str__(self) -> str:
        return f"{self.county_code} {self.month:%Y-%m}"
