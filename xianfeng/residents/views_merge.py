"""Possible duplicates, merging one record into another (with confirmation) and undoing it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xianfeng.accounts.scoped_views import ScopedListView, ScopedObjectView
from xianfeng.accounts.scoping import CHANGE, scoped
from xianfeng.core.forms import call_service
from xianfeng.core.params import query_int

from . import selectors, services_merge
from .forms import MergeForm
from .models import Resident, ResidentMerge


class DuplicateListView(ScopedListView):
    model = Resident
    action = CHANGE

    def get(self, request):
        groups = selectors.duplicate_groups(user=request.user)
        return render(request, "residents/duplicates.html", {"groups": groups})


class ResidentMergeView(ScopedObjectView):
    """Merge ``duplicate`` (query or form) into this resident, after a side-by-side confirmation."""

    model = Resident
    action = CHANGE

    def _duplicate(self, raw):
        pk = query_int(raw)
        if pk is None:
            raise Http404
        duplicate = scoped(self.request.user, Resident, CHANGE).filter(pk=pk, merged_into__isnull=True).first()
        if duplicate is None:
            raise Http404
        return duplicate

    def _render(self, keeper, duplicate, form, status=200):
        return render(
            self.request,
            "residents/merge_confirm.html",
            {"keeper": keeper, "duplicate": duplicate, "form": form},
            status=status,
        )

    def get(self, request, pk):
        keeper = self.get_object()
        if not request.GET.get("duplicate"):
            # No record chosen yet: offer this resident's possible duplicates.
            candidates = selectors.possible_duplicates(user=request.user, resident=keeper)
            return render(request, "residents/merge_choose.html", {"keeper": keeper, "candidates": candidates})
        duplicate = self._duplicate(request.GET.get("duplicate"))
        return self._render(keeper, duplicate, MergeForm(initial={"duplicate": duplicate.pk}))

    def post(self, request, pk):
        keeper = self.get_object()
        if not request.POST.get("duplicate"):
            messages.error(request, _("请先选择要合并的重复记录"))
            return redirect("residents:merge", pk=keeper.pk)
        duplicate = self._duplicate(request.POST.get("duplicate"))
        form = MergeForm(request.POST)
        if form.is_valid():
            call_service(
                form,
                services_merge.resident_merge,
                on_denied=(None, _("其中一条记录不在您的管理范围内")),
                acting_user=request.user,
                keeper=keeper,
                duplicate=duplicate,
                reason=form.cleaned_data["reason"],
            )
            if not form.errors:
                messages.success(request, _("已合并。如有误，可在本页“合并记录”中撤销。"))
                return redirect("residents:detail", pk=keeper.pk)
        return self._render(keeper, duplicate, form, status=400)


class MergeUndoView(ScopedObjectView):
    model = ResidentMerge
    action = CHANGE

    def get(self, request, pk):
        return redirect("residents:detail", pk=self.get_object().keeper_id)

    def post(self, request, pk):
        merge = self.get_object()
        try:
            services_merge.resident_merge_undo(acting_user=request.user, merge=merge)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已撤销合并，两条记录已恢复"))
        return redirect("residents:detail", pk=merge.keeper_id)
