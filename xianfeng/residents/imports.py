"""Residents from xlsx or csv: headers matched by Chinese name or synonym, every row checked,
nothing written until the whole file is clean (the imports framework does the rest)."""

import re
from collections import defaultdict
from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.personal import personal_existence_check_in_import
from xianfeng.accounts.roles import HEALTH
from xianfeng.core.masking import mask_id_number, mask_phone
from xianfeng.imports.engine import KeyRows
from xianfeng.imports.parsers import parse_date, parse_text
from xianfeng.imports.spec import CREATE, UNCHANGED, UPDATE, Column, ImportSpec, Planned, RowInvalid, register

from . import rules, selectors, services_import, services_import_update
from .importing import VillageResolver, parse_gender, parse_id_text, parse_relation, parse_tags
from .models import HEALTH_TAGS, Relation, Resident, ResidentTagKind, is_elderly
from .services import check_identity
from .services_import import normalize_name_cached
from .validators import validate_phone

PRELOAD_PEOPLE = 300_000
MERGED_MESSAGE = gettext_lazy(
    "该身份证号登记在一条已合并到其他居民的记录上，导入不会更新它：请在合并后的居民页面修改，或先撤销合并"
)


def _text(limit):
    return partial(parse_text, max_length=limit)  # a C-level call per cell, not a Python lambda


_NAME_WITH_CODE = re.compile(r"[(（]\s*(\d{12})\s*[)）]$")


def parse_village(value) -> str:
    """A village as written: a code, a name, or a name with its code in brackets (as the
    register export writes it, "冯家屯村委会（210681101200）"), which stands for the code."""
    text = parse_text(value, 100)
    found = _NAME_WITH_CODE.search(text)
    return found.group(1) if found else text


