"""Re-imports: residents already registered (by ID number, within the user's change scope)
that a file changes. ``ExistingResidents`` finds them for ResidentImport.clean_row, village by
village; ``resident_import_update`` writes the changes of one batch inside the import's single
transaction, one ChangeLog row per resident updated with before and after (as resident_update).
"""

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.roles import HEALTH
from xianfeng.accounts.scoping import CHANGE, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many
from xianfeng.core.fields import phone_tail
from xianfeng.core.text import normalize_name, pinyin_initials

from .models import HEALTH_TAGS, Household, HouseholdTag, Relation, Resident, ResidentTag, ResidentTagKind
from .services import resident_snapshot
from .services_import import _load_household_tags, insert_tags

# Re-imports: residents already registered (by ID number) within the user's change scope.

EXISTING_FIELDS = (
    "pk",
    "id_number_index",
    "name",
    "gender",
    "birth_date",
    "phone_index",
    "village_id",
    "address",
    "relation",
    "note",
    "household_id",
    "household__number",
    "household__village_id",
    "household__head__name_norm",
    "merged_into_id",
)


class ExistingResidents:
    """Residents a file's ID numbers name, looked up village by village: the first row that
    names someone in a village loads every resident with an ID number in that village (within
    the user's change scope) with their current tags, so a re-imported register costs one
    query per village, not one per row. Bounded: past ``limit`` residents the cache restarts."""

    def __init__(self, user, limit: int = 200_000):
        self.user = user
        self.limit = limit
        self.by_index: dict[str, dict] = {}
        self.villages: set[str] = set()
        self.household_tags: dict[int, set[str]] = {}
        self.today = timezone.localdate()

    def get(self, index: str) -> dict | None:
        """The stored resident with this ID index, or None when there is none the user may change."""
        found = self.by_index.get(index)
        if found is not None:
            return found
        village = Resident.objects.filter(id_number_index=index).values_list("village_id", flat=True).first()
        if village is None or village in self.villages:
            return None
        self._load(village)
        return self.by_index.get(index)

    def _active(self, model):
        today = self.today
        return model.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        )

    def _load(self, village: str) -> None:
        if len(self.by_index) > self.limit:
            self.by_index.clear()
            self.villages.clear()
            self.household_tags.clear()
        self.villages.add(village)
        people = scoped(self.user, Resident, CHANGE).filter(village_id=village).exclude(id_number_index="").order_by()
        by_pk = {}
        for row in people.values(*EXISTING_FIELDS):
            row["tags"] = set()
            by_pk[row["pk"]] = row
            self.by_index[row["id_number_index"]] = row
        if not by_pk:
            return
        tags = self._active(ResidentTag).filter(resident_id__in=list(by_pk)).values_list("resident_id", "tag")
        for resident, tag in tags:
            by_pk[resident]["tags"].add(tag)
        households = {row["household_id"] for row in by_pk.values()} - {None}
        if households:
            tags = self._active(HouseholdTag).filter(household_id__in=households).values_list("household_id", "tag")
            for household, tag in tags:
                self.household_tags.setdefault(household, set()).add(tag)

    def tags_of_household(self, household_pk: int | None) -> set[str]:
        return self.household_tags.get(household_pk, set()) if household_pk else set()


# The model fields an import row may change (attnames: foreign keys are set by id).
UPDATABLE = ("name", "gender", "birth_date", "phone", "village_id", "address", "household_id", "relation", "note")
_CLEAN_EXCLUDE = ["village", "household", "merged_into", "created_by", "id_number"]


