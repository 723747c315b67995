"""Cell parsers and lookups for the residents import (kept out of imports.py so the spec
module stays a readable declaration)."""

import re
from functools import lru_cache

from django.db.models import Q
from django.utils.translation import gettext as _

from xianfeng.core.text import normalize_name
from xianfeng.imports.parsers import CellError, clean_text
from xianfeng.regions.models import Region

from .models import HouseholdTagKind, Relation, ResidentTagKind

_GENDER = {"男": "M", "男性": "M", "m": "M", "male": "M", "1": "M", "女": "F", "女性": "F", "f": "F", "female": "F"}
_GENDER.update({"2": "F", "未知": "", "不详": "", "": ""})

_RELATION_WORDS = {
    Relation.HEAD: ("户主", "本人", "自己"),
    Relation.SPOUSE: ("配偶", "妻", "妻子", "夫", "丈夫", "之妻", "之夫", "爱人", "老伴"),
    Relation.CHILD: (
        "子女",
        "子",
        "女",
        "儿子",
        "女儿",
        "长子",
        "次子",
        "三子",
        "长女",
        "次女",
        "三女",
        "之子",
        "之女",
        "养子",
        "养女",
        "独生子",
        "独生女",
    ),
    Relation.PARENT: ("父母", "父亲", "母亲", "父", "母", "岳父", "岳母", "公公", "婆婆"),
    Relation.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙", "外孙子", "外孙女"),
    Relation.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
}
_RELATIONS = {word: rel for rel, words in _RELATION_WORDS.items() for word in words}
_RELATIONS.update({str(label): value for value, label in Relation.choices})

_TAG_WORDS = {
    ResidentTagKind.SEVERE_MENTAL: ("严重精神障碍患者", "严重精神障碍", "精神障碍", "精神病", "重精", "精神病人"),
    ResidentTagKind.ELDERLY: ("65岁以上", "65岁及以上", "老年人", "老人", "65岁以上老年人"),
    ResidentTagKind.PREGNANT: ("孕产妇", "孕妇", "产妇"),
    ResidentTagKind.STUDENT: ("在校学生", "学生", "中小学生", "在校生"),
    ResidentTagKind.DISABLED: ("残疾人", "残疾"),
    ResidentTagKind.HUBEI_FAMILY: ("援鄂医务人员家属", "援鄂家属", "援鄂人员家属"),
    ResidentTagKind.CHRONIC: ("慢性病患者", "慢性病", "慢病", "高血压", "糖尿病"),
    ResidentTagKind.LEFT_BEHIND: ("留守老人/儿童", "留守老人", "留守儿童", "留守"),
    HouseholdTagKind.MONITORED: ("监测户", "防返贫监测户", "监测对象", "边缘易致贫户", "突发严重困难户"),
    HouseholdTagKind.LIFTED: ("脱贫户", "脱贫", "建档立卡户"),
    HouseholdTagKind.DIBAO: ("低保户", "低保"),
    HouseholdTagKind.TEKUN: ("特困户", "特困", "五保户", "特困供养"),
    HouseholdTagKind.MEDICAL_FAMILY: ("援鄂医务人员家庭", "援鄂家庭"),
}
_HOUSEHOLD_KINDS = set(HouseholdTagKind.values)
TAGS = {normalize_name(word): kind for kind, words in _TAG_WORDS.items() for word in words}
_TAG_SPLIT = re.compile(r"[、,，;；|\s]+")


def parse_gender(value) -> str:
    text = clean_text(value).lower()
    if text in _GENDER:
        return _GENDER[text]
    raise CellError(_("“%(v)s”不是有效的性别，请填“男”或“女”") % {"v": text})


def parse_relation(value) -> str:
    text = clean_text(value).replace(" ", "")
    if not text:
        return ""
    return _RELATIONS.get(text, Relation.OTHER)


_NO_TAGS = ((), ())


def parse_tags(value) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """'孕妇、低保户' -> ((resident tags), (household tags))."""
    text = clean_text(value)
    if not text:  # most rows
        return _NO_TAGS
    return _parse_tag_text(text)


