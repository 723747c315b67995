"""Party dues by the national brackets (pure functions, no database).

The source is 《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号):

- 在职党员 pay a share of their monthly after-tax wage (工资总额扣除个人所得税后): 每月工资收入
  3000元以下（含3000元）者，交纳月工资收入的0.5%；3000元以上至5000元（含5000元）者，交纳1%；
  5000元以上至10000元（含10000元）者，交纳1.5%；10000元以上者，交纳2%.
- 离退休干部、职工党员: 每月以实际领取的离退休费总额为计算基数，5000元以下（含5000元）的按0.5%交纳，
  5000元以上的按1%交纳.
- 农民党员每月交纳党费0.2元至1元.
- 学生党员、下岗失业的党员、依靠抚恤或救济生活的党员、领取当地最低生活保障金的党员，每月交纳党费0.2元.
- 自愿多交党费不限 (a member may pay more, with a note saying so).

And 《中国共产党章程》第三十八条: 党员如果没有正当理由，连续六个月不参加党的组织生活，或不交纳党费，
或不做党所分配的工作，就被认为是自行脱党 — a member six consecutive months unpaid is flagged to the
branch, which must act.

Amounts are rounded to the fen (0.01 yuan, half up).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import DuesCategory

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
FARMER_MIN = Decimal("0.20")
FARMER_MAX = Decimal("1.00")
FIXED_LOW = Decimal("0.20")  # students, the laid-off and unemployed, 低保 recipients
ARREARS_FLAG_MONTHS = 6  # 党章第三十八条：连续六个月不交纳党费
MAX_BASE = Decimal("9999999.99")  # DuesRate.monthly_base: 9 digits, 2 decimals

# (upper bound inclusive or None, rate) per category with a base: "3000元以下（含3000元）".
IN_SERVICE_BRACKETS = (
    (Decimal("3000"), Decimal("0.005")),
    (Decimal("5000"), Decimal("0.01")),
    (Decimal("10000"), Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIRED_BRACKETS = ((Decimal("5000"), Decimal("0.005")), (None, Decimal("0.01")))
BASED = {DuesCategory.IN_SERVICE: IN_SERVICE_BRACKETS, DuesCategory.RETIRED: RETIRED_BRACKETS}


def money(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first days of every month from ``first`` to ``last`` inclusive."""
    months, month = [], month_start(first)
    last = month_start(last)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class Bracket:
    category: str
    rate: Decimal  # 0 for the fixed amounts
    lower: Decimal | None  # exclusive
    upper: Decimal | None  # inclusive
    label: str


