"""The resident and household pickers' search (JSON for static/js/autocomplete.js)."""

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import VIEW
from xianfeng.core.widgets import autocomplete_response

from . import selectors
from .models import Household, Resident


class ResidentAutocompleteView(ScopedListView):
    """GET ?q=: at most 20 residents the user may see (name, village, birth year, masked phone)."""

    model = Resident
    action = VIEW

    def get(self, request):
        found = selectors.resident_autocomplete(user=request.user, query=request.GET.get("q", "")[:50])
        return autocomplete_response(found, selectors.resident_picker_label)


class HouseholdAutocompleteView(ScopedListView):
    """GET ?q=: at most 20 households the user may see; the resident form then accepts only
    those it may register residents in (its queryset is the change scope)."""

    model = Household
    action = VIEW

    def get(self, request):
        found = selectors.household_autocomplete(user=request.user, query=request.GET.get("q", "")[:50], action=VIEW)
        return autocomplete_response(found, selectors.household_picker_label)
