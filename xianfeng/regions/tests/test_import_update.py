"""Re-importing region codes: the code is the natural key; names and populations are updated
only in "create and update", and an empty population keeps the one on record."""

import pytest

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.imports import engine
from xianfeng.imports.spec import CREATE, MODE_CREATE, MODE_UPDATE, UNCHANGED, UPDATE, ImportContext, get_spec
from xianfeng.regions.models import Region

GOOD_CSV = "区划代码,名称,常住人口\n210681101,孤山镇,30000\n210681101001,孤山村,1200\n"


@pytest.fixture
def importer(world):
    return user_with_grant(Role.ADMIN, Scope.REGION, region_prefixes="210681", org=world.branch_a, username="importer")


def run(tmp_path, text, user, *, mode=MODE_UPDATE, commit=False):
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    return engine.run(get_spec("regions"), path, ImportContext(user=user, options={"mode": mode}), commit=commit)


def test_reimport_plans_unchanged_and_updates_only_in_update_mode(tmp_path, importer):
    assert run(tmp_path, GOOD_CSV, importer, commit=True).created == 2
    outcome = run(tmp_path, GOOD_CSV, importer)
    assert outcome.planned == {CREATE: 0, UPDATE: 0, UNCHANGED: 2}

    renamed = "区划代码,名称,常住人口\n210681101,孤山新镇,\n210681101001,孤山村,1200\n210681101002,新村,10\n"
    outcome = run(tmp_path, renamed, importer)
    assert outcome.planned == {CREATE: 1, UPDATE: 1, UNCHANGED: 1} and outcome.changed_columns == {"name": 1}

    outcome = run(tmp_path, renamed, importer, mode=MODE_CREATE, commit=True)
    assert (outcome.created, outcome.updated) == (1, 0)
    assert Region.objects.get(code="210681101").name == "孤山镇"

    outcome = run(tmp_path, renamed, importer, commit=True)
    assert (outcome.created, outcome.updated) == (0, 1)
    town = Region.objects.get(code="210681101")
    assert town.name == "孤山新镇" and town.population == 30000  # the empty cell kept the population
