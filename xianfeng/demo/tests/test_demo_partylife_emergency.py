"""Issue 13 on the whole demo, seeded once (the full seed takes minutes): the clerk's month
statement flags one member of 内科党支部 (seven months unpaid), the demo volunteer is paid up,
内科党支部 has a 60 000 budget and 检验影像党支部 an expense over budget; the past epidemic's outbound
team has every family paired and its commando teams were formed from real demo members; seeding
again adds nothing."""

import pytest
from django.utils import timezone

from xianfeng.accounts.models import User
from xianfeng.demo.seed import seed
from xianfeng.demo.seed_emergency import seed_emergency
from xianfeng.demo.seed_emergency_people import seed_emergency_people
from xianfeng.demo.seed_partylife_dues import seed_partylife_dues
from xianfeng.emergencies import selectors_teams
from xianfeng.emergencies.models import EmergencyTeam, Pledge
from xianfeng.orgs.models import Organization
from xianfeng.partylife import dues
from xianfeng.partylife.models import DuesPayment, DuesRate, FundExpense
from xianfeng.partylife.selectors_dues import members_in_arrears, month_statement
from xianfeng.partylife.selectors_funds import fund_summary


@pytest.mark.django_db
def test_demo_dues_funds_and_the_past_emergency():
    seed()
    admin = User.objects.get(username="admin")
    orgs = {o.name: o for o in Organization.objects.all()}
    today = timezone.localdate()

    # Dues and funds.
    clerk = User.objects.get(username="dangban")
    flagged = members_in_arrears(clerk)
    assert len(flagged) == 1
    member, result = flagged[0]
    assert member.branch.name == "内科党支部" and result.current_run == 7
    statement = month_statement(clerk, orgs["内科党支部"], dues.month_start(today))
    assert len(statement.rows) >= 10 and len(statement.flagged) == 1
    assert len(statement.unpaid) == 1  # all others paid this month
    assert DuesRate.objects.filter(category="retired").count() == 1
    assert DuesRate.objects.filter(note="自愿多交").count() == 1
    assert len(set(DuesRate.objects.values_list("rate", flat=True))) >= 4
    assert DuesPayment.objects.filter(member__user__username="dangyuan", month=dues.month_start(today)).exists()
    summary = fund_summary(admin, today.year, org=orgs["内科党支部"])
    assert summary.budget == 60000 and summary.spent > 0
    assert FundExpense.objects.count() == 20
    assert FundExpense.objects.filter(over_budget=True, org__name="检验影像党支部").exists()

    # The past emergency's people.
    link = EmergencyTeam.objects.get(purpose="outbound")
    families, _ = selectors_teams.families_with_defaults(admin, link)
    assert len(families) >= 4 and all(f.pairing is not None for f in families)
    assert EmergencyTeam.objects.filter(emergency=link.emergency, purpose="commando").count() == 3
    assert Pledge.objects.filter(emergency=link.emergency).count() >= 20

    # Seeding again adds nothing.
    counts = (DuesPayment.objects.count(), FundExpense.objects.count(), Pledge.objects.count())
    seed_partylife_dues(admin, orgs)
    seed_emergency_people(admin, orgs, seed_emergency(admin, orgs))
    assert (DuesPayment.objects.count(), FundExpense.objects.count(), Pledge.objects.count()) == counts
