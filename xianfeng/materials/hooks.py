"""How a distribution's ServiceRecord plugs into the service log: it is voided only through the
distribution (which gives the stock back), and the record's page links back to it."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.servicelog import hooks as servicelog_hooks

GUARD_MESSAGE = gettext_lazy(
    "这是物资发放生成的记录：请在发放页面作废该发放（库存随之退回），不能在服务记录中修改或作废"
)


def distribution_edit_refusal(record) -> str | None:
    from .models import Distribution

    if Distribution.objects.filter(record_id=record.pk).exists():
        return str(GUARD_MESSAGE)
    return None


def distribution_void_refusal(record) -> str | None:
    """Voided through the service log while its distribution still counts, the stock would be
    short: the distribution is voided instead (it voids the record and gives the stock back)."""
    from .models import Distribution

    if Distribution.objects.filter(record_id=record.pk, voided_at__isnull=True).exists():
        return str(GUARD_MESSAGE)
    return None


def distribution_sources(records, user=None) -> dict:
    """{record id: ("物资发放 #3：口罩 3000件", url)} in one query."""
    from .models import Distribution
    from .stock import amount

    ids = [r.pk for r in records]
    if not ids:
        return {}
    rows = Distribution.objects.filter(record_id__in=ids).select_related("item")
    return {
        d.record_id: (
            _("物资发放 #%(n)s：%(i)s %(q)s") % {"n": d.pk, "i": d.item.name, "q": amount(d.quantity, d.item)},
            reverse("materials:distribution_detail", args=[d.pk]),
        )
        for d in rows
    }


def register() -> None:
    servicelog_hooks.register_edit_guard(distribution_edit_refusal)
    servicelog_hooks.register_void_guard(distribution_void_refusal)
    servicelog_hooks.register_source_reader(distribution_sources)