@register
class ResidentImport(ImportSpec):
    key = "residents"
    label = gettext_lazy("居民")
    description = gettext_lazy(
        "导入居民及其家庭户。身份证号自动校验（15位旧号自动升级为18位），出生日期、性别与身份证号交叉核对；"
        "村可填12位代码或您管辖范围内的村名；同一户的成员填相同的户编号（或户主姓名）。"
        "同一身份证号只能登记一人；无身份证号时，同名同出生日期同村的记录会提示可能重复。"
        "身份证号已登记在您可维护的范围内时，可选择按文件更新该居民：只更新文件中填写了的项，"
        "空白单元格不会清空已有信息，人群分类只增不减。"
    )
    model = Resident
    batch_size = 2000
    natural_key = "id_number"
    columns = [
        Column(
            "name",
            "姓名",
            synonyms=("名字", "居民姓名", "人员姓名", "name"),
            required=True,
            parse=_text(50),
            example="陈大文",
        ),
        Column(
            "id_number",
            "身份证号",
            synonyms=(
                "身份证号码",
                "公民身份号码",
                "证件号码",
                "身份证",
                "证件号",
                "居民身份证号",
                "身份证件号码",
                "id",
            ),
            parse=parse_id_text,
            help="18位（末位可为X）或15位旧号码；无身份证号可留空",
            example="210681196503021234",
            personal=True,
            mask=mask_id_number,
        ),
        Column(
            "gender",
            "性别",
            synonyms=("sex", "gender"),
            parse=parse_gender,
            help="男/女，可留空（按身份证号）",
            example="男",
        ),
        Column(
            "birth_date",
            "出生日期",
            synonyms=("生日", "出生年月日", "出生年月", "出生时间", "birthday"),
            parse=parse_date,
            help="1965-03-02、1965.3.2、1965/3/2、1965年3月2日均可",
            example="1965-03-02",
        ),
        Column(
            "phone",
            "联系电话",
            synonyms=("手机", "手机号", "手机号码", "电话", "电话号码", "联系方式", "phone"),
            example="13812345678",
            personal=True,
            mask=mask_phone,
        ),
        Column(
            "village",
            "所属村",
            synonyms=(
                "村",
                "村(社区)",
                "村(居)",
                "村居",
                "村代码",
                "村/社区",
                "社区",
                "所属村(社区)",
                "所属村居",
                "区划代码",
                "村区划代码",
                "行政村",
                "village",
            ),
            required=True,
            parse=parse_village,
            help="12位村代码，或您管辖范围内的村名（“村名（12位代码）”按代码）",
            example="210681101001",
        ),
        Column(
            "address",
            "家庭住址",
            synonyms=("地址", "住址", "现住址", "居住地址", "家庭地址", "address"),
            parse=_text(200),
            example="孤山镇东街12号",
        ),
        Column(
            "household_number",
            "户编号",
            synonyms=("户号", "家庭编号", "户编码", "家庭户号"),
            parse=_text(40),
            help="同一户的成员填相同的户编号",
            example="H0001",
        ),
        Column(
            "head_name",
            "户主姓名",
            synonyms=("户主",),
            parse=_text(50),
            help="无户编号时，按同村同户主姓名归户",
            example="陈大文",
        ),
        Column(
            "relation",
            "与户主关系",
            synonyms=("关系", "家庭关系", "与户主的关系", "家庭成员关系"),
            parse=parse_relation,
            example="户主",
        ),
        Column(
            "tags",
            "人群分类",
            synonyms=("标签", "重点人群", "特殊人群", "人群类别", "户类别", "人员类别"),
            parse=parse_tags,
            help="多个用顿号分隔，如：孕产妇、低保户（户类别记在户上）",
            example="残疾人、监测户",
        ),
        Column("note", "备注", synonyms=("说明",), parse=_text(200)),
    ]

    def prepare(self, ctx):
        prefixes = selectors.change_region_prefixes(ctx.user)
        state = ctx.state
        state["today"] = timezone.localdate()  # once per file: the birth-date and age rules ask per row
        state["villages"] = VillageResolver(prefixes)
        state["prefixes"] = prefixes
        # Uniqueness is global (one person per ID number), so every existing index is loaded;
        # 16 hex digits of the HMAC are plenty to tell a million numbers apart.
        # As KeyRows (a key set here): ~24 MB for a million registered numbers, not ~70 MB.
        existing_ids = state["existing_ids"] = KeyRows()
        registered = Resident.objects.exclude(id_number_index="").values_list("id_number_index", flat=True)
        for index in registered.iterator(chunk_size=5000):  # not all the hex strings at once
            existing_ids[int(index[:16], 16)] = 1
        state["seen_ids"] = KeyRows()  # {key: first row} for the whole file, in flat arrays
        state["existing"] = services_import_update.ExistingResidents(ctx.user)
        state["user"] = ctx.user
        state["seen_people"] = {}
        state["known_people"] = self._preload_people(prefixes)  # village -> {(name_norm, birth_date)}
        state["index_field"] = Resident._meta.get_field("id_number_index")
        state["id_indexer"] = services_import.field_indexer(state["index_field"])  # index_field.compute, keyed once
        state["phone_index"] = Resident._meta.get_field("phone_index")
        services_import.prepare_households(state, ctx.user, prefixes)

    def _preload_people(self, prefixes) -> dict | None:
        """Everyone already registered in the user's villages, when that is a manageable number
        (None: each village is loaded the first time a row needs it)."""
        people = Resident.objects.filter(merged_into__isnull=True)
        if prefixes is not None:
            scope = Q(pk__in=[])
            for prefix in prefixes:
                scope |= Q(village__code__startswith=prefix)
            people = people.filter(scope)
        if people.count() > PRELOAD_PEOPLE:
            return None
        known: dict = defaultdict(set)  # plain dict lookups below: .get never adds
        for village, name_norm, birth_date in people.values_list("village_id", "name_norm", "birth_date"):
            known[village].add((name_norm, birth_date))
        return known

    def clean_row(self, values, row_number, ctx):
        state = ctx.state
        errors: dict[str, str] = {}
        village, message = state["villages"].resolve(values["village"])
        if message:
            errors["village"] = message
        today = state["today"]
        id_number, birth_date, gender, identity_errors = check_identity(
            values.get("id_number", ""), values.get("birth_date"), values.get("gender", ""), today=today
        )
        errors.update(identity_errors)
        try:
            phone = validate_phone(values.get("phone"))
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
            phone = ""
        resident_tags, household_tags = values.get("tags") or ((), ())
        if resident_tags:  # sex and age
            errors.update(rules.tag_errors(resident_tags, gender=gender, birth_date=birth_date, on=today))
        id_index, existing = "", None
        if id_number and "id_number" not in errors:
            id_index = state["id_indexer"](id_number)
            existing, id_errors = self._check_unique_id(id_index, row_number, state, ctx.user)
            errors.update(id_errors)
        if errors:
            raise RowInvalid(errors)
        name_norm = normalize_name_cached(values["name"])
        if not id_number:
            self._warn_possible_duplicate(name_norm, birth_date, village, row_number, ctx)
        if ResidentTagKind.ELDERLY in resident_tags:
            resident_tags = tuple(t for t in resident_tags if t != ResidentTagKind.ELDERLY)
            if not is_elderly(birth_date, state["today"]):
                ctx.warnings.append((row_number, "tags", _("“65岁以上”按出生日期自动判断，此人未满65岁，已忽略")))
        relation = values.get("relation", "")
        head_name = values.get("head_name", "")
        if not relation and head_name and normalize_name_cached(head_name) == name_norm:
            relation = Relation.HEAD
        data = {
            "row": row_number,
            "name": values["name"],
            "name_norm": name_norm,
            "gender": gender,
            "birth_date": birth_date,
            "id_number": id_number,
            "id_index": id_index,
            "phone": phone,
            "village": village,
            "address": values.get("address", ""),
            "household_key": services_import.household_key(
                village, values.get("household_number", ""), head_name, bool(household_tags), row_number
            ),
            "household_number": values.get("household_number", ""),
            "relation": relation,
            "resident_tags": resident_tags,
            "household_tags": household_tags,
            "note": values.get("note", ""),
        }
        if existing is None:
            return Planned(CREATE, data)
        return self._plan_update(existing, data, values, state)

    def _check_unique_id(self, id_index, row_number, state, user) -> tuple[dict | None, dict]:
        """(the existing resident this row updates, or None; errors). A number registered within
        the user's change scope names the resident to update; elsewhere the row is refused."""
        key = int(id_index[:16], 16)
        seen = state["seen_ids"]
        first = seen.get(key)
        if first is not None:
            return None, {"id_number": _("身份证号与第 %(r)s 行重复（同一人只能登记一次）") % {"r": first}}
        seen[key] = row_number
        registered = key in state["existing_ids"]
        if not registered and state.get("exact_search_refused") is False:
            # A new number for a user within the search limit: what personal_existence_check_in_import
            # answers (None) without building its messages for every row of the file.
            return None, {}
        if registered:
            existing = state["existing"].get(id_index)
            if existing is not None:  # the user's own record: no existence check to log
                if existing["merged_into_id"]:
                    return None, {"id_number": str(MERGED_MESSAGE)}
                return existing, {}
        message = personal_existence_check_in_import(  # no oracle for residents outside the scope
            acting_user=user,
            model=Resident,
            index=id_index,
            registered=registered,
            taken_message=_("该身份证号已在系统中登记，您只能查看、不能修改该居民，不能导入"),
            state=state,
        )
        return None, ({"id_number": message} if message else {})

    def _plan_update(self, existing: dict, data: dict, values: dict, state) -> Planned:
        """Compare the columns the file fills (an empty cell never blanks a stored value) with
        the stored resident: UNCHANGED, or UPDATE naming the changed columns."""
        changes, changed, errors = {}, [], {}

        def differs(column, attname, new, old):
            if new not in ("", None) and new != old:
                changes[attname] = new
                changed.append(column)

        differs("name", "name", " ".join(values["name"].split()), existing["name"])
        if values.get("gender"):
            differs("gender", "gender", data["gender"], existing["gender"])
        if values.get("birth_date"):
            differs("birth_date", "birth_date", data["birth_date"], existing["birth_date"])
        if data["phone"] and state["phone_index"].compute(data["phone"]) != existing["phone_index"]:
            changes["phone"] = data["phone"]
            changed.append("phone")
        differs("address", "address", data["address"], existing["address"])
        differs("note", "note", data["note"], existing["note"])
        household = existing["household_id"]
        if data["village"] != existing["village_id"]:
            if household:
                errors["village"] = _(
                    "所属村与系统中不同，而此人所在的户属于原村：导入不会把居民移出其所在的户，"
                    "请先在居民页面调整其所在户，再导入"
                )
            else:
                changes["village_id"] = data["village"]
                changed.append("village")
        key = data["household_key"]
        if key is not None and key[1] != "row" and not self._same_household(existing, key):
            joins = state["existing_households"].get(key) if key[1] == "no" else None
            if household is None and joins is not None:
                household = changes["household_id"] = joins
                changed.append("household_number")
            else:
                errors["household_number" if key[1] == "no" else "head_name"] = _(
                    "户编号/户主与系统中此人所在的户不一致：导入不会把居民移到另一户，"
                    "请在居民页面调整其所在户后再导入，或清空本行的户编号和户主姓名"
                )
        if data["relation"] and data["relation"] != existing["relation"]:
            changes["relation"] = data["relation"]
            changed.append("relation")
        new_tags = tuple(t for t in data["resident_tags"] if t not in existing["tags"])
        if any(t in HEALTH_TAGS for t in new_tags) and not self._may_add_health(existing["village_id"], state):
            errors["tags"] = _("您无权为该居民添加健康类人群分类（需要健康信息权限）")
        new_household_tags = ()
        if data["household_tags"]:
            if household is None:
                errors["tags"] = _("此人尚未归户，导入不能为其记录户类别：请先在居民页面为其建户，或删去本行的户类别")
            else:
                held = state["existing"].tags_of_household(household)
                new_household_tags = tuple(t for t in data["household_tags"] if t not in held)
        if new_tags or new_household_tags:
            changed.append("tags")
        if errors:
            raise RowInvalid(errors)
        if not changed:
            return Planned(UNCHANGED, None)
        update = {
            "pk": existing["pk"],
            "row": data["row"],
            "changes": changes,
            "resident_tags": new_tags,
            "household_tags": new_household_tags,
        }
        return Planned(UPDATE, update, changed=tuple(changed))

    @staticmethod
    def _may_add_health(village: str, state) -> bool:
        """As resident_tag_add: health groups only within the user's "residents.health" scope
        (re-checked by resident_import_update after the write)."""
        if "health_prefixes" not in state:
            state["health_prefixes"] = selectors.change_region_prefixes(state["user"], HEALTH)
        prefixes = state["health_prefixes"]
        return prefixes is None or any(village.startswith(p) for p in prefixes)

    @staticmethod
    def _same_household(existing: dict, key: tuple) -> bool:
        if not existing["household_id"]:
            return False
        village, kind, value = key
        if kind == "no":
            return existing["household__number"] == value and existing["household__village_id"] == village
        return existing["household__head__name_norm"] == value

    def _warn_possible_duplicate(self, name_norm, birth_date, village, row_number, ctx):
        state = ctx.state
        key = (name_norm, birth_date, village)
        other = state["seen_people"].get(key)
        if other is not None:
            ctx.warnings.append(
                (
                    row_number,
                    "name",
                    _("可能与第 %(r)s 行是同一人（同名、同出生日期、同村，均无身份证号）") % {"r": other},
                )
            )
        else:
            state["seen_people"][key] = row_number
        if state["known_people"] is not None:  # preloaded: a village not in it has nobody yet
            known = state["known_people"].get(village, ())
        else:
            known = state.setdefault("lazy_people", {}).get(village)
        if known is None:
            known = set(
                Resident.objects.filter(village_id=village, merged_into__isnull=True).values_list(
                    "name_norm", "birth_date"
                )
            )
            state["lazy_people"][village] = known
        if (name_norm, birth_date) in known:
            ctx.warnings.append(
                (row_number, "name", _("可能与已登记的居民重复（同名、同出生日期、同村），导入后可在“疑似重复”中合并"))
            )

    def commit(self, rows, ctx):
        creates = [planned.data for planned in rows if planned.action == CREATE]
        updates = [planned.data for planned in rows if planned.action == UPDATE]
        created = updated = 0
        if creates:
            created = services_import.resident_import_batch(acting_user=ctx.user, rows=creates, state=ctx.state)
        if updates:
            updated = services_import_update.resident_import_update(acting_user=ctx.user, rows=updates, state=ctx.state)
        return created, updated
