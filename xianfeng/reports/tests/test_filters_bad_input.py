"""parse_filter refuses bad input with one clear message per parameter (issue 11 "Bad input"):
an inverted or absurd period, a malformed date or id, something unknown, and anything outside
the reader's scope — worded the same whether it exists or not."""

import calendar
import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xianfeng.reports.filters import PARAMS, FilterError, ReportFilter, parse_filter

from .factories import COUNTY, TOWN_A, TOWN_B, VILLAGE_B

TODAY = datetime.date(2026, 5, 20)


def errors(user, **params):
    with pytest.raises(FilterError) as info:
        parse_filter(user, params, today=TODAY)
    return info.value.errors


def test_default_period_is_this_year_in_whole_months(reports_world):
    flt = parse_filter(reports_world.leader, {}, today=TODAY)
    month_end = datetime.date(TODAY.year, TODAY.month, calendar.monthrange(TODAY.year, TODAY.month)[1])
    assert (flt.start, flt.end) == (datetime.date(2026, 1, 1), month_end)


def test_a_valid_filter_round_trips_through_its_url(reports_world):
    w = reports_world
    params = {
        "from": "2025-01-01",
        "to": "2025-06-30",
        "org": str(w.branch_a.pk),
        "region": TOWN_A,
        "team": str(w.team_a.pk),
        "type": "medicine_delivery",
        "category": "medical",
        "program": "elderly_check",
    }
    flt = parse_filter(w.leader, params, today=TODAY)
    assert isinstance(flt, ReportFilter)
    assert flt.params() == params
    assert parse_filter(w.leader, flt.params(), today=TODAY) == flt


class TestPeriod:
    def test_inverted(self, reports_world):
        assert "晚于" in errors(reports_world.leader, **{"from": "2025-06-01", "to": "2025-05-31"})["from"]

    def test_one_day_is_fine(self, reports_world):
        flt = parse_filter(reports_world.leader, {"from": "2025-06-01", "to": "2025-06-01"}, today=TODAY)
        assert flt.days == 1

    def test_before_2000(self, reports_world):
        assert "2000-01-01" in errors(reports_world.leader, **{"from": "1999-12-31", "to": "2000-01-31"})["from"]

    def test_more_than_twenty_years(self, reports_world):
        assert "20" in errors(reports_world.leader, **{"from": "2000-01-01", "to": "2025-12-31"})["to"]

    def test_twenty_years_is_fine(self, reports_world):
        parse_filter(reports_world.leader, {"from": "2006-01-01", "to": "2025-12-31"}, today=TODAY)

    def test_end_more_than_a_year_ahead(self, reports_world):
        assert "一年" in errors(reports_world.leader, to="2027-06-01")["to"]

    def test_end_within_a_year_ahead_is_fine(self, reports_world):
        # a plan for the rest of the year (end of next quarter) is a legitimate period
        parse_filter(reports_world.leader, {"from": "2026-01-01", "to": "2026-12-31"}, today=TODAY)

    @pytest.mark.parametrize(
        "value", ["2025-13-01", "2025-02-30", "20250101x", "yesterday", "2025/01/01", "９９９９-01-01", "0000-00-00"]
    )
    def test_bad_date(self, reports_world, value):
        found = errors(reports_world.leader, **{"from": value})
        assert "YYYY-MM-DD" in found["from"]

    def test_both_dates_bad_gives_both_messages(self, reports_world):
        assert set(errors(reports_world.leader, **{"from": "x", "to": "y"})) == {"from", "to"}


