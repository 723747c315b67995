"""Forms of party dues and party-building funds. Choices come from the selectors (scoped)."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.core.forms import BootstrapFormMixin, DateInput

from . import dues
from .models import DuesCategory, DuesPayment, ExpenseCategory

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
MONEY = {"max_digits": 12, "decimal_places": 2}


def parse_month(value: str) -> datetime.date | None:
    """'2026-03' → 2026-03-01; None when absent or malformed (or absurd)."""
    match = MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise ValidationError(_("请按“年-月”填写月份，如 2026-03"))
        return month


class DuesRateForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("交纳类别"), choices=DuesCategory.choices)
    monthly_base = forms.DecimalField(
        label=_("交纳基数（元/月）"),
        required=False,
        min_value=0,
        max_value=dues.MAX_BASE,
        max_digits=9,
        decimal_places=2,
        help_text=_("在职：税后月工资；离退休：月离退休费。农民、学生、下岗失业/低保党员不填"),
    )
    amount = forms.DecimalField(
        label=_("月交纳额（元）"),
        required=False,
        min_value=0,
        max_value=dues.MAX_BASE,
        max_digits=8,
        decimal_places=2,
        help_text=_("不填按标准计算；多交须在说明中注明"),
    )
    start_month = MonthField(label=_("起始月份"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class DuesPaymentForm(BootstrapFormMixin, forms.Form):
    from_month = MonthField(label=_("从"))
    to_month = MonthField(label=_("至"), required=False, help_text=_("交纳一个月不填"))
    amount = forms.DecimalField(
        label=_("每月金额（元）"),
        required=False,
        min_value=0,
        max_value=dues.MAX_BASE,
        max_digits=8,
        decimal_places=2,
        help_text=_("不填按每月标准"),
    )
    paid_on = forms.DateField(label=_("交纳日期"), widget=DateInput())
    method = forms.ChoiceField(label=_("方式"), choices=DuesPayment.Method.choices, initial=DuesPayment.Method.TRANSFER)
    receipt_no = forms.CharField(label=_("收据号"), required=False, max_length=40)
    note = forms.CharField(label=_("说明"), required=False, max_length=200, help_text=_("如：自愿多交"))

    def months(self) -> list[datetime.date]:
        first = self.cleaned_data["from_month"]
        last = self.cleaned_data.get("to_month") or first
        if last < first:
            first, last = last, first
        return dues.months_between(first, last)

    def clean(self):
        data = super().clean()
        first, last = data.get("from_month"), data.get("to_month")
        if first and last and abs((last.year - first.year) * 12 + last.month - first.month) >= 36:
            self.add_error("to_month", _("一次最多交纳 36 个月"))
        return data


class DuesBulkForm(BootstrapFormMixin, forms.Form):
    paid_on = forms.DateField(label=_("交纳日期"), widget=DateInput())
    method = forms.ChoiceField(label=_("方式"), choices=DuesPayment.Method.choices, initial=DuesPayment.Method.PAYROLL)
    member_ids = forms.CharField(widget=forms.HiddenInput)

    def clean_member_ids(self):
        raw = self.cleaned_data["member_ids"]
        parts = [p for p in raw.split(",") if p]
        if not parts or not all(p.isdigit() and len(p) < 12 for p in parts):
            raise ValidationError(_("名单无效，请重新打开"))
        return [int(p) for p in parts]


class VoidForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)


class FundBudgetForm(BootstrapFormMixin, forms.Form):
    org = forms.ModelChoiceField(label=_("组织"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("预算（元）"), min_value=0, max_value=9999999999, **MONEY)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class FundExpenseForm(BootstrapFormMixin, forms.Form):
    org = forms.ModelChoiceField(label=_("组织"), queryset=None)
    spent_on = forms.DateField(label=_("支出日期"), widget=DateInput())
    category = forms.ChoiceField(label=_("类别"), choices=ExpenseCategory.choices)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0.01, max_value=9999999999, **MONEY)
    description = forms.CharField(label=_("用途"), max_length=200)
    receipt_no = forms.CharField(label=_("票据号"), required=False, max_length=40)
    receipt = forms.FileField(label=_("票据扫描件"), required=False, help_text=_("PDF 或图片，10 MB 以内，加密保存"))
    confirm_over_budget = forms.BooleanField(label=_("我已知晓超出预算，确认登记"), required=False)

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        if not self.is_bound:
            self.initial.setdefault("spent_on", timezone.localdate())
