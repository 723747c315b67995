"""捐赠公示 (/materials/ledger/) and its workbook: aggregates only, no recipient's personal data,
so the workbook is not an export of personal data (nothing to log in AccessLog)."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.core.exports import ExportColumn, xlsx_bytes, xlsx_response

from .forms import LedgerFilterForm
from .ledger import ledger
from .models import Receipt


def ledger_from(request):
    # ?from=&to= as the brief's URLs name them; the form's own names work too.
    data = request.GET.copy()
    for short, name in (("from", "date_from"), ("to", "date_to")):
        if data.get(short) and not data.get(name):
            data[name] = data[short]
    form = LedgerFilterForm(data or None, user=request.user)
    filters = form.filters()
    result = ledger(
        request.user, date_from=filters.get("date_from"), date_to=filters.get("date_to"), org=filters.get("org")
    )
    return form, result


class LedgerView(ScopedListView):
    model = Receipt

    def get(self, request):
        form, result = ledger_from(request)
        return render(
            request, "materials/ledger.html", {"form": form, "ledger": result, "query": request.GET.urlencode()}
        )


class LedgerXlsxView(ScopedListView):
    """The same aggregates as the page, in one sheet: 接收 rows then 去向 rows."""

    model = Receipt

    def get(self, request):
        _form, result = ledger_from(request)
        rows = [(_("接收"), r) for r in result.received] + [(_("去向"), r) for r in result.given]
        columns = [
            ExportColumn(_("部分"), lambda t: t[0]),
            ExportColumn(_("捐赠方 / 去向"), lambda t: t[1].label),
            ExportColumn(_("类别"), lambda t: t[1].kind),
            ExportColumn(_("物资"), lambda t: t[1].item),
            ExportColumn(_("数量"), lambda t: t[1].quantity),
            ExportColumn(_("单位"), lambda t: t[1].unit),
            ExportColumn(_("折合金额（元）"), lambda t: t[1].value_yuan),
            ExportColumn(_("受益对象数"), lambda t: t[1].recipients),
        ]
        content, _count = xlsx_bytes(rows, columns, reveal=False, sheet_title=_("捐赠公示"))
        return xlsx_response(content, f"捐赠公示-{timezone.localdate():%Y%m%d}.xlsx")
