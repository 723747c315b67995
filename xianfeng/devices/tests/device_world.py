"""The world of the device tests, on top of the shared one (core/tests/fixtures.py):

    内科党支部 (branch_a) serves 孤山镇 (TOWN_A); 外科党支部 (branch_b) serves 前阳镇 (TOWN_B)
      volunteer  党员/志愿者 over branch_a's subtree, member 王志愿, in team 甲队
      doctor     精防医生 over branch_a's subtree, member 赵医生
      张三        a resident of VILLAGE_A with a known ID number and phone, paired with 王志愿
      外镇人      a resident of VILLAGE_B (out of the volunteer's reach)

Helpers register devices the way the offline app does (a signed-in POST) and read answers.
"""

import datetime
from types import SimpleNamespace

from django.test import Client
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs import services as program_services
from xianfeng.residents.tests.factories import (
    TOWN_A,
    TOWN_B,
    VILLAGE_A,
    VILLAGE_B,
    ResidentFactory,
    county_regions,
    make_id_number,
)
from xianfeng.teams import services as team_services
from xianfeng.teams.models import Team

REGISTER = "/api/offline/devices/register/"
STATUS = "/api/offline/status/"
WIPED = "/api/offline/wiped/"
SNAPSHOT = "/api/offline/snapshot/"
DEVICES = "/api/offline/devices/"
SECRET = "k" * 43
DAY = datetime.timedelta(days=1)
ID_NUMBER = make_id_number(datetime.date(1952, 4, 17), serial=321)
PHONE = "13812345678"


def build(world) -> SimpleNamespace:
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    world.branch_b.regions.add(regions[TOWN_B])
    w = SimpleNamespace(world=world, regions=regions, admin=world.admin)
    w.volunteer = user_with_grant(Role.MEMBER, Scope.ORG_SUBTREE, world.branch_a, username="vol", display_name="王志愿")
    w.member = MemberFactory(name="王志愿", branch=world.branch_a, user=w.volunteer)
    w.doctor = user_with_grant(Role.DOCTOR, Scope.ORG_SUBTREE, world.branch_a, username="doc", display_name="赵医生")
    w.doctor_member = MemberFactory(name="赵医生", branch=world.branch_a, user=w.doctor)
    w.zhang = ResidentFactory(
        name="张三",
        village_id=VILLAGE_A,
        birth_date=datetime.date(1952, 4, 17),
        id_number=ID_NUMBER,
        phone=PHONE,
    )
    w.stranger = ResidentFactory(name="外镇人", village_id=VILLAGE_B)
    start = timezone.localdate() - 400 * DAY
    w.team = team_services.team_create(
        acting_user=w.admin, name="甲队", kind=Team.Kind.VOLUNTEER, owner_org=world.branch_a, active_from=start
    )
    team_services.membership_add(acting_user=w.admin, team=w.team, member=w.member, start_on=start)
    return w


def pair(w, resident, *, member=None, days_ago: int = 40):
    """结对帮扶: the resident paired with the volunteer (a monthly contact is due)."""
    return program_services.enrollment_create(
        acting_user=w.admin,
        program="pairing",
        resident=resident,
        org=w.world.branch_a,
        responsible_member=member or w.member,
        enrolled_on=timezone.localdate() - days_ago * DAY,
    )


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register(client, client_id: str = "phone-1", secret: str = SECRET, label: str = "我的手机"):
    body = {"client_id": client_id, "secret": secret, "label": label}
    return client.post(
        REGISTER, body, content_type="application/json", HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131.0"
    )


def status(client_id: str = "phone-1", secret: str = SECRET, pending: int = 0):
    body = {"client_id": client_id, "secret": secret, "pending": pending}
    return Client().post(STATUS, body, content_type="application/json")


def snapshot(client, client_id: str = "phone-1"):
    return client.get(SNAPSHOT, HTTP_X_XIANFENG_DEVICE=client_id)
