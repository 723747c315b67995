"""The team roster import: the scope is re-checked after writing and each membership logged."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from xianfeng.audit.models import ChangeLog
from xianfeng.core.text import normalize_name
from xianfeng.imports.models import ImportJob
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.teams.imports import TeamRosterImport
from xianfeng.teams.models import Team, TeamMembership

from .factories import TeamFactory


def roster(rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(["队伍", "姓名", "队内职务", "入队日期"])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes) -> ImportJob:
    response = client.post(
        reverse("imports:upload", args=["team_rosters"]), {"file": SimpleUploadedFile("名册.xlsx", content)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.latest("pk")


def test_roster_import_refuses_a_team_outside_the_importers_scope(world, login, monkeypatch):
    """A row naming another branch's team that got past the team lookup (a crafted file, a bug
    in the lookup) is refused by the re-check after writing; nothing is written."""
    TeamFactory(name="第一突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    TeamFactory(name="外科突击队", kind=Team.Kind.MEDICAL, owner_org=world.branch_b)
    MemberFactory(name="老王", branch=world.group_a)
    MemberFactory(name="老李", branch=world.group_a)
    prepare = TeamRosterImport.prepare

    def leaky_prepare(self, ctx):
        prepare(self, ctx)
        for team in Team.objects.all():
            ctx.state["teams"].setdefault(normalize_name(team.name), [team])

    monkeypatch.setattr(TeamRosterImport, "prepare", leaky_prepare)
    client = login(world.owner)
    job = upload(
        client, roster([["第一突击队", "老王", "队员", "2024-01-01"], ["外科突击队", "老李", "队员", "2024-01-01"]])
    )
    assert job.error_count == 0, job.issues
    client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "不在您可管理的范围内" in job.message
    assert not TeamMembership.objects.exists()


def test_committed_roster_import_logs_each_membership(world, login):
    team = TeamFactory(name="第一突击队", kind=Team.Kind.COMMANDO, owner_org=world.branch_a)
    MemberFactory(name="老王", branch=world.group_a)
    MemberFactory(name="老李", branch=world.group_a)
    client = login(world.owner)
    job = upload(
        client, roster([["第一突击队", "老王", "队长", "2024-01-01"], ["第一突击队", "老李", "队员", "2024-01-01"]])
    )
    client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED
    logs = ChangeLog.objects.filter(model="teams.TeamMembership", action="create")
    assert sorted(logs.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in TeamMembership.objects.values_list("pk", flat=True)
    )
    assert all(log.user == world.owner and log.org_path == team.owner_org.path for log in logs)
    leader = logs.get(after__role="leader")
    assert leader.object_repr == "第一突击队 · 老王 · 队长" and "批量导入" in leader.note
