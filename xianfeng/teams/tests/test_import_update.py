"""Re-importing a roster: a membership on record (same team, person and start date) is left
unchanged, or its role and a first end date are updated in "create and update"."""

import datetime

from xianfeng.audit.models import ChangeLog
from xianfeng.imports import engine
from xianfeng.imports.spec import CREATE, MODE_CREATE, MODE_UPDATE, UNCHANGED, UPDATE, ImportContext, get_spec
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.models import Team, TeamMembership

from .factories import TeamFactory

HEADER = "队伍,姓名,队内职务,入队日期,离队日期\n"


def run(tmp_path, lines, user, *, mode=MODE_UPDATE, commit=False):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return engine.run(get_spec("team_rosters"), path, ImportContext(user=user, options={"mode": mode}), commit=commit)


def test_roster_reimport_updates_role_and_end_date_only_in_update_mode(tmp_path, world):
    TeamFactory(name="第一突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    for name in ("老王", "老李", "老张"):
        MemberFactory(name=name, branch=world.group_a)
    first = ["第一突击队,老王,队员,2024-01-01,", "第一突击队,老李,队员,2024-01-01,"]
    assert run(tmp_path, first, world.owner, commit=True).created == 2
    outcome = run(tmp_path, ["第一突击队,老王,,2024-01-01,", first[1]], world.owner)  # empty role: unchanged
    assert outcome.ok and outcome.planned == {CREATE: 0, UPDATE: 0, UNCHANGED: 2}

    second = [
        "第一突击队,老王,队长,2024-01-01,",
        "第一突击队,老李,,2024-01-01,2024-06-30",
        "第一突击队,老张,,2024-02-01,",
    ]
    outcome = run(tmp_path, second, world.owner)
    assert outcome.planned == {CREATE: 1, UPDATE: 2, UNCHANGED: 0}
    assert outcome.changed_columns == {"role": 1, "end_on": 1}

    outcome = run(tmp_path, second, world.owner, mode=MODE_CREATE, commit=True)
    assert (outcome.created, outcome.updated) == (1, 0)
    assert TeamMembership.objects.get(member__name="老张").role == "member"
    assert TeamMembership.objects.get(member__name="老王").role == "member"

    outcome = run(tmp_path, second, world.owner, commit=True)
    assert (outcome.created, outcome.updated) == (0, 2)
    assert TeamMembership.objects.get(member__name="老王").role == "leader"
    assert TeamMembership.objects.get(member__name="老李").end_on == datetime.date(2024, 6, 30)
    assert ChangeLog.objects.filter(model="teams.TeamMembership", action="update").count() == 2

    # An end date on record is not rewritten by a later file.
    outcome = run(tmp_path, ["第一突击队,老李,,2024-01-01,2024-07-31"], world.owner)
    assert "导入不会修改离队日期" in outcome.errors[0].message
