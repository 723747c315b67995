"""Township (9-digit) and village (12-digit) codes, imported from xlsx or csv."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import CHANGE, scoped
from xianfeng.imports.parsers import parse_int, parse_text
from xianfeng.imports.spec import CREATE, UNCHANGED, UPDATE, Column, ImportSpec, Planned, RowInvalid, register

from . import codes
from .models import Region
from .services import region_build


@register
class RegionImport(ImportSpec):
    key = "regions"
    label = gettext_lazy("乡镇/村区划")
    description = gettext_lazy(
        "导入乡镇（9位）和村/社区（12位）统计用区划代码及人口。省、市、县三级随系统提供。"
        "已存在的代码可选择更新名称和人口（人口留空则保留原值）。"
    )
    model = Region
    natural_key = "code"
    columns = [
        Column(
            "code",
            "区划代码",
            synonyms=("代码", "统计用区划代码", "行政区划代码", "区划编码", "code"),
            required=True,
            help="9位乡镇代码或12位村代码",
            example="210681101001",
        ),
        Column(
            "name",
            "名称",
            synonyms=("区划名称", "村名", "乡镇名称", "村（社区）名称", "name"),
            required=True,
            parse=lambda v: parse_text(v, 100),
            example="示例村",
        ),
        Column(
            "population",
            "常住人口",
            synonyms=("人口", "户籍人口", "人口数", "population"),
            parse=lambda v: parse_int(v, minimum=0),
            help="用于计算报告患病率等比率",
            example="1200",
        ),
    ]

    def prepare(self, ctx):
        ctx.state["seen"] = {}
        ctx.state["known"] = set()  # codes known to exist (checked in the database or earlier rows)
        ctx.state["writable"] = scoped(ctx.user, Region, CHANGE)

    def clean_row(self, values, row_number, ctx):
        code = codes.trim_code(values["code"])
        if len(code) not in (9, 12) or not code.isdigit():
            raise RowInvalid({"code": _("应为9位乡镇代码或12位村代码，实际为“%(c)s”") % {"c": values["code"]}})
        seen = ctx.state["seen"]
        if code in seen:
            raise RowInvalid({"code": _("与第 %(r)s 行重复") % {"r": seen[code]}})
        seen[code] = row_number
        parent = codes.parent_code(code)
        if parent not in seen and not self._exists(parent, ctx):
            raise RowInvalid({"code": _("上级区划 %(p)s 不存在：请先导入上级（乡镇在村之前）") % {"p": parent}})
        county = code[:6]
        if not self._writable(county, ctx):
            raise RowInvalid({"code": _("%(c)s 不在您可维护的地区范围内") % {"c": county}})
        existing = Region.objects.filter(pk=code).only("code", "name", "population").first()
        population = values.get("population")
        if existing is None:
            return Planned(CREATE, region_build(code, values["name"], population))
        if population is None:  # an empty cell keeps the population on record
            population = existing.population
        region = region_build(code, values["name"], population)
        changed = tuple(f for f in ("name", "population") if getattr(region, f) != getattr(existing, f))
        if not changed:
            return Planned(UNCHANGED, region)
        if "name" in changed:
            ctx.warnings.append(
                (row_number, "name", _("将把“%(old)s”改名为“%(new)s”") % {"old": existing.name, "new": region.name})
            )
        return Planned(UPDATE, region, changed=changed)

    def _exists(self, code, ctx) -> bool:
        known = ctx.state["known"]
        if code not in known and Region.objects.filter(pk=code).exists():
            known.add(code)
        return code in known

    def _writable(self, county, ctx) -> bool:
        cache = ctx.state.setdefault("writable_counties", {})
        if county not in cache:
            # Checked per county, not per row: a whole county is in or out of a user's scope.
            cache[county] = ctx.state["writable"].filter(code=county).exists()
        return cache[county]

    def commit(self, rows, ctx):
        """Regions come by the thousand (a county's villages in one file), so they are logged
        once per import: the job's ChangeLog row (written in this same transaction) lists every
        code created and, for each code updated, its name and population before and after."""
        rows = [planned.data for planned in rows]  # CREATE, and UPDATE in "create and update"
        existing = {
            r.code: r for r in Region.objects.filter(pk__in=[r.code for r in rows]).only("code", "name", "population")
        }
        new = [r for r in rows if r.code not in existing]
        old = [r for r in rows if r.code in existing]
        Region.objects.bulk_create(new, batch_size=1000)
        Region.objects.bulk_update(old, ["name", "population", "name_norm", "name_initials"], batch_size=1000)
        # Re-checked after writing, inside the import's transaction (DESIGN.md §3).
        codes_written = [r.code for r in rows]
        if scoped(ctx.user, Region, CHANGE).filter(pk__in=codes_written).count() != len(codes_written):
            raise PermissionDenied(_("有区划不在您可维护的地区范围内"))
        changes = ctx.changes
        changes.setdefault("created", []).extend(r.code for r in new)
        updated = changes.setdefault("updated", {})
        for region in old:
            before = existing[region.code]
            diff = {
                field: [getattr(before, field), getattr(region, field)]
                for field in ("name", "population")
                if getattr(before, field) != getattr(region, field)
            }
            if diff:
                updated[region.code] = diff
        return len(new), len(old)
