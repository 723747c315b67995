"""工作台 panel 「我的学习」: the items pushed to the signed-in member that they have not studied
yet, overdue first in red, one tap from the 已学习 button. Two queries; hidden when there is
nothing to study."""

from django.urls import reverse

from xianfeng.accounts.scoping import VIEW, can

from .models import StudyItem
from .selectors_study import my_items

MAX_ROWS = 5


def study_panel(request) -> dict | None:
    user = request.user
    if not can(user, VIEW, StudyItem):
        return None
    todo = [r for r in my_items(user) if r.completion is None]
    if not todo:
        return None
    return {
        "rows": todo[:MAX_ROWS],
        "count": len(todo),
        "overdue": sum(1 for r in todo if r.overdue),
        "list_url": reverse("partylife:study_list") + "?tab=mine",
    }