def update_rows(model, objs: list, fields: set[str]) -> None:
    """Write ``fields`` (attnames) of ``objs``: one UPDATE … WHERE pk per object, executed in
    one executemany per set of fields. Used instead of bulk_update, whose CASE WHEN per field
    grows with the batch on SQLite. Values go through each field's own preparation
    (encryption, date adaptation), as in a save."""
    quote = connection.ops.quote_name
    columns = [f for f in model._meta.concrete_fields if f.attname in fields]
    pk = model._meta.pk
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in columns)} "
        f"WHERE {quote(pk.column)} = %s"
    )
    params = [[*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns), obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _tag_note(tags: list[str]) -> str:
    """Tags added, for the ChangeLog note: health groups are not named (as in resident_tag_add)."""
    if not tags:
        return ""
    labels = dict(ResidentTagKind.choices)
    named = [str(labels.get(t, t)) for t in tags if t not in HEALTH_TAGS]
    if any(t in HEALTH_TAGS for t in tags):
        named.append(_("健康类人群分类"))
    return _("；加入人群分类：%(t)s") % {"t": "、".join(named)}


@transaction.atomic
def resident_import_update(*, acting_user, rows: list[dict], state: dict) -> int:
    """Apply the changes planned for existing residents (rows from ResidentImport.clean_row:
    {"pk", "changes": {attname: value}, "resident_tags", "household_tags"}). Only the fields a
    row changes are written; tags are added, never removed. One ChangeLog row per resident
    with before/after; the residents are checked again after the write, so a change that would
    take one outside the user's scope rolls back the whole file."""
    if not rows:
        return 0
    pks = [row["pk"] for row in rows]
    residents = {r.pk: r for r in Resident.objects.select_for_update().filter(pk__in=pks)}
    now = timezone.now()
    phone_index = Resident._meta.get_field("phone_index")
    before, objs, notes, fields = {}, [], {}, {"updated_at"}
    resident_tags, household_tags, heads = [], [], set()
    seen_tags = state["household_tags"]
    loaded = state.setdefault("household_tags_loaded", set())
    for row in rows:
        resident = residents.get(row["pk"])
        if resident is None or resident.merged_into_id:
            raise PermissionDenied(_("有居民在检查之后已被删除或合并，请重新检查文件"))
        before[resident.pk] = resident_snapshot(resident)
        for attname, value in row["changes"].items():
            setattr(resident, attname, value)
            fields.add(attname)
        if "name" in row["changes"]:
            resident.name_norm = normalize_name(resident.name)[:50]
            resident.name_initials = pinyin_initials(resident.name)[:50]
            fields.update(("name_norm", "name_initials"))
        if "phone" in row["changes"]:
            resident.phone_index = phone_index.compute(resident.phone)
            resident.phone_last4 = phone_tail(resident.phone)
            fields.update(("phone_index", "phone_last4"))
        resident.updated_at = now
        resident.full_clean(exclude=_CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
        objs.append(resident)
        notes[resident.pk] = _tag_note(list(row["resident_tags"]))
        resident_tags.extend((resident.pk, tag) for tag in row["resident_tags"])
        household = resident.household_id
        if household and resident.relation == Relation.HEAD and {"relation", "household_id"} & row["changes"].keys():
            heads.add((household, resident.pk))
        if household and row["household_tags"]:
            if household not in loaded:
                loaded.add(household)
                _load_household_tags(household, state)
            for tag in row["household_tags"]:
                if (household, tag) not in seen_tags:
                    seen_tags.add((household, tag))
                    household_tags.append((household, tag))
    update_rows(Resident, objs, fields)
    for household, head in heads:
        Household.objects.filter(pk=household).update(head=head)
    insert_tags(acting_user=acting_user, now=now, resident_tags=resident_tags, household_tags=household_tags)
    if scoped(acting_user, Resident, CHANGE).filter(pk__in=pks).count() != len(set(pks)):
        raise PermissionDenied(_("更新后有居民将不在您可维护的地区范围内"))
    health = {pk for pk, tag in resident_tags if tag in HEALTH_TAGS}
    if health and scoped(acting_user, Resident, HEALTH).filter(pk__in=health).count() != len(health):
        raise PermissionDenied(_("有居民不在您可记录健康类人群分类的范围内"))
    by_note: dict[str, list] = {}
    for resident in objs:
        by_note.setdefault(notes[resident.pk], []).append(resident)
    for note, group in by_note.items():
        changelog_write_many(
            actor=acting_user,
            action=ChangeLog.Action.UPDATE,
            objs=group,
            before_of=lambda obj: before[obj.pk],
            after_of=resident_snapshot,
            note=_("批量导入更新") + note,
        )
    return len(objs)
