"""组织生活与党建 figures (partylife/figures.py): each figure equals a hand count over
factories_figures.figures_world (see its docstring), voided rows and other branches' rows never
count, and a reader's role must open the area as well as hold 统计报表."""

from decimal import Decimal

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.partylife.figures import area_reach, figure_rows, partylife_figures
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.reach import reach_of

from .factories_figures import Q1, TODAY, figures_world


@pytest.fixture
def w(db):
    return figures_world()


def figures_for(user, reach=None, **params):
    flt = parse_filter(user, {**Q1, **params})
    return partylife_figures(flt, reach_of(user) if reach is None else reach, today=TODAY)


def test_a_leader_counts_every_branch(w):
    f = figures_for(w.leader)
    assert f["meetings_held"] == 4  # M1 M2 M3 M6: not the invalid M4, the voided M5, last year's M7
    assert f["meetings_by_kind"] == {"assembly": 1, "committee": 2, "group": 1}
    assert (f["attendance_present"], f["attendance_expected"], f["attendance_rate"]) == (12, 15, 80.0)
    assert (f["compliance_required"], f["compliance_met"], f["compliance_rate"]) == (18, 4, 22.2)
    assert (f["study_items"], f["study_completions"], f["study_hours"]) == (3, 3, Decimal("4.5"))
    assert (f["dues_due"], f["dues_collected"], f["dues_payments"]) == (Decimal("115"), Decimal("35"), 4)
    assert f["dues_collection_rate"] == 30.4 and f["dues_arrears_members"] == 1  # a2: 9 months by March
    assert (f["funds_budget"], f["funds_spent"], f["funds_balance"]) == (64000, 5400, 58600)
    assert (f["funds_expenses"], f["funds_over_budget"]) == (4, 1)
    assert f["funds_by_category"] == {"study": 800, "activity": 1600, "care": 3000}
    assert f["honours"] == 3 and f["honours_by_level"] == {"provincial": 1, "city": 1, "institution": 1}
    assert f["outputs"] == 4 and f["outputs_by_kind"] == {"magazine": 3, "push": 1}


def test_a_secretary_counts_their_branch_only(w):
    f = figures_for(w.secretary)
    assert f["meetings_held"] == 3 and f["attendance_rate"] == 75.0  # 9 of 12: branch_b's M6 is not theirs
    assert (f["compliance_required"], f["compliance_met"]) == (9, 3)
    # The committee's 微课堂 is pushed to the branch; the completions are the branch's members'.
    assert (f["study_items"], f["study_completions"], f["study_hours"]) == (2, 2, Decimal("3.5"))
    assert (f["dues_due"], f["dues_collected"], f["dues_payments"]) == (Decimal("100"), Decimal("30"), 3)
    assert f["dues_arrears_members"] == 1
    assert (f["funds_budget"], f["funds_spent"], f["funds_balance"], f["funds_over_budget"]) == (8000, 2000, 6000, 1)
    assert (f["honours"], f["outputs"]) == (2, 1)


def test_the_organization_filter_narrows_and_the_region_filter_does_not(w):
    f = figures_for(w.leader, org=str(w.branch_b.pk))
    assert (f["meetings_held"], f["dues_payments"], f["funds_expenses"], f["honours"]) == (1, 1, 1, 1)
    assert (f["compliance_required"], f["compliance_met"]) == (9, 1)
    from xianfeng.reports.tests.factories import TOWN_B

    assert figures_for(w.leader, region=TOWN_B)["meetings_held"] == 4  # regions do not apply


def test_a_month_counts_its_own_meetings_and_dues(w):
    f = figures_for(w.leader, **{"from": "2025-02-01", "to": "2025-02-28"})
    assert f["meetings_held"] == 0  # M4 invalid, M5 voided
    # February dues: a1 10 + a2 25 + b1 5 due; a1's 10 paid.
    assert (f["dues_due"], f["dues_collected"]) == (Decimal("40"), Decimal("10"))
    assert (f["compliance_required"], f["compliance_met"]) == (4, 0)  # 支委会, 党小组会 (主题党日 is quarterly)


def test_no_reach_no_figures(w):
    f = figures_for(w.leader, reach=reach_of(w.member))  # a volunteer holds no 统计报表
    assert f["areas"] == [] and f["meetings_held"] == 0 and f["dues_due"] is None and f["funds_spent"] is None
    doctor = figures_for(w.doctor)  # a region grant reaches no branch's life
    assert doctor["meetings_held"] == doctor["compliance_required"] == doctor["dues_payments"] == 0


def test_a_role_without_the_area_counts_nothing_of_it(w):
    """A 精防医生 over the committee holds 统计报表 but not 组织生活, 党费, 党建经费."""
    doctor = [
        {"scope": Scope.ORG_SUBTREE.value, "org_id": w.committee.pk, "org_path": w.committee.path, "role": Role.DOCTOR}
    ]
    f = figures_for(w.leader, reach=doctor)
    assert f["areas"] == [] and f["meetings_held"] == 0 and f["compliance_required"] == 0
    assert f["dues_due"] is None and f["funds_budget"] is None and f["honours"] == 0
    clerk = [{**doctor[0], "role": Role.CLERK}]
    assert figures_for(w.leader, reach=clerk)["meetings_held"] == 4
    assert area_reach(doctor + clerk, "dues.view") == clerk
    member_self = [{"scope": Scope.SELF.value, "user_id": 1, "role": Role.MEMBER}]
    member_org = [{**doctor[0], "role": Role.MEMBER}]
    assert area_reach(member_org, "dues.view") == [] and area_reach(member_self, "dues.view") == member_self


def test_rows_behind_each_count_are_the_counted_rows(w):
    flt = parse_filter(w.leader, Q1)
    reach = reach_of(w.leader)
    f = partylife_figures(flt, reach, today=TODAY)
    rows = lambda key: set(figure_rows(flt, reach, key, today=TODAY).values_list("pk", flat=True))  # noqa: E731
    assert rows("meetings_held") == {w.m1.pk, w.m2.pk, w.m3.pk, w.m6.pk}
    assert rows("dues_arrears_members") == {w.a2.pk}
    assert rows("funds_over_budget") == {w.e2.pk}
    assert rows("funds_expenses") == {w.e1.pk, w.e2.pk, w.e4.pk, w.e5.pk}
    assert rows("honours") == {w.h1.pk, w.h2.pk, w.h4.pk}
    assert rows("outputs") == {o.pk for o in w.outputs} | {w.o_push.pk}
    for key in ("study_items", "study_completions", "dues_payments"):
        assert len(rows(key)) == f[key]
