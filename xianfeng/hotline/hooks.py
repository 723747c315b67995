"""How a call's ServiceRecord plugs into the service log: it is corrected or voided only through
the call (which keeps the call, its record and its escalation consistent), and the record's page
links back to the call with a bare label — "热线来电 #12", nothing of what was said: the link
itself is reached only by those who may read calls."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.servicelog import hooks as servicelog_hooks

GUARD_MESSAGE = gettext_lazy("这是热线来电生成的记录：请在来电页面修改或作废该来电，不能在服务记录中修改或作废")


def call_edit_refusal(record) -> str | None:
    from .models import Call

    if Call.objects.filter(record_id=record.pk).exists():
        return str(GUARD_MESSAGE)
    return None


def call_void_refusal(record) -> str | None:
    """Voided through the service log while its call still counts, the call would count with no
    record behind it: the call is voided instead (it voids its record)."""
    from .models import Call

    if Call.objects.filter(record_id=record.pk, voided_at__isnull=True).exists():
        return str(GUARD_MESSAGE)
    return None


def call_sources(records, user=None) -> dict:
    """{record id: ("热线来电 #12", url)} in one query."""
    from .models import Call

    ids = [r.pk for r in records]
    if not ids:
        return {}
    rows = Call.objects.filter(record_id__in=ids).values_list("record_id", "pk")
    return {
        record_id: (_("热线来电 #%(n)s") % {"n": pk}, reverse("hotline:call_detail", args=[pk]))
        for record_id, pk in rows
    }


def register() -> None:
    servicelog_hooks.register_edit_guard(call_edit_refusal)
    servicelog_hooks.register_void_guard(call_void_refusal)
    servicelog_hooks.register_source_reader(call_sources)
