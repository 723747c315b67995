"""``{% people_sections emergency as people %}``: what the emergency's page shows of the people part
(pledge counts, my pledge, teams, applications, today's shifts), read for the signed-in user
through the part's selectors. The page's view belongs to the command part; this tag lets its
``_people_sections.html`` include stand on its own."""

from django import template
from django.utils import timezone

from xianfeng.accounts.scoping import CHANGE, VIEW, can
from xianfeng.emergencies import selectors_applications, selectors_duty, selectors_pledges, selectors_teams
from xianfeng.emergencies.models import DutyShift, FrontLineApplication, Pledge

register = template.Library()


@register.simple_tag(takes_context=True)
def people_sections(context, emergency) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or emergency is None:
        return {}
    today = timezone.localdate()
    manage = selectors_pledges.may_manage(user, emergency)
    sees_pledges = can(user, VIEW, Pledge)
    return {
        "counts": selectors_pledges.pledge_counts(selectors_pledges.pledges_of(user, emergency))
        if sees_pledges
        else None,
        "mine": selectors_pledges.my_pledge(user, emergency),
        "can_pledge": can(user, CHANGE, Pledge) and emergency.pledges_open and emergency.is_active(today),
        "can_manage": manage,
        "teams": list(selectors_teams.teams_of(user, emergency)[:30]),
        "applications": selectors_applications.applications_of(user, emergency).count()
        if can(user, VIEW, FrontLineApplication)
        else None,
        "shifts_today": len(selectors_duty.window(user, emergency, today, days=1)["by_day"][0][1])
        if can(user, VIEW, DutyShift)
        else None,
    }
