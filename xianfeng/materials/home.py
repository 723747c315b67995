"""工作台 panel 「物资库存」 for those who keep stock (materials.change): what their organizations
hold (the largest stocks first) and what has run out or is running low. One query for the stock
rows (bounded), read through ``scoped()``; None for everyone else."""

from django.urls import reverse

from xianfeng.accounts.scoping import CHANGE, can, scoped

from .models import Stock
from .selectors import LOW_STOCK

TOP = 5
MAX_ROWS = 200  # a panel, not a report: the largest and the emptiest of at most this many rows


def stock_panel(request) -> dict | None:
    user = request.user
    if not can(user, CHANGE, Stock):
        return None
    rows = list(
        scoped(user, Stock, CHANGE)
        .filter(item__active=True)
        .select_related("org", "item")
        .order_by("-quantity", "org__path", "item__sort_order")[:MAX_ROWS]
    )
    top = [s for s in rows if s.quantity > 0][:TOP]
    empty = [s for s in rows if s.quantity == 0]
    low = [s for s in rows if 0 < s.quantity < LOW_STOCK and not s.item.is_money]
    return {
        "top": top,
        "low": (empty + low)[:TOP],
        "low_count": len(empty) + len(low),
        "index_url": reverse("materials:index"),
        "receipt_url": reverse("materials:receipt_new"),
        "distribution_url": reverse("materials:distribution_new"),
    }


def register() -> None:
    from xianfeng.core.home import register_panel

    register_panel("materials", order=25, template="materials/_home_panel.html", context=stock_panel)
