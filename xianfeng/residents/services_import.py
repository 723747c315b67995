"""Bulk writes for the residents import. The imports engine calls ``resident_import_batch``
once per batch of clean rows, all inside one transaction: any failure rolls everything back.

One ChangeLog row is written for the whole import by the imports framework (the job);
each resident's timeline shows its registration by import. Re-imports that change
residents already registered are written by services_import_update.py.
"""

from functools import lru_cache

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoping import CHANGE, scoped
from xianfeng.core import crypto
from xianfeng.core.fields import phone_tail
from xianfeng.core.text import initials_of_normalized, normalize_name

from .models import Household, HouseholdTag, Relation, Resident, ResidentTag

BULK_SIZE = 1000

# normalize_name (OpenCC and NFKC) for the names of an import, where household members repeat
# their head's name and villages repeat surnames; bounded so a 1 M-row file stays in memory.
normalize_name_cached = lru_cache(maxsize=16384)(normalize_name)


def household_key(village: str | None, number: str, head_name: str, needs_household: bool, row: int):
    """Rows with the same key join the same household: 户编号 first, then 户主姓名 within a village.

    A row with household-level tags (低保户…) but no household information becomes a
    one-person household of its own.
    """
    if number:
        return (village, "no", number)
    if head_name:
        return (village, "head", normalize_name_cached(head_name))
    if needs_household:
        return (village, "row", row)
    return None


def prepare_households(state: dict, user, prefixes: list[str] | None) -> None:
    """Existing households the file may join, by number and by head name."""
    scope = Q()
    if prefixes is not None:
        scope = Q(pk__in=[])
        for prefix in prefixes:
            scope |= Q(village__code__startswith=prefix)
    existing = {}
    for pk, village, number, head_norm in Household.objects.filter(scope).values_list(
        "pk", "village_id", "number", "head__name_norm"
    ):
        if number:
            existing[(village, "no", number)] = pk
        if head_norm:
            existing.setdefault((village, "head", head_norm), pk)
    state["existing_households"] = existing
    state["households"] = {}  # key -> pk, for households met so far in this run
    state["household_tags"] = HouseholdTagSet()  # (household pk, tag) already present


class HouseholdTagSet:
    """A set of (household pk, tag) pairs kept as one int each (pk and the tag's number):
    ~50 bytes a pair instead of ~120 for a set of tuples, for every tagged household of a file."""

    __slots__ = ("_pairs", "_codes")

    def __init__(self):
        self._pairs: set[int] = set()
        self._codes: dict[str, int] = {}  # tag -> its number in this run

    def _pack(self, pair) -> int:
        pk, tag = pair
        code = self._codes.setdefault(tag, len(self._codes))
        return (pk << 16) | code

    def __contains__(self, pair) -> bool:
        return self._pack(pair) in self._pairs

    def add(self, pair) -> None:
        self._pairs.add(self._pack(pair))

    def __len__(self) -> int:
        return len(self._pairs)


def insert_returning_ids(model, columns: list[str], rows: list[tuple]) -> list[int]:
    """Insert ``rows`` (values for ``columns``, in database form) and return their ids in order.

    Used instead of bulk_create for the rows of a big import: Django's per-field preparation
    costs several times the insert itself. Callers build the values with the model's own
    field helpers (encryption, blind index, date adaptation), so nothing differs from a save.
    PostgreSQL: ids drawn from the sequence first, then one INSERT … SELECT FROM unnest(arrays)
    per chunk; elsewhere a multi-row INSERT … RETURNING.
    """
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _insert_postgresql(model, columns, rows)
    if not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError("this database cannot return ids from a multi-row insert")
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(1, min(500, 30000 // len(columns)))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            values = ", ".join([placeholder] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} RETURNING {quote(model._meta.pk.column)}",
                [value for row in chunk for value in row],
            )
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _insert_postgresql(model, columns: list[str], rows: list[tuple]) -> list[int]:
    quote = connection.ops.quote_name
    fields = {f.column: f for f in model._meta.concrete_fields}
    pk = model._meta.pk.column
    types = [fields[pk].rel_db_type(connection)] + [fields[c].db_type(connection) for c in columns]
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in [pk, *columns])}) "
        f"SELECT * FROM unnest({arrays})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            cursor.execute(sql, [ids[start : start + 5000], *(list(column) for column in zip(*chunk, strict=True))])
    return ids


RESIDENT_COLUMNS = [
    "name",
    "name_norm",
    "name_initials",
    "gender",
    "birth_date",
    "id_number",
    "id_number_index",
    "phone",
    "phone_index",
    "phone_last4",
    "village_id",
    "address",
    "household_id",
    "relation",
    "note",
    "created_at",
    "updated_at",
    "created_by_id",
]


