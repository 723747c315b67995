"""Donation lists from a spreadsheet (issue 12 §5): one receipt per row, through the imports
framework — template, header synonyms, row-by-row check, all-or-nothing commit.

Every row is checked with the rules of a receipt entered by hand (``services.build_receipt``):
an amount of zero or less, an unknown item, an organization the user does not keep stock for,
a receipt number already stored for that organization or repeated in the file are refused row
by row. The commit goes through ``services.receipt_create`` (stock under its lock, ChangeLog).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.core.text import normalize_name
from xianfeng.imports.parsers import CellError, clean_text, parse_choice, parse_date, parse_text
from xianfeng.imports.spec import CREATE, Column, ImportSpec, Planned, RowInvalid, register

from . import selectors, services
from .models import Receipt

DONOR_KINDS = [*Receipt.DonorKind.choices, ("company", "公司"), ("organization", "单位"), ("person", "个人捐赠")]


def parse_amount(value):
    text = clean_text(value).replace(",", "").replace("，", "")
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("“%(v)s”不是数字") % {"v": text}) from None
    if not number.is_finite():
        raise CellError(_("“%(v)s”不是数字") % {"v": text})
    if number <= 0:
        raise CellError(_("必须大于 0"))
    return number


def parse_donor_kind(value) -> str:
    return parse_choice(value, DONOR_KINDS) if parse_text(value) else ""


@register
class DonationImport(ImportSpec):
    key = "donations"
    label = gettext_lazy("捐赠清单")
    description = gettext_lazy(
        "导入捐赠登记簿，每行一笔入库。接收组织须是您可管理物资的组织（填名称）；物资填名称或代码；"
        "数量须大于 0；不愿留名的捐赠方类型填“匿名”；收据编号在接收组织内不能重复（文件内也不能重复）。"
        "任何一行有误则整份文件都不导入。"
    )
    model = Receipt
    batch_size = 500
    columns = [
        Column("donor_name", "捐赠方", synonyms=("捐赠人", "捐赠单位", "捐款人"), parse=lambda v: parse_text(v, 100)),
        Column(
            "donor_kind",
            "捐赠方类型",
            synonyms=("捐赠人类型", "类型"),
            parse=parse_donor_kind,
            help="企业、单位/组织、个人、匿名",
            example="企业",
        ),
        Column("item", "物资", synonyms=("物资名称", "品名", "捐赠物资"), required=True, example="食品"),
        Column("quantity", "数量", synonyms=("捐赠数量",), required=True, parse=parse_amount, example="200"),
        Column("value_yuan", "折合金额", synonyms=("折合金额(元)", "金额", "价值"), parse=parse_amount, example="6000"),
        Column(
            "received_on",
            "接收日期",
            synonyms=("日期", "捐赠日期"),
            required=True,
            parse=parse_date,
            example="2024-02-01",
        ),
        Column("receipt_number", "收据编号", synonyms=("收据号", "票据编号"), parse=lambda v: parse_text(v, 40)),
        Column("org", "接收组织", synonyms=("接收单位", "受赠组织"), required=True, example="医院妇女委员会"),
        Column(
            "donor_public", "是否公示", synonyms=("公示",), parse=lambda v: clean_text(v), help="填“否”则公示为爱心人士"
        ),
        Column("note", "备注", parse=lambda v: parse_text(v, 200)),
    ]

    def prepare(self, ctx):
        orgs: dict[str, list] = {}
        for org in selectors.holding_orgs(ctx.user):
            orgs.setdefault(normalize_name(org.name), []).append(org)
        ctx.state["orgs"] = orgs
        items = {}
        for item in selectors.items_for(ctx.user):
            items[normalize_name(item.name)] = item
            items[item.code.lower()] = item
        ctx.state["items"] = items
        ctx.state["numbers"] = {}  # (org id, receipt number) -> row

    def clean_row(self, values, row_number, ctx):
        found = ctx.state["orgs"].get(normalize_name(values["org"]), [])
        if len(found) != 1:
            message = _("找不到组织“%(o)s”，或您不能管理它的物资") if not found else _("有多个组织名为“%(o)s”")
            raise RowInvalid({"org": message % {"o": values["org"]}})
        item = ctx.state["items"].get(normalize_name(values["item"])) or ctx.state["items"].get(values["item"].lower())
        if item is None:
            raise RowInvalid({"item": _("未知的物资“%(i)s”（见物资品类）") % {"i": values["item"]}})
        fields = {
            "org": found[0],
            "item": item,
            "quantity": values["quantity"],
            "value_yuan": values.get("value_yuan"),
            "received_on": values["received_on"],
            "kind": Receipt.Kind.DONATED,
            "donor_kind": values.get("donor_kind") or ("person" if values.get("donor_name") else ""),
            "donor_name": values.get("donor_name") or "",
            "donor_public": (values.get("donor_public") or "") not in ("否", "不公示", "no", "false", "0"),
            "receipt_number": values.get("receipt_number") or "",
            "note": values.get("note") or "",
        }
        number = fields["receipt_number"]
        if number:
            seen = ctx.state["numbers"].get((found[0].pk, number))
            if seen is not None:
                raise RowInvalid({"receipt_number": _("与第 %(r)s 行的收据编号重复") % {"r": seen}})
            ctx.state["numbers"][(found[0].pk, number)] = row_number
        try:
            services.build_receipt(ctx.user, fields, today=timezone.localdate())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise RowInvalid({k: "；".join(v) for k, v in exc.message_dict.items()}) from None
            raise
        return Planned(CREATE, fields)

    def commit(self, rows, ctx):
        for planned in rows:
            services.receipt_create(acting_user=ctx.user, **planned.data)
        return len(rows), 0
