"""Pages of the offline devices (issue 14 §4): the list with each device's last contact, a device's
page with what it delivered and what was refused, and the revocation (a confirmation with a
required reason; the access log records it in services.device_revoke).

An administrator sees every device, 党办 those of its subtree's users, everyone else only their
own (roles.OWN_ONLY): a device out of reach is 404 like any other row."""

import re

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, VIEW, can, get_scoped_or_404, scoped
from xianfeng.core.forms import BootstrapFormMixin, call_service

from . import selectors, services
from .models import Device

ENTRIES_PER_PAGE = 50
REFUSALS_SHOWN = 50
STATE_LABELS = {
    "active": gettext_lazy("正常"),
    "revoked": gettext_lazy("已撤销"),
    "lapsed": gettext_lazy("超期未联系"),
    "user_inactive": gettext_lazy("账号已停用"),
}
KIND_LABELS = {
    "record": gettext_lazy("服务记录"),
    "attendance": gettext_lazy("活动签到"),
    "visit": gettext_lazy("随访"),
    "call": gettext_lazy("热线来电"),
    "need": gettext_lazy("民情诉求"),
}
_BROWSERS = (("Edg", "Edge"), ("MicroMessenger", "微信"), ("Firefox", "Firefox"), ("Chrome", "Chrome"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS", "Mac"))


def browser_name(user_agent: str) -> str:
    """ "Chrome · Android" from a User-Agent header (what the list shows when a device has no name)."""
    ua = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in ua), "")
    if not browser and re.search(r"Version/[\d.]+.*Safari", ua):
        browser = "Safari"
    system = next((name for token, name in _SYSTEMS if token in ua), "")
    return " · ".join(p for p in (browser, system) if p)


class DeviceFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=selectors.SEARCH_MAX, required=False)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), *((code, STATE_LABELS[code]) for code in selectors.STATES)],
    )


class RevokeForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=200,
        help_text=_("如：手机丢失、人员离岗。撤销后该设备下次联网时清除本机离线数据，且不能恢复。"),
    )


def skew_text(seconds: int) -> str:
    """The phone's clock against the server's, as people say it: skew = server − phone, so a
    positive skew is a phone that is slow. Under a minute is no difference worth showing."""
    size = abs(seconds)
    if size < 60:
        return ""
    if size >= 86400 - 3600:
        amount = _("%(n)d 天") % {"n": round(size / 86400)}
    elif size >= 3600:
        amount = _("%(n)d 小时") % {"n": round(size / 3600)}
    else:
        amount = _("%(n)d 分钟") % {"n": round(size / 60)}
    return (_("手机慢 %(a)s") if seconds > 0 else _("手机快 %(a)s")) % {"a": amount}


def _rows(devices, now):
    """Each device with how it stands (state, days since the last contact)."""
    return [(d, selectors.standing(d, now), browser_name(d.user_agent)) for d in devices]


class DeviceListView(ScopedListView):
    model = Device

    def get(self, request):
        form = DeviceFilterForm(request.GET or None)
        query, state = "", ""
        if form.is_valid():
            query, state = form.cleaned_data["q"], form.cleaned_data["state"]
        devices = selectors.device_list(user=request.user, query=query, state=state)
        page = self.paginate(devices)
        context = {
            "form": form,
            "page": page,
            "rows": _rows(page, timezone.now()),
            "states": STATE_LABELS,
            "stale_days": selectors.STALE_DAYS,
        }
        return render(request, "devices/device_list.html", context)


class DeviceObjectMixin:
    model = Device

    def get_object(self):
        devices = scoped(self.request.user, Device).select_related("user__org", "revoked_by")
        return get_scoped_or_404(self.request.user, devices, self.action, pk=self.kwargs["pk"])


class DeviceDetailView(DeviceObjectMixin, ScopedObjectView):
    def get(self, request, pk):
        device = self.get_object()
        user = request.user
        standing = selectors.standing(device)
        entries = Paginator(selectors.device_entries(user=user, device=device), ENTRIES_PER_PAGE).get_page(
            request.GET.get("page")
        )
        links = selectors.record_links(user=user, entries=entries)
        shown_refusals = selectors.may_read_refusals(user)
        context = {
            "device": device,
            "standing": standing,
            "state_label": STATE_LABELS[standing.code],
            "browser": browser_name(device.user_agent),
            "page": entries,
            "entries": [
                (
                    e,
                    KIND_LABELS.get(e.kind, e.kind),
                    skew_text(e.clock_skew_seconds),
                    [(label, pk, links.get((label, pk))) for label, pk in selectors.made_items(e)],
                )
                for e in entries
            ],
            "refusals": list(selectors.device_refusals(user=user, device=device)[:REFUSALS_SHOWN])
            if shown_refusals
            else None,
            "refusal_count": selectors.device_refusal_count(device),
            "can_revoke": device.state == Device.State.ACTIVE
            and scoped(user, Device, CHANGE).filter(pk=device.pk).exists(),
            "own_device": device.user_id == user.pk,
            "can_list": can(user, VIEW, Device),
        }
        return render(request, "devices/device_detail.html", context)


class DeviceRevokeView(DeviceObjectMixin, ScopedObjectView):
    """GET: the confirmation with a required reason; POST: revoke (the device wipes on its next
    contact; the access log records who revoked it and why)."""

    action = CHANGE

    def _render(self, request, device, form, status=200):
        context = {"device": device, "form": form, "browser": browser_name(device.user_agent)}
        return render(request, "devices/device_revoke.html", context, status=status)

    def get(self, request, pk):
        return self._render(request, self.get_object(), RevokeForm())

    def post(self, request, pk):
        device = self.get_object()
        form = RevokeForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services.device_revoke,
                acting_user=request.user,
                device=device,
                reason=form.cleaned_data["reason"],
            )
            if not form.errors:
                messages.success(request, _("设备已撤销：该设备下次联网时将清除本机离线数据"))
                return redirect("devices:detail", pk=device.pk)
        return self._render(request, device, form, status=400)