@transaction.atomic
def resident_import_batch(*, acting_user, rows: list[dict], state: dict) -> int:
    households = state["households"]
    existing = state["existing_households"]
    new_households: dict = {}
    for row in rows:
        key = row["household_key"]
        if key is None or key in households:
            continue
        if key in existing:
            households[key] = existing[key]
            _load_household_tags(existing[key], state)
        elif key not in new_households:  # plain values: a model instance per household costs more than its insert
            new_households[key] = (row["household_number"], row["village"], row["address"])
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    household_ids = insert_returning_ids(
        Household,
        ["number", "village_id", "address", "phone", "phone_index", "created_at", "updated_at", "created_by_id"],
        [
            (number, village, address, "", "", now, now, acting_user.pk)
            for number, village, address in new_households.values()
        ],
    )
    for key, pk in zip(new_households, household_ids, strict=True):
        households[key] = pk
    ids = insert_returning_ids(Resident, RESIDENT_COLUMNS, _resident_values(rows, households, state, acting_user))
    _link(rows, ids, households, state, acting_user)
    if scoped(acting_user, Resident, CHANGE).filter(pk__in=ids).count() != len(ids):
        raise PermissionDenied(_("有居民不在您可登记的地区范围内"))
    return len(ids)


def field_indexer(field):
    """``field.compute`` (a BlindIndexField) for a loop over many values: the keyed HMAC is
    looked up once (crypto.blind_indexer), the per-value work is the same."""
    index, normalize = crypto.blind_indexer(field.purpose), field.normalizer

    def compute(raw) -> str:
        return index(normalize(str(raw))) if raw else ""

    return compute


def _resident_values(rows, households, state, acting_user) -> list[tuple]:
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    id_index = field_indexer(Resident._meta.get_field("id_number_index"))
    phone_index = field_indexer(Resident._meta.get_field("phone_index"))
    encrypt = crypto.encryptor()
    adapt_date = ops.adapt_datefield_value
    user_pk = acting_user.pk
    values = []
    for row in rows:
        key = row["household_key"]
        relation = Relation.HEAD if key is not None and key[1] == "row" else row["relation"]
        id_number, phone = row["id_number"], row["phone"]
        values.append(
            (
                row["name"],
                row["name_norm"][:50],
                initials_of_normalized(row["name_norm"])[:50],
                row["gender"],
                adapt_date(row["birth_date"]),
                encrypt(id_number) if id_number else "",
                row.get("id_index") or id_index(id_number),
                encrypt(phone) if phone else "",
                phone_index(phone),
                # phone_tail without its per-character loop for the usual validated phone (ASCII digits)
                phone[-4:] if len(phone) >= 4 and phone.isascii() and phone.isdigit() else phone_tail(phone),
                row["village"],
                row["address"],
                households.get(key) if key else None,
                relation,
                row["note"],
                now,
                now,
                user_pk,
            )
        )
        row["relation"] = relation
    return values


def _load_household_tags(household_pk: int, state: dict) -> None:
    for tag in HouseholdTag.objects.filter(household_id=household_pk).values_list("tag", flat=True):
        state["household_tags"].add((household_pk, tag))


def _link(rows, ids, households, state, acting_user) -> None:
    """Heads of households, resident tags and household tags for a written batch."""
    with_head, resident_tags, household_tags = set(), [], []
    seen_tags = state["household_tags"]
    for row, pk in zip(rows, ids, strict=True):
        key = row["household_key"]
        household_pk = households.get(key) if key else None
        if household_pk and row["relation"] == Relation.HEAD:
            with_head.add(household_pk)
        for tag in row["resident_tags"]:
            resident_tags.append((pk, tag))
        for tag in row["household_tags"]:
            if household_pk and (household_pk, tag) not in seen_tags:
                seen_tags.add((household_pk, tag))
                household_tags.append((household_pk, tag))
    if with_head:
        heads = Resident.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).order_by("-pk")
        for chunk in _chunks(sorted(with_head), 500):
            Household.objects.filter(pk__in=chunk).update(head=Subquery(heads.values("pk")[:1]))
    insert_tags(acting_user=acting_user, now=timezone.now(), resident_tags=resident_tags, household_tags=household_tags)


def insert_tags(*, acting_user, now, resident_tags, household_tags) -> None:
    """The (resident pk, tag) and (household pk, tag) pairs an import adds, in two multi-row inserts."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    insert_returning_ids(
        ResidentTag,
        ["resident_id", "tag", "note", "created_at", "created_by_id"],
        [(pk, tag, "", stamp, acting_user.pk) for pk, tag in resident_tags],
    )
    insert_returning_ids(
        HouseholdTag,
        ["household_id", "tag", "note", "created_at", "created_by_id"],
        [(pk, tag, "", stamp, acting_user.pk) for pk, tag in household_tags],
    )


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