class TestOutOfScope:
    @pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "0", "1e3", "abc", "１２"])
    def test_malformed_or_huge_org_id(self, reports_world, value):
        assert "不存在或不在您的权限范围内" in errors(reports_world.leader, org=value)["org"]

    def test_org_outside_the_users_scope_reads_like_a_missing_one(self, reports_world):
        w = reports_world
        outside = errors(w.secretary, org=str(w.branch_b.pk))["org"]
        missing = errors(w.secretary, org="987654")["org"]
        # same wording: the message does not reveal whether branch_b exists
        assert outside.replace(str(w.branch_b.pk), "N") == missing.replace("987654", "N")
        assert "不在您的权限范围内" in outside

    def test_org_inside_the_scope(self, reports_world):
        w = reports_world
        assert parse_filter(w.secretary, {"org": str(w.group_a.pk)}, today=TODAY).org == w.group_a

    def test_team_outside_the_users_scope_reads_like_a_missing_one(self, reports_world):
        from xianfeng.teams.tests.factories import TeamFactory

        w = reports_world
        team_b = TeamFactory(name="外科突击队", owner_org=w.branch_b)
        outside = errors(w.secretary, team=str(team_b.pk))["team"]
        missing = errors(w.secretary, team="987654")["team"]
        assert outside.replace(str(team_b.pk), "N") == missing.replace("987654", "N")
        assert errors(w.leader, team="99999999999999999999999")["team"]

    def test_region_outside_a_region_grant(self, reports_world):
        # the doctor holds TOWN_A only: TOWN_B is refused, the county above TOWN_A is allowed
        # (it overlaps the grant; the reach still counts TOWN_A only)
        assert "不在您的统计范围内" in errors(reports_world.doctor, region=TOWN_B)["region"]
        assert "不在您的统计范围内" in errors(reports_world.doctor, region=VILLAGE_B)["region"]
        assert parse_filter(reports_world.doctor, {"region": COUNTY}, today=TODAY).region.code == COUNTY

    def test_no_reports_permission_reaches_no_region(self, reports_world):
        assert "region" in errors(reports_world.member, region=TOWN_A)


class TestUnknown:
    @pytest.mark.parametrize("value", ["210681999", "99", "210681101999"])
    def test_unknown_region(self, reports_world, value):
        assert value in errors(reports_world.leader, region=value)["region"]

    @pytest.mark.parametrize("value", ["2106811", "abc", "99999999999999999999999", "21０6"])
    def test_malformed_region(self, reports_world, value):
        assert "2、4、6、9 或 12 位数字" in errors(reports_world.leader, region=value)["region"]

    def test_unknown_type(self, reports_world):
        assert "no_such_type" in errors(reports_world.leader, type="no_such_type")["type"]

    def test_unknown_category(self, reports_world):
        assert "no_such" in errors(reports_world.leader, category="no_such")["category"]

    def test_unknown_program(self, reports_world):
        assert "no_such" in errors(reports_world.leader, program="no_such")["program"]

    def test_health_program_without_figures_rights(self, reports_world):
        # a volunteer reads no program figures at all
        assert "program" in errors(reports_world.member, program="smd")

    def test_every_bad_parameter_is_reported_at_once(self, reports_world):
        found = errors(
            reports_world.leader,
            **{"from": "bad", "org": "x", "region": "1", "team": "y", "type": "z", "category": "w", "program": "v"},
        )
        assert set(found) == {"from", "org", "region", "team", "type", "category", "program"}

    def test_a_nul_byte_in_the_type_is_a_filter_error(self, reports_world):
        # PostgreSQL cannot compare text with a NUL byte; found by the property test below.
        assert "type" in errors(reports_world.leader, type="free\x00clinic")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(PARAMS), st.text(max_size=40)))
def test_parse_filter_raises_only_filter_errors(reports_world, params):
    """Whatever text arrives in the URL, the answer is a filter or a FilterError (never a 500)."""
    try:
        flt = parse_filter(reports_world.secretary, params, today=TODAY)
    except FilterError as exc:
        assert exc.errors and set(exc.errors) <= set(PARAMS)
    else:
        assert flt.start <= flt.end


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(PARAMS),
        st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str), st.dates().map(str)),
    )
)
def test_parse_filter_numbers_and_dates(reports_world, params):
    try:
        parse_filter(reports_world.leader, params, today=TODAY)
    except FilterError as exc:
        assert exc.errors
