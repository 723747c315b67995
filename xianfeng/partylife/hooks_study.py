"""Registrations of study, honours and outputs: the 工作台 panel 「我的学习」 and the panels on an
organization's page (荣誉与成果, 学习)."""

from django.urls import reverse
from django.utils import timezone

from xianfeng.accounts.scoping import VIEW, can
from xianfeng.members.models import Member

from . import selectors_honours, selectors_study
from .models import Honour, StudyCompletion, StudyItem


def honours_panel(user, org) -> dict | None:
    """「荣誉与成果」: the organization's honours and its members' (and those below it), its outputs
    counted by kind, the last five of each. Four queries; hidden when there is nothing."""
    if not can(user, VIEW, Honour):
        return None
    found = selectors_honours.org_honours(user, org)
    if not found.honour_count and not found.output_counts:
        return None
    url = reverse("partylife:honour_list")
    return {
        "data": found,
        "honours_url": f"{url}?org={org.pk}",
        "outputs_url": f"{url}?tab=outputs&org={org.pk}",
    }


def study_panel(user, org) -> dict | None:
    """「学习」: this year's completion rate of the items pushed to all of the organization's party
    members. Three queries; hidden from those who cannot read their colleagues' study."""
    if not (can(user, VIEW, StudyItem) and can(user, VIEW, Member) and selectors_study.is_manager(user)):
        return None
    if not can(user, VIEW, StudyCompletion):
        return None
    year = timezone.localdate().year
    found = selectors_study.year_rate(user, org, year)
    if found is None:
        return None
    done, expected = found
    return {
        "year": year,
        "done": done,
        "expected": expected,
        "percent": round(done * 100 / expected) if expected else None,
        "record_url": f"{reverse('partylife:study_record')}?org={org.pk}&year={year}",
    }


def register() -> None:
    from xianfeng.core.home import register_panel
    from xianfeng.orgs.panels import register_org_panel

    from . import home_study

    register_panel("study", order=17, template="partylife/study_home_panel.html", context=home_study.study_panel)

    register_org_panel("honours", order=20, template="partylife/honour_org_panel.html", context=honours_panel)
    register_org_panel("study", order=30, template="partylife/study_org_panel.html", context=study_panel)
