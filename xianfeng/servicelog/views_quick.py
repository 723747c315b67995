"""Quick entry on a phone (issue 9): find the resident, tap the type, save.

One page in three steps, all in the URL so it works as a plain form without JavaScript:
``/servicelog/quick/?q=wjg`` lists residents, ``?resident=<id>`` (or ``?resident=none``) shows
the types as big buttons with the defaults (today, me, my team, the type's hours, 1), and the
POST saves through ``services.record_create`` with the idempotency key made when the form was
shown, then comes back with ``&saved=<id>``: a banner, 再记一条, 换一位居民 and 撤销.
The search box asks the same page through htmx as the user types.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import CHANGE, scoped
from xianfeng.core.forms import call_service
from xianfeng.residents import selectors as resident_selectors
from xianfeng.residents.models import Resident

from . import selectors, services
from .forms_records import QuickForm
from .models import Category, ServiceRecord, Subject
from .views_records import entry_defaults

NO_SUBJECT = "none"


def resident_label(resident) -> str:
    """Name, village and birth year: what a volunteer needs to tell two namesakes apart."""
    parts = [resident.name, resident.village.name]
    if resident.birth_date:
        parts.append(_("%(year)s年生") % {"year": resident.birth_date.year})
    return " · ".join(parts)


def _resident(user, value: str):
    if not value.isdigit() or len(value) > 12:
        return None
    return scoped(user, Resident).filter(pk=int(value), merged_into__isnull=True).select_related("village").first()


def type_buttons(user, types, *, no_subject: bool):
    """(recent types, [(category label, types)]) offered for this subject."""
    if no_subject:
        types = [t for t in types if t.subject == Subject.NONE]
    by_pk = {t.pk: t for t in types}
    recent = [by_pk[pk] for pk in selectors.recent_type_ids(user) if pk in by_pk]
    taken = {t.pk for t in recent}
    groups = []
    for value, label in Category.choices:
        rest = [t for t in types if t.category == value and t.pk not in taken]
        if rest:
            groups.append((label, rest))
    return recent, groups


class QuickEntryView(ScopedListView):
    model = ServiceRecord
    action = CHANGE

    def _step_url(self, subject: str, **extra) -> str:
        return reverse("servicelog:quick") + "?" + urlencode({"resident": subject, **extra})

    def _form(self, data=None):
        user = self.request.user
        if data is not None:  # a posted form: the defaults were in the page that posted it
            return QuickForm(data, user=user)
        initial = {"served_on": timezone.localdate(), "quantity": 1, **entry_defaults(user)}
        return QuickForm(data, user=user, initial=initial)

    def _context(self, form, subject: str, resident) -> dict:
        user = self.request.user
        no_subject = subject == NO_SUBJECT
        recent, groups = type_buttons(user, form.types, no_subject=no_subject)
        chosen = str(form["team"].value() or "")
        team = form.fields["team"].queryset.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        return {
            "form": form,
            "served_today": str(form["served_on"].value()) == timezone.localdate().isoformat(),
            "resident": resident,
            "resident_label": resident_label(resident) if resident is not None else "",
            "no_subject": no_subject,
            "subject": subject,
            "recent": recent,
            "groups": groups,
            "own": selectors.own_member(user),
            "team": team,
            "defaults_open": bool(set(form.errors) & set(QuickForm.main_fields)) or selectors.own_member(user) is None,
            "result_types": set(form.result_fields),
        }

    def get(self, request):
        subject = request.GET.get("resident", "")
        query = request.GET.get("q", "").strip()[:50]
        context = {"query": query, "saved": self._saved(request)}
        if subject == NO_SUBJECT or subject:
            resident = None if subject == NO_SUBJECT else _resident(request.user, subject)
            if resident is None and subject != NO_SUBJECT:
                messages.error(request, _("未找到该居民（或不在您的权限范围内），请重新查找"))
                return redirect("servicelog:quick")
            form = self._form()
            if resident is not None:
                form.initial["resident"] = resident.pk
            context.update(self._context(form, subject, resident))
            return render(request, "servicelog/quick.html", context)
        found = resident_selectors.resident_autocomplete(user=request.user, query=query) if query else []
        context["results"] = [(r, resident_label(r)) for r in found]
        template = "servicelog/quick_results.html" if request.htmx else "servicelog/quick.html"
        return render(request, template, context)

    def _saved(self, request):
        pk = request.GET.get("saved", "")
        if not pk.isdigit() or len(pk) > 12:
            return None
        return (
            selectors.record_list(user=request.user, include_voided=True)
            .filter(pk=int(pk), created_by=request.user)
            .prefetch_related("providers__member")
            .first()
        )

    def post(self, request):
        subject = request.POST.get("resident", "") or NO_SUBJECT
        form = self._form(request.POST)
        if form.is_valid():
            saved = call_service(
                form,
                services.record_create,
                on_denied=("team", _("登记后该记录将超出您的权限范围，请检查队伍和服务人员")),
                acting_user=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                **form.service_kwargs(),
            )
            if not form.errors:
                if not saved.created:
                    messages.info(request, _("已保存（重复提交未重复登记）"))
                return redirect(self._step_url(subject, saved=saved.record.pk))
        resident = None if subject == NO_SUBJECT else _resident(request.user, subject)
        context = {"query": "", "saved": None, **self._context(form, subject, resident)}
        return render(request, "servicelog/quick.html", context, status=400)
