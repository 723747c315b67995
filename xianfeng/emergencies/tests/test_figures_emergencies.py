"""应急处置 figures (emergencies/figures.py): hand counts over factories_figures.emergency_world
(see its docstring); withdrawn, voided and out-of-scope rows never count."""

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.emergencies.figures import emergency_figures, figure_rows
from xianfeng.reports.filters import parse_filter
from xianfeng.reports.reach import reach_of

from .factories_figures import Q1, TODAY, emergency_world


@pytest.fixture
def w(db):
    return emergency_world()


def figures_for(user, reach=None, **params):
    flt = parse_filter(user, {**Q1, **params})
    return emergency_figures(flt, reach_of(user) if reach is None else reach, today=TODAY)


def test_a_leader_counts_the_committee_s_emergency(w):
    f = figures_for(w.leader)
    assert f["emergencies"] == 1  # not last year's flood
    assert f["pledges"] == 3  # a1 a2 b1: not a3's withdrawn one
    assert (f["commando_teams"], f["commando_members"], f["outbound_teams"]) == (2, 3, 1)
    assert (f["working_groups"], f["leadership_meetings"], f["applications"]) == (2, 2, 1)
    assert f["families_paired"] == 2  # F1 F2: not the voided, the non-family, the one before
    assert f["latest_counts"] == {"screened": 150, "confirmed": 5}  # 03-02's, not the voided 03-03
    assert (f["latest_confirmed"], f["latest_screened"], f["latest_report_day"]) == (5, 150, "2025-03-02")


def test_a_branch_secretary_counts_their_branch_s_part(w):
    """The committee's emergency is read from below; the branch's own 请战书, applications and
    pairings only."""
    f = figures_for(w.secretary)
    assert f["emergencies"] == 1 and f["working_groups"] == 2 and f["commando_teams"] == 2
    assert f["pledges"] == 2  # a1 a2: not b1 of the other branch
    assert f["applications"] == 1 and f["families_paired"] == 1  # F1 (F2 is the committee's)
    assert f["latest_confirmed"] == 5


def test_the_organization_filter(w):
    f = figures_for(w.leader, org=str(w.branch_b.pk))
    assert f["emergencies"] == 1  # the committee's, above branch_b; its own flood ended in 2024
    assert (f["pledges"], f["applications"], f["families_paired"]) == (1, 0, 0)
    last_year = figures_for(w.leader, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert (last_year["emergencies"], last_year["pledges"], last_year["latest_confirmed"]) == (1, 1, 1)


def test_no_figures_without_the_area(w):
    assert figures_for(w.doctor)["emergencies"] == 0
    doctor = [
        {"scope": Scope.ORG_SUBTREE.value, "org_id": w.committee.pk, "org_path": w.committee.path, "role": Role.DOCTOR}
    ]
    f = figures_for(w.leader, reach=doctor)
    assert f["visible"] is False and f["emergencies"] == 0 and f["latest_confirmed"] is None
    assert figures_for(w.leader, reach=[])["pledges"] == 0


def test_rows_behind_each_count(w):
    flt, reach = parse_filter(w.leader, Q1), reach_of(w.leader)
    rows = lambda key: set(figure_rows(flt, reach, key, today=TODAY).values_list("pk", flat=True))  # noqa: E731
    assert rows("pledges") == {w.p1.pk, w.p2.pk, w.p3.pk}
    assert rows("commando_members") == {w.a1.pk, w.a2.pk, w.b1.pk}
    assert rows("commando_teams") == {w.link1.pk, w.link2.pk}
    assert rows("families_paired") == {w.f1.pk, w.f2.pk}
    assert rows("applications") == {w.app1.pk}
    assert rows("leadership_meetings") == {w.l1.pk, w.l2.pk}
