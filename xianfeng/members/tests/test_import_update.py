"""Re-importing members: the ID number (or, without one, the volunteer number) names a
registered member; plain profile fields are updated in "create and update", never the branch
or the party-step history."""

import datetime

from xianfeng.accounts.personal import not_here_message
from xianfeng.audit.models import ChangeLog
from xianfeng.imports import engine
from xianfeng.imports.spec import CREATE, MODE_CREATE, MODE_UPDATE, UNCHANGED, UPDATE, ImportContext, get_spec
from xianfeng.members import services
from xianfeng.members.models import Member, PartyStep

from .factories import make_id_number

HEADER = "姓名,身份证号,手机号,所属支部,人员类别,志愿者编号,科室/单位,入党日期\n"


def person(world, n: int, **extra) -> dict:
    row = {
        "name": f"人员{n}",
        "id": make_id_number(datetime.date(1980, 1, 1) + datetime.timedelta(days=n), serial=n),
        "phone": f"139{n:08d}",
        "branch": world.branch_a.name,
        "category": "职工",
        "volunteer": "",
        "department": "内科",
        "admit": "",
    }
    row.update(extra)
    return row


def write(tmp_path, people):
    keys = ("name", "id", "phone", "branch", "category", "volunteer", "department", "admit")
    path = tmp_path / "members.csv"
    path.write_text(HEADER + "".join(",".join(p[k] for k in keys) + "\n" for p in people), encoding="utf-8")
    return path


def run(path, user, *, mode=MODE_UPDATE, commit=False):
    return engine.run(get_spec("members"), path, ImportContext(user=user, options={"mode": mode}), commit=commit)


def updates():
    return ChangeLog.objects.filter(model="members.Member", action=ChangeLog.Action.UPDATE)


def test_reimport_updates_changed_phones_only_in_update_mode(tmp_path, world):
    people = [person(world, n) for n in range(1, 13)]
    assert run(write(tmp_path, people), world.owner, commit=True).created == 12
    outcome = run(write(tmp_path, people), world.owner)
    assert outcome.ok and outcome.planned == {CREATE: 0, UPDATE: 0, UNCHANGED: 12}

    for p in people[:10]:
        p["phone"] = "137" + p["phone"][3:]
    people[11]["department"] = ""  # an empty cell keeps the stored value
    path = write(tmp_path, [*people, person(world, 20)])
    outcome = run(path, world.owner)
    assert outcome.planned == {CREATE: 1, UPDATE: 10, UNCHANGED: 2} and outcome.changed_columns == {"phone": 10}

    outcome = run(path, world.owner, mode=MODE_CREATE, commit=True)
    assert (outcome.created, outcome.updated) == (1, 0) and not updates().exists()

    outcome = run(path, world.owner, commit=True)
    assert (outcome.created, outcome.updated) == (0, 10)
    assert updates().count() == 10
    for p in people:
        member = Member.objects.get(name=p["name"])
        assert member.phone == p["phone"] and member.department == "内科"


def test_branch_and_party_steps_are_not_imported_over_a_registered_member(tmp_path, world):
    p = person(world, 1)
    run(write(tmp_path, [p]), world.owner, commit=True)
    outcome = run(write(tmp_path, [dict(p, branch=world.group_a.name)]), world.owner)
    assert "组织关系转接" in outcome.errors[0].message
    outcome = run(write(tmp_path, [dict(p, admit="2021-07-01", department="外科")]), world.owner, commit=True)
    assert outcome.updated == 1 and not PartyStep.objects.exists()
    assert any("环节日期不会通过导入修改" in w.message for w in outcome.warnings)
    assert Member.objects.get().department == "外科"


def test_volunteer_number_names_a_member_without_id(tmp_path, world):
    volunteer = services.member_create(
        acting_user=world.owner, name="志愿者甲", branch=world.branch_a, category=Member.Category.VOLUNTEER
    )
    row = person(world, 5, name="志愿者甲", id="", category="志愿者", volunteer=volunteer.volunteer_no)
    outcome = run(write(tmp_path, [row]), world.owner, commit=True)
    assert outcome.planned[UPDATE] == 1 and outcome.changed_columns == {"phone": 1, "department": 1}
    volunteer.refresh_from_db()
    assert volunteer.phone == row["phone"] and Member.objects.count() == 1


def test_member_outside_the_scope_gets_the_not_here_answer(tmp_path, world):
    p = person(world, 7)
    services.member_create(acting_user=world.outsider, name="外科人", branch=world.branch_b, id_number=p["id"])
    for mode in (MODE_CREATE, MODE_UPDATE):
        outcome = run(write(tmp_path, [p]), world.owner, mode=mode, commit=True)
        assert [e.message for e in outcome.errors] == [not_here_message()]
    assert Member.objects.get().name == "外科人"