@lru_cache(maxsize=4096)  # a file repeats a few combinations; errors (CellError) are not cached
def _parse_tag_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    resident, household, unknown = [], [], []
    for word in _TAG_SPLIT.split(text):
        if not word:
            continue
        kind = TAGS.get(normalize_name(word))
        if kind is None:
            unknown.append(word)
        elif kind in _HOUSEHOLD_KINDS:
            household.append(kind)
        else:
            resident.append(kind)
    if unknown:
        known = "、".join(str(label) for _v, label in (*ResidentTagKind.choices, *HouseholdTagKind.choices))
        raise CellError(_("未知的人群分类“%(w)s”（可选：%(k)s）") % {"w": "、".join(unknown), "k": known})
    return tuple(dict.fromkeys(resident)), tuple(dict.fromkeys(household))


def parse_id_text(value) -> str:
    if isinstance(value, float) and value >= 1e16:
        raise CellError(_("身份证号被 Excel 存成了数字，后几位已丢失：请把该列设为“文本”后重新填写"))
    return clean_text(value).replace(" ", "").replace("\u3000", "")


PRELOAD_VILLAGES = 20_000


class VillageResolver:
    """A village written as a 12-digit code or a name, resolved within the user's scope, cached."""

    def __init__(self, prefixes: list[str] | None):
        self.prefixes = prefixes
        self.cache: dict[str, tuple[str | None, str]] = {}
        scope = Q()
        if prefixes is not None:
            scope = Q(pk__in=[])
            for prefix in prefixes:
                scope |= Q(code__startswith=prefix)
        self.villages = Region.objects.filter(scope, level=Region.Level.VILLAGE)
        self.preloaded: dict[str, str] | None = None  # code -> name_norm, when the scope is small
        if self.villages.count() <= PRELOAD_VILLAGES:
            self.preloaded = dict(self.villages.values_list("code", "name_norm"))

    def in_scope(self, code: str) -> bool:
        return self.prefixes is None or any(code.startswith(p) for p in self.prefixes)

    def resolve(self, text: str) -> tuple[str | None, str]:
        """(village code, "") or (None, error message)."""
        found = self.cache.get(text)
        if found is None:
            found = self.cache[text] = self._resolve(text)
        return found

    def _resolve(self, text: str) -> tuple[str | None, str]:
        compact = text.replace(" ", "")
        if self.preloaded is not None and compact in self.preloaded:
            return compact, ""
        if compact.isdigit():
            if len(compact) != 12:
                return None, _("“%(c)s”不是12位村代码（%(n)s位）") % {"c": compact, "n": len(compact)}
            region = Region.objects.filter(pk=compact).first()
            if region is None or region.level != Region.Level.VILLAGE:
                return None, _("村代码 %(c)s 不存在，请先导入区划") % {"c": compact}
            if not self.in_scope(compact):
                return None, _("村代码 %(c)s（%(n)s）不在您可登记居民的地区范围内") % {"c": compact, "n": region.name}
            return compact, ""
        norm = normalize_name(compact)
        if self.preloaded is not None:
            codes = [c for c, n in self.preloaded.items() if n == norm]
            codes = codes or [c for c, n in self.preloaded.items() if n.startswith(norm)]
            return self._one(codes, text)
        codes = list(self.villages.filter(name_norm=norm).values_list("code", flat=True)[:5])
        if not codes:
            codes = list(self.villages.filter(name_norm__startswith=norm).values_list("code", flat=True)[:5])
        return self._one(codes, text)

    def _one(self, codes: list[str], text: str) -> tuple[str | None, str]:
        if len(codes) == 1:
            return codes[0], ""
        if not codes:
            return None, _("在您可登记居民的地区内找不到村“%(v)s”，请填写12位村代码") % {"v": text}
        return None, _("村名“%(v)s”不唯一（%(c)s…），请填写12位村代码") % {"v": text, "c": "、".join(codes[:3])}
