"""The roster export (issue 7): user text never becomes a live formula, ID numbers masked by
the masking rule, rows limited to the export scope, and every export logged."""

import datetime
import io

from django.urls import reverse
from openpyxl import load_workbook

from xianfeng.audit.models import AccessLog
from xianfeng.members.tests.factories import MemberFactory, make_id_number
from xianfeng.teams import services

from .factories import TeamFactory


def test_roster_export_writes_formulas_as_text_and_masks_id_numbers(world, login):
    member = MemberFactory(
        name='=HYPERLINK("http://x.example","点我")',
        branch=world.group_a,
        id_number=make_id_number(),
        department="@SUM(1+1)",
    )
    team = TeamFactory(owner_org=world.branch_a)
    services.membership_add(acting_user=world.owner, team=team, member=member, start_on=datetime.date(2024, 1, 1))
    response = login(world.owner).get(reverse("teams:export", args=[team.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    name, identifier, department = (sheet.cell(row=2, column=c) for c in (1, 3, 5))
    assert name.data_type != "f" and name.value.startswith("'=")
    assert department.data_type != "f" and department.value == "'@SUM(1+1)"
    assert identifier.value == "2106" + "*" * 14
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT, user=world.owner).count() == 1
    assert login(world.outsider).get(reverse("teams:export", args=[team.pk])).status_code == 404
