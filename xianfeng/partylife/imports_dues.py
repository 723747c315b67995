"""Past dues ledgers through the imports framework (issue 13 §7): "党费交纳记录" (one row a member's
month) and "党费基数" (a member's category, base and amount from a month). All or nothing with
row errors: an unknown member, not a party member, a month already paid (on file or earlier in
the file), an amount contradicting the month's due or the national brackets.

Members are named by volunteer number, or by name and branch (a name alone when it is unique
within the user's dues scope)."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoping import CHANGE, VIEW, scoped
from xianfeng.audit.models import ChangeLog
from xianfeng.audit.services import changelog_write_many
from xianfeng.core.text import normalize_name
from xianfeng.imports.parsers import CellError, parse_choice, parse_date
from xianfeng.imports.spec import Column, ImportSpec, RowInvalid, register
from xianfeng.members.models import Member
from xianfeng.servicelog.importing import recheck_scope, text_parser

from . import dues
from .models import DuesCategory, DuesPayment, DuesRate
from .selectors_dues import dues_branches
from .services_dues import PARTY_STAGES, payment_snapshot, rate_snapshot

_MONTH = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?\s*$")


def parse_month(value) -> datetime.date | None:
    """2026-03, 2026.3, 2026年3月, or any date in the month."""
    if value in (None, ""):
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return dues.month_start(value if isinstance(value, datetime.date) else value.date())
    match = _MONTH.match(str(value))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return datetime.date(year, month, 1)
        raise CellError(_("“%(v)s”不是有效月份") % {"v": value})
    day = parse_date(value)
    return dues.month_start(day) if day else None


def parse_amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("元", "").replace("¥", ""))
    except InvalidOperation:
        raise CellError(_("“%(v)s”不是金额") % {"v": value}) from None
    if not amount.is_finite() or abs(amount) > dues.MAX_BASE:
        raise CellError(_("“%(v)s”不是有效金额") % {"v": value})
    return dues.money(amount)


def parse_method(value) -> str:
    if value in (None, ""):
        return DuesPayment.Method.TRANSFER
    text = str(value).strip()
    for word, code in (
        ("代扣", "payroll"),
        ("工资", "payroll"),
        ("现金", "cash"),
        ("线上", "online"),
        ("微信", "online"),
        ("支付宝", "online"),
        ("转账", "transfer"),
        ("银行", "transfer"),
    ):
        if word in text:
            return code
    return parse_choice(text, DuesPayment.Method.choices)


def parse_category(value) -> str:
    text = str(value or "").strip()
    for word, code in (
        ("在职", "in_service"),
        ("退休", "retired"),
        ("农民", "farmer"),
        ("学生", "student"),
        ("下岗", "unemployed"),
        ("失业", "unemployed"),
        ("低保", "unemployed"),
        ("救济", "unemployed"),
    ):
        if word in text:
            return code
    return parse_choice(text, DuesCategory.choices)


MEMBER_COLUMNS = [
    Column("name", "姓名", synonyms=("党员姓名", "党员"), parse=text_parser(50), example="王芳"),
    Column("branch", "所属支部", synonyms=("支部", "党支部"), parse=text_parser(100), example="内科党支部"),
    Column("volunteer_no", "志愿者编号", synonyms=("编号",), parse=text_parser(20)),
]


class _Members:
    """Party members the user keeps dues for: by volunteer number, by (name, branch), by name."""

    def __init__(self, user):
        branches = dues_branches(user, CHANGE)
        self.by_no, self.by_name_branch, self.by_name = {}, {}, {}
        rows = scoped(user, Member, VIEW).filter(branch__in=branches).select_related("branch")
        for m in rows.only("pk", "name", "name_norm", "volunteer_no", "party_stage", "branch__name", "branch__path"):
            if m.volunteer_no:
                self.by_no[m.volunteer_no.upper()] = m
            self.by_name_branch.setdefault((m.name_norm, normalize_name(m.branch.name)), []).append(m)
            self.by_name.setdefault(m.name_norm, []).append(m)

    def find(self, values) -> Member:
        no = (values.get("volunteer_no") or "").upper()
        if no:
            member = self.by_no.get(no)
            if member is None:
                raise RowInvalid({"volunteer_no": _("未找到志愿者编号 %(n)s（或不在您的党费管理范围内）") % {"n": no}})
        else:
            name = values.get("name") or ""
            if not name:
                raise RowInvalid({"name": _("请填写姓名或志愿者编号")})
            branch = values.get("branch") or ""
            found = (
                self.by_name_branch.get((normalize_name(name), normalize_name(branch)), [])
                if branch
                else self.by_name.get(normalize_name(name), [])
            )
            if not found:
                raise RowInvalid({"name": _("未找到党员“%(n)s”（或不在您的党费管理范围内）") % {"n": name}})
            if len(found) > 1:
                raise RowInvalid(
                    {"name": _("有 %(c)s 名党员叫“%(n)s”，请填所属支部或志愿者编号") % {"c": len(found), "n": name}}
                )
            member = found[0]
        if member.party_stage not in PARTY_STAGES:
            raise RowInvalid(
                {
                    "name": _("%(n)s 不是党员（%(s)s），无须交纳党费")
                    % {"n": member.name, "s": member.get_party_stage_display()}
                }
            )
        return member


@register
class DuesPaymentImport(ImportSpec):
    key = "partylife_dues_payments"
    label = gettext_lazy("党费交纳记录")
    description = gettext_lazy(
        "导入以往的党费交纳记录，每行一名党员一个月。党员按志愿者编号识别，无编号时按姓名和所属支部识别。"
        "金额须等于该月的党费标准（请先设置或导入“党费基数”），多交须在说明中注明；已交纳的月份不能重复导入。"
        "有一行出错则整个文件不导入。"
    )
    model = DuesPayment
    columns = [
        *MEMBER_COLUMNS,
        Column("month", "所属月份", synonyms=("月份", "交纳月份"), required=True, parse=parse_month, example="2026-03"),
        Column(
            "amount",
            "金额",
            synonyms=("交纳金额", "金额（元）", "实交"),
            required=True,
            parse=parse_amount,
            example="30.00",
        ),
        Column("paid_on", "交纳日期", synonyms=("日期",), required=True, parse=parse_date, example="2026-03-10"),
        Column("method", "方式", synonyms=("交纳方式",), parse=parse_method, example="转账"),
        Column("receipt_no", "收据号", synonyms=("票据号",), parse=text_parser(40)),
        Column("note", "说明", synonyms=("备注",), parse=text_parser(200)),
    ]

    def prepare(self, ctx):
        ctx.state["members"] = _Members(ctx.user)
        ctx.state["rates"] = {}
        ctx.state["paid"] = set()
        ctx.state["seen"] = {}
        ctx.state["today"] = timezone.localdate()

    def _member_state(self, ctx, member):
        rates = ctx.state["rates"]
        if member.pk not in rates:
            rates[member.pk] = list(scoped(ctx.user, DuesRate).filter(member=member))
            ctx.state["paid"] |= {
                (member.pk, m)
                for m in scoped(ctx.user, DuesPayment)
                .filter(member=member, voided_at__isnull=True)
                .values_list("month", flat=True)
            }
        return rates[member.pk]

    def clean_row(self, values, row_number, ctx):
        member = ctx.state["members"].find(values)
        month, amount, paid_on = values["month"], values["amount"], values["paid_on"]
        errors = {}
        if paid_on > ctx.state["today"]:
            errors["paid_on"] = _("交纳日期不能晚于今天")
        rate = dues.rate_for(self._member_state(ctx, member), month)
        if rate is None:
            errors["month"] = _("%(n)s %(m)s 没有党费标准，请先设置或导入“党费基数”") % {
                "n": member.name,
                "m": f"{month:%Y-%m}",
            }
        elif amount < rate.amount:
            errors["amount"] = _("%(m)s 应交 ¥%(e)s，¥%(a)s 低于标准") % {
                "m": f"{month:%Y-%m}",
                "e": rate.amount,
                "a": amount,
            }
        elif amount > rate.amount and not values.get("note"):
            errors["amount"] = _("%(m)s 应交 ¥%(e)s；多交 ¥%(a)s 须在说明中注明") % {
                "m": f"{month:%Y-%m}",
                "e": rate.amount,
                "a": amount,
            }
        key = (member.pk, month)
        if key in ctx.state["paid"]:
            errors["month"] = _("%(n)s %(m)s 已交纳，不能重复导入") % {"n": member.name, "m": f"{month:%Y-%m}"}
        elif key in ctx.state["seen"]:
            errors["month"] = _("与第 %(r)s 行重复（同一党员同一月份）") % {"r": ctx.state["seen"][key]}
        if errors:
            raise RowInvalid(errors)
        ctx.state["seen"][key] = row_number
        return DuesPayment(
            member=member,
            month=month,
            amount=amount,
            paid_on=paid_on,
            method=values.get("method") or DuesPayment.Method.TRANSFER,
            receipt_no=values.get("receipt_no") or "",
            created_by=ctx.user,
        )

    def commit(self, rows, ctx):
        payments = [planned.data for planned in rows]
        DuesPayment.objects.bulk_create(payments, batch_size=1000)
        recheck_scope(ctx.user, DuesPayment, [p.pk for p in payments], _("有党员不在您的党费管理范围内"))
        changelog_write_many(
            actor=ctx.user, action=ChangeLog.Action.IMPORT, objs=payments, after_of=payment_snapshot, note=_("批量导入")
        )
        return len(payments), 0


@register
class DuesRateImport(ImportSpec):
    key = "partylife_dues_rates"
    label = gettext_lazy("党费基数")
    description = gettext_lazy(
        "导入党员的党费交纳标准：交纳类别（在职、离退休、农民、学生、下岗失业/低保）、交纳基数（税后月工资或月离退休费）、"
        "月交纳额（不填按标准计算；低于标准的行报错，多交须注明）和起始月份。同一党员同一起始月份已有标准的行报错。"
    )
    model = DuesRate
    columns = [
        *MEMBER_COLUMNS,
        Column("category", "交纳类别", synonyms=("类别",), required=True, parse=parse_category, example="在职"),
        Column(
            "monthly_base", "交纳基数", synonyms=("基数", "月收入", "税后月工资"), parse=parse_amount, example="4800"
        ),
        Column("amount", "月交纳额", synonyms=("金额", "每月党费"), parse=parse_amount, example="48.00"),
        Column(
            "start_month", "起始月份", synonyms=("起始", "月份"), required=True, parse=parse_month, example="2026-01"
        ),
        Column("note", "说明", synonyms=("备注",), parse=text_parser(200)),
    ]

    def prepare(self, ctx):
        ctx.state["members"] = _Members(ctx.user)
        ctx.state["seen"] = {}

    def clean_row(self, values, row_number, ctx):
        member = ctx.state["members"].find(values)
        category, start = values["category"], values["start_month"]
        base = values.get("monthly_base") or Decimal("0")
        if category not in dues.BASED:
            base = Decimal("0")
        elif base <= 0:
            raise RowInvalid({"monthly_base": _("在职、离退休党员须填写交纳基数")})
        amount = values.get("amount")
        amount = dues.expected_amount(category, base) if amount is None else amount
        try:
            dues.check_amount(category, base, amount, values.get("note") or "")
        except ValidationError as exc:
            raise RowInvalid({"amount": "；".join(exc.messages)}) from None
        key = (member.pk, start)
        if key in ctx.state["seen"]:
            raise RowInvalid(
                {"start_month": _("与第 %(r)s 行重复（同一党员同一起始月份）") % {"r": ctx.state["seen"][key]}}
            )
        if scoped(ctx.user, DuesRate).filter(member=member, start_month=start).exists():
            raise RowInvalid(
                {
                    "start_month": _("%(n)s %(m)s 起已有党费标准（请在页面上修改）")
                    % {"n": member.name, "m": f"{start:%Y-%m}"}
                }
            )
        ctx.state["seen"][key] = row_number
        return DuesRate(
            member=member,
            start_month=start,
            category=category,
            monthly_base=base,
            rate=dues.rate_of(category, base),
            amount=amount,
            note=values.get("note") or "",
        )

    def commit(self, rows, ctx):
        rates = [planned.data for planned in rows]
        DuesRate.objects.bulk_create(rates, batch_size=1000)
        recheck_scope(ctx.user, DuesRate, [r.pk for r in rates], _("有党员不在您的党费管理范围内"))
        changelog_write_many(
            actor=ctx.user, action=ChangeLog.Action.IMPORT, objs=rates, after_of=rate_snapshot, note=_("批量导入")
        )
        return len(rates), 0
