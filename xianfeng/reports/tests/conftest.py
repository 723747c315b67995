"""Fixtures of the reports tests: ``reports_world`` (factories.build_reports_world) and a
``year_filter`` maker for YEAR's figures."""

import pytest
from django.conf import settings

from xianfeng.reports.filters import ReportFilter

from .factories import DEC31, JAN1, build_metric_world, build_reports_world

# Row locks between concurrent connections need PostgreSQL: on SQLite (one writer at a time) the
# test is not collected, rather than reported as skipped (as in xianfeng/audit/tests/conftest.py).
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
collect_ignore = [] if ON_POSTGRESQL else ["test_rollups_concurrency.py"]


@pytest.fixture
def reports_world(db):
    """Orgs, regions, one user per role and a few facts in YEAR (see build_reports_world)."""
    return build_reports_world()


@pytest.fixture
def year_filter():
    """year_filter(**fields) -> a ReportFilter over all of YEAR, with fields replaced."""

    def make(**fields):
        return ReportFilter(start=fields.pop("start", JAN1), end=fields.pop("end", DEC31), **fields)

    return make


@pytest.fixture
def metric_world(db):
    """The hand-counted world of the metrics tests (see factories.build_metric_world)."""
    return build_metric_world()
