"""The members picker's search (JSON for static/js/autocomplete.js)."""

from xianfeng.accounts.scoped_views import ScopedListView
from xianfeng.accounts.scoping import VIEW
from xianfeng.core.widgets import autocomplete_response

from . import selectors
from .models import Member


class MemberAutocompleteView(ScopedListView):
    """GET ?q=: at most 20 members the user may see, labelled without personal data."""

    model = Member
    action = VIEW

    def get(self, request):
        found = selectors.member_autocomplete(user=request.user, query=request.GET.get("q", "")[:50])
        return autocomplete_response(found, selectors.member_picker_label)
