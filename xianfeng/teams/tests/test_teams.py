import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams import selectors, services
from xianfeng.teams.models import Team, TeamMembership, ZoneAssignment

from .factories import PostFactory, TeamFactory, ZoneFactory

D = datetime.date
R = TeamMembership.Role


def names(memberships):
    return sorted((m.member.name, m.role) for m in memberships)


@pytest.fixture
def people(world):
    return {name: MemberFactory(name=name, branch=world.group_a) for name in ("老王", "老李", "小张", "小赵", "小钱")}


def test_team_create_and_scope(world):
    team = services.team_create(
        acting_user=world.owner, name="第一突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_a
    )
    assert team.name_initials == "dytjd"
    with pytest.raises(PermissionDenied):
        services.team_create(
            acting_user=world.owner, name="外科突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_b
        )
    assert not Team.objects.filter(name="外科突击队").exists()
    with pytest.raises(ValidationError) as exc:
        services.team_create(acting_user=world.owner, name="自定义", kind=Team.Kind.CUSTOM, owner_org=world.branch_a)
    assert "custom_kind" in exc.value.message_dict


def test_rotation_keeps_last_years_roster(world, people):
    team = TeamFactory(name="驻村工作队", kind=Team.Kind.VILLAGE, owner_org=world.branch_a, active_from=D(2023, 4, 1))
    for name, role in (("老王", R.FIRST_SECRETARY), ("老李", R.LEADER), ("小张", R.MEMBER)):
        services.membership_add(
            acting_user=world.owner, team=team, member=people[name], role=role, start_on=D(2023, 4, 1)
        )
    services.team_rotate(
        acting_user=world.owner,
        team=team,
        on_date=D(2025, 4, 1),
        leaving=None,
        joining=[(people["小赵"], R.FIRST_SECRETARY), (people["小钱"], R.MEMBER), (people["小张"], R.LEADER)],
    )
    last_year = selectors.team_roster(user=world.reader, team=team, on_date=D(2024, 6, 1))
    assert names(last_year) == [("小张", R.MEMBER), ("老李", R.LEADER), ("老王", R.FIRST_SECRETARY)]
    eve = selectors.team_roster(user=world.reader, team=team, on_date=D(2025, 3, 31))
    assert names(eve) == names(last_year)
    now = selectors.team_roster(user=world.reader, team=team, on_date=D(2025, 4, 1))
    assert names(now) == [("小张", R.LEADER), ("小赵", R.FIRST_SECRETARY), ("小钱", R.MEMBER)]
    ended = TeamMembership.objects.filter(team=team, end_on=D(2025, 3, 31))
    assert ended.count() == 3 and {m.end_reason for m in ended} == {"轮换"}