def _yuan(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"


def _pct(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f")


def bracket(category: str, base) -> Bracket:
    """The bracket a category and monthly base fall into (the base matters only in service and retired)."""
    label_of = dict(DuesCategory.choices)
    name = str(label_of.get(category, category))
    if category in BASED:
        base = Decimal(base or 0)
        if base < 0:
            raise ValidationError({"monthly_base": _("交纳基数不能为负数")})
        lower = None
        word = _("月收入") if category == DuesCategory.IN_SERVICE else _("月离退休费")
        for upper, rate in BASED[category]:
            if upper is None or base <= upper:
                if upper is None:
                    text = _("%(c)s，%(w)s%(l)s元以上，按%(r)s%%") % {
                        "c": name,
                        "w": word,
                        "l": _yuan(lower),
                        "r": _pct(rate),
                    }
                elif lower is None:
                    text = _("%(c)s，%(w)s%(u)s元以下（含%(u)s元），按%(r)s%%") % {
                        "c": name,
                        "w": word,
                        "u": _yuan(upper),
                        "r": _pct(rate),
                    }
                else:
                    text = _("%(c)s，%(w)s%(l)s元以上至%(u)s元（含%(u)s元），按%(r)s%%") % {
                        "c": name,
                        "w": word,
                        "l": _yuan(lower),
                        "u": _yuan(upper),
                        "r": _pct(rate),
                    }
                return Bracket(category, rate, lower, upper, text)
            lower = upper
    if category == DuesCategory.FARMER:
        return Bracket(category, ZERO, None, None, _("农民党员，每月0.2元至1元"))
    if category in (DuesCategory.STUDENT, DuesCategory.UNEMPLOYED):
        return Bracket(category, ZERO, None, None, _("%(c)s党员，每月0.2元") % {"c": name})
    raise ValidationError({"category": _("未知的交纳类别")})


def expected_amount(category: str, base) -> Decimal:
    """The monthly amount the brackets ask (a farmer's lowest amount, 0.20: any amount up to 1.00 is right)."""
    b = bracket(category, base)
    if category in BASED:
        return money(Decimal(base or 0) * b.rate)
    return FARMER_MIN if category == DuesCategory.FARMER else FIXED_LOW


def rate_of(category: str, base) -> Decimal:
    return bracket(category, base).rate


def parse_money(value, field: str = "amount") -> Decimal:
    """A yuan amount from a form, a cell or JSON: at most two decimals, finite, not absurd."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("请填写金额（元），最多两位小数")}) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValidationError({field: _("请填写金额（元），最多两位小数")})
    if abs(amount) > MAX_BASE:
        raise ValidationError({field: _("金额过大")})
    return amount


def check_amount(category: str, base, amount, note: str = "") -> list[str]:
    """Check a monthly amount against the bracket. Raises ValidationError on ``amount`` when it is
    below the bracket (naming the bracket and the expected amount), above it without a note
    (自愿多交 needs one), or, for a farmer, outside 0.2–1.0 yuan. Returns notices (an amount
    above the bracket with a note)."""
    amount = money(amount)
    b = bracket(category, base)
    if category == DuesCategory.FARMER:
        if not FARMER_MIN <= amount <= FARMER_MAX:
            raise ValidationError(
                {
                    "amount": _("按规定（%(b)s），农民党员每月交纳0.2元至1元，¥%(a)s 不在此范围")
                    % {"b": b.label, "a": amount}
                }
            )
        return []
    expected = expected_amount(category, base)
    if amount < expected:
        raise ValidationError(
            {
                "amount": _("按规定（%(b)s）每月应交 ¥%(e)s，¥%(a)s 低于标准")
                % {"b": b.label, "e": expected, "a": amount}
            }
        )
    if amount > expected:
        if not (note or "").strip():
            raise ValidationError(
                {
                    "amount": _("按规定（%(b)s）每月应交 ¥%(e)s；多交 ¥%(a)s 须在说明中注明（如：自愿多交）")
                    % {"b": b.label, "e": expected, "a": amount}
                }
            )
        return [_("自愿多交：标准 ¥%(e)s，实交 ¥%(a)s") % {"e": expected, "a": amount}]
    return []


@dataclass
class MonthDue:
    month: datetime.date
    due: Decimal
    paid: Decimal | None  # None: unpaid

    @property
    def is_paid(self) -> bool:
        return self.paid is not None


@dataclass
class Arrears:
    months: list[MonthDue] = field(default_factory=list)
    due: Decimal = ZERO
    paid: Decimal = ZERO
    owed: Decimal = ZERO
    unpaid_months: int = 0
    longest_run: int = 0  # the longest run of consecutive unpaid months
    current_run: int = 0  # consecutive unpaid months ending with the last month counted

    @property
    def flagged(self) -> bool:
        """党章第三十八条: six consecutive months without dues; the branch must act."""
        return self.longest_run >= ARREARS_FLAG_MONTHS


def rate_for(rates, month: datetime.date):
    """The rate in effect in ``month``: the latest with start_month ≤ month (None before the first)."""
    best = None
    for rate in rates:
        if rate.start_month <= month and (best is None or rate.start_month > best.start_month):
            best = rate
    return best


def arrears(rates, payments, through_month: datetime.date) -> Arrears:
    """Months due from the first rate's month to ``through_month``: each month's due (the rate then
    in effect), what was paid, what is owed, and the runs of consecutive unpaid months.

    ``rates``: objects with ``start_month`` and ``amount``; ``payments``: objects with ``month``
    and ``amount`` (live payments only; voided ones are the caller's to leave out)."""
    rates = list(rates)
    result = Arrears()
    if not rates:
        return result
    first = min(r.start_month for r in rates)
    paid: dict[datetime.date, Decimal] = {}
    for p in payments:
        paid[month_start(p.month)] = paid.get(month_start(p.month), ZERO) + p.amount
    run = 0
    for month in months_between(first, through_month):
        due = rate_for(rates, month).amount
        got = paid.get(month)
        result.months.append(MonthDue(month, due, got))
        result.due += due
        if got is None:
            run += 1
            result.unpaid_months += 1
            result.owed += due
            result.longest_run = max(result.longest_run, run)
        else:
            result.paid += got
            run = 0
    result.current_run = run
    return result
