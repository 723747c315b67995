"""The local compliance rules (组织生活规则): the rules in force for the user's organizations
beside the national defaults, a form to add one (partylife.change over the rule's organization),
correct it, or end it (with a confirmation)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, can
from xianfeng.core.forms import call_service

from . import compliance
from . import selectors_meetings as selectors
from . import services_meetings as services
from .forms_meetings import ComplianceRuleForm, parse_day
from .models import ComplianceRule, MeetingKind

ON_DENIED = ("org", _("不在您可设置规则的范围内"))


def _defaults() -> list[dict]:
    return [
        {"kind": label, "period": dict(compliance.Period.choices)[period], "min_count": count}
        for (kind, label) in MeetingKind.choices
        for period, count in [compliance.NATIONAL_DEFAULTS[kind]]
    ]


class ComplianceRuleListView(ScopedListView):
    model = ComplianceRule

    def _render(self, request, form, status=200):
        user = request.user
        context = {
            "tab": "rules",
            "rules": self.paginate(selectors.rule_list(user)),
            "defaults": _defaults(),
            "national_note": compliance.NATIONAL_NOTE,
            "form": form,
            "today": timezone.localdate(),
            "can_change": form is not None,
        }
        return render(request, "partylife/compliance_rules.html", context, status=status)

    def _form(self, request, data=None):
        if not can(request.user, CHANGE, ComplianceRule):
            return None
        return ComplianceRuleForm(data, user=request.user, initial={"start_on": timezone.localdate()})

    def get(self, request):
        return self._render(request, self._form(request))

    def post(self, request):
        form = self._form(request, request.POST)
        if form is None:
            raise PermissionDenied  # a reader may list the rules, not add one
        if form.is_valid():
            call_service(
                form,
                services.compliance_rule_create,
                on_denied=ON_DENIED,
                acting_user=request.user,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(request, _("已添加规则，组织生活日历按新规则计算"))
                return redirect("partylife:compliance_rules")
        return self._render(request, form, status=400)


class ComplianceRuleEditView(ScopedObjectView):
    model = ComplianceRule
    action = CHANGE

    def _render(self, request, rule, form, status=200):
        return render(request, "partylife/compliance_rule_form.html", {"rule": rule, "form": form}, status=status)

    def get(self, request, pk):
        rule = self.get_object()
        fields = ("kind", "period", "min_count", "start_on", "end_on", "note")
        form = ComplianceRuleForm(user=request.user, rule=rule, initial={f: getattr(rule, f) for f in fields})
        return self._render(request, rule, form)

    def post(self, request, pk):
        rule = self.get_object()
        form = ComplianceRuleForm(request.POST, user=request.user, rule=rule)
        if form.is_valid():
            call_service(
                form,
                services.compliance_rule_update,
                on_denied=ON_DENIED,
                acting_user=request.user,
                rule=rule,
                **form.cleaned_data,
            )
            if not form.errors:
                messages.success(request, _("已保存规则"))
                return redirect("partylife:compliance_rules")
        return self._render(request, rule, form, status=400)


class ComplianceRuleEndView(ScopedObjectView):
    """POST only (a button with a confirmation on the rules page): the rule ends today (or on ``end_on``)."""

    model = ComplianceRule
    action = CHANGE

    def get(self, request, pk):
        self.get_object()
        return redirect("partylife:compliance_rules")

    def post(self, request, pk):
        rule = self.get_object()
        try:
            services.compliance_rule_end(
                acting_user=request.user, rule=rule, end_on=parse_day(request.POST.get("end_on"))
            )
        except services.ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已终止该规则"))
        return redirect("partylife:compliance_rules")