def test_a_rotation_with_a_bad_member_changes_nothing(world, people):
    village = TeamFactory(kind=Team.Kind.VILLAGE, owner_org=world.branch_a, active_from=D(2023, 4, 1))
    other = TeamFactory(name="二号驻村队", kind=Team.Kind.VILLAGE, owner_org=world.branch_a, active_from=D(2023, 1, 1))
    services.membership_add(acting_user=world.owner, team=village, member=people["老王"], start_on=D(2023, 4, 1))
    services.membership_add(acting_user=world.owner, team=other, member=people["小赵"], start_on=D(2023, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.team_rotate(
            acting_user=world.owner, team=village, on_date=D(2025, 4, 1), joining=[(people["小赵"], R.MEMBER)]
        )
    assert "二号驻村队" in exc.value.message_dict["member"][0]
    assert TeamMembership.objects.get(team=village).end_on is None  # the leaving side was rolled back


def test_exclusive_kinds_refuse_overlaps_and_others_allow_them(world, people):
    first = TeamFactory(kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    second = TeamFactory(kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    services.membership_add(acting_user=world.owner, team=first, member=people["老王"], start_on=D(2024, 1, 1))
    with pytest.raises(ValidationError, match="同一时间只能参加一支"):
        services.membership_add(acting_user=world.owner, team=second, member=people["老王"], start_on=D(2024, 6, 1))
    with pytest.raises(ValidationError, match="已是本队成员"):
        services.membership_add(acting_user=world.owner, team=first, member=people["老王"], start_on=D(2024, 6, 1))
    volunteers = [TeamFactory(kind=Team.Kind.VOLUNTEER, owner_org=world.branch_a) for _ in range(2)]
    for team in volunteers:
        services.membership_add(acting_user=world.owner, team=team, member=people["老王"], start_on=D(2024, 6, 1))
    # After leaving the first commando team, joining another is fine.
    membership = TeamMembership.objects.get(team=first)
    services.membership_end(acting_user=world.owner, membership=membership, end_on=D(2024, 5, 31))
    services.membership_add(acting_user=world.owner, team=second, member=people["老王"], start_on=D(2024, 6, 1))


def test_membership_dates_must_fit_the_team(world, people):
    team = TeamFactory(owner_org=world.branch_a, active_from=D(2024, 1, 1))
    with pytest.raises(ValidationError, match="组建日期"):
        services.membership_add(acting_user=world.owner, team=team, member=people["老王"], start_on=D(2023, 12, 31))
    with pytest.raises(ValidationError, match="不能早于起始日期"):
        services.membership_add(
            acting_user=world.owner, team=team, member=people["老王"], start_on=D(2024, 2, 1), end_on=D(2024, 1, 1)
        )


def test_outsiders_members_cannot_be_added(world):
    team = TeamFactory(owner_org=world.branch_a)
    stranger = MemberFactory(branch=world.branch_b)
    with pytest.raises(ValidationError, match="不在您的管理范围"):
        services.membership_add(acting_user=world.owner, team=team, member=stranger, start_on=D(2024, 1, 1))


def test_zone_handover_keeps_history(world, people):
    zone = ZoneFactory(name="长山镇责任区", owner_org=world.branch_a)
    services.zone_assign(acting_user=world.owner, zone=zone, member=people["老王"], start_on=D(2023, 1, 1))
    services.zone_assign(acting_user=world.owner, zone=zone, member=people["老李"], start_on=D(2024, 7, 1))
    rows = list(ZoneAssignment.objects.filter(zone=zone).order_by("start_on"))
    assert [(a.member.name, a.end_on) for a in rows] == [("老王", D(2024, 6, 30)), ("老李", None)]
    with pytest.raises(ValidationError):
        services.zone_assign(acting_user=world.owner, zone=zone, member=people["小张"], start_on=D(2024, 1, 1))


def test_post_assign_scope(world, people):
    post = PostFactory(owner_org=world.branch_b)
    with pytest.raises(PermissionDenied):
        services.post_assign(acting_user=world.owner, post=post, member=people["老王"], start_on=D(2024, 1, 1))


# Pages


def test_team_page_shows_roster_on_a_past_date(world, people, login):
    team = TeamFactory(name="驻村工作队", kind=Team.Kind.VILLAGE, owner_org=world.branch_a, active_from=D(2023, 4, 1))
    services.membership_add(acting_user=world.owner, team=team, member=people["老王"], start_on=D(2023, 4, 1))
    client = login(world.owner)
    response = client.post(
        reverse("teams:rotate", args=[team.pk]),
        {
            "on_date": "2025-04-01",
            "leaving": [team.memberships.get().pk],
            "lead": people["小赵"].pk,
            "lead_role": R.FIRST_SECRETARY,
            "reason": "轮换",
        },
    )
    assert response.status_code == 302
    today = client.get(reverse("teams:detail", args=[team.pk])).content.decode()
    assert "小赵" in today.split("成员变动历史")[0] and "老王" not in today.split("成员变动历史")[0]
    past = client.get(reverse("teams:detail", args=[team.pk]) + "?on=2024-06-01").content.decode()
    assert "老王" in past.split("成员变动历史")[0] and "小赵" not in past.split("成员变动历史")[0]


def test_team_pages_are_scoped(world, login):
    team = TeamFactory(owner_org=world.branch_a)
    assert login(world.outsider).get(reverse("teams:detail", args=[team.pk])).status_code == 404
    assert login(world.reader).get(reverse("teams:rotate", args=[team.pk])).status_code == 403
    listing = login(world.reader).get(reverse("teams:list")).content.decode()
    assert team.name in listing


def test_form_a_commando_team_through_the_pages(world, people, login):
    client = login(world.owner)
    response = client.post(
        reverse("teams:create"),
        {"name": "抗洪突击队", "kind": Team.Kind.COMMANDO, "owner_org": world.branch_a.pk, "active_from": "2024-07-01"},
    )
    team = Team.objects.get(name="抗洪突击队")
    assert response.status_code == 302
    url = reverse("teams:membership_add", args=[team.pk])
    for name, role in (("老王", R.LEADER), ("老李", R.MEMBER)):
        response = client.post(url, {"member": people[name].pk, "role": role, "start_on": "2024-07-01"})
        assert response.status_code == 302
    assert names(selectors.team_roster(user=world.owner, team=team, on_date=D(2024, 7, 2))) == [
        ("老李", R.MEMBER),
        ("老王", R.LEADER),
    ]


def test_roster_import_reports_rows_and_commits(world, people, tmp_path):
    from openpyxl import Workbook

    from xianfeng.imports import engine
    from xianfeng.imports.spec import ImportContext, get_spec

    commando = TeamFactory(name="第一突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    TeamFactory(name="第二突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["队伍", "姓名", "队内职务", "入队日期", "离队日期"])
    sheet.append(["第一突击队", "老王", "队长", "2024-01-01", None])
    sheet.append(["第一突击队", "老李", "队员", "2024-01-01", None])
    sheet.append(["第二突击队", "老王", "队员", "2024-03-01", None])  # already in a commando team
    sheet.append(["第三突击队", "小张", "队员", "2024-03-01", None])  # no such team
    sheet.append(["第一突击队", "无名氏", "队员", "2024-03-01", None])  # no such member
    sheet.append(["第一突击队", "小赵", "队员", "2024-03-01", "2024-02-01"])  # dates out of order
    path = tmp_path / "名册.xlsx"
    workbook.save(path)
    spec = get_spec("team_rosters")
    outcome = engine.run(spec, path, ImportContext(user=world.owner), commit=True)
    assert not outcome.committed
    errors = {(e.row, e.column): e.message for e in outcome.errors}
    assert "第 2 行" in errors[(4, "入队日期")]
    assert "找不到队伍" in errors[(5, "队伍")]
    assert "找不到该人员" in errors[(6, "姓名")]
    assert "不能早于起始日期" in errors[(7, "离队日期")]
    assert not TeamMembership.objects.exists()
    for row in (7, 6, 5, 4):
        sheet.delete_rows(row)
    workbook.save(path)
    outcome = engine.run(spec, path, ImportContext(user=world.owner), commit=True)
    assert outcome.committed and outcome.created == 2
    assert names(selectors.team_roster(user=world.owner, team=commando, on_date=D(2024, 2, 1))) == [
        ("老李", R.MEMBER),
        ("老王", R.LEADER),
    ]
