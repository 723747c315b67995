"""The world of the sync tests, on top of the shared one (core/tests/fixtures.py):

    内科党支部 (branch_a) serves 孤山镇 (TOWN_A)
      volunteer  党员/志愿者 over branch_a only, member 王志愿, device "phone-1"
      residents  李大爷 and 12 villagers of VILLAGE_A (in reach); 外镇人 of VILLAGE_B (out of reach)
      activity   孤山镇义诊, held yesterday by branch_a
      checkin    the volunteer's enrollment in a 30-day check-in program (test only)

Helpers build outbox entries and post a batch the way the offline app does.
"""

import datetime
import uuid
from types import SimpleNamespace

from django.test import Client
from django.utils import timezone

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.devices.services import device_register
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.programs import services as program_services
from xianfeng.programs.interval import IntervalRule, derive_interval
from xianfeng.programs.registry import Program, VisitKind
from xianfeng.residents.tests.factories import TOWN_A, VILLAGE_A, VILLAGE_B, ResidentFactory, county_regions
from xianfeng.servicelog import services_activities

SYNC = "/api/offline/sync/"
DEVICE = "phone-1"
SECRET = "s" * 40
DAY = datetime.timedelta(days=1)


class CheckIn30(Program):
    """A contact every 30 days. Test only."""

    code = "test_sync_checkin"
    name = "测试联系"
    visit_kinds = (
        VisitKind(
            "contact",
            "联系",
            ("medicine_delivery", "health_consult"),
            ({"key": "score", "label": "评分", "kind": "integer", "min": 0, "max": 5},),
        ),
    )

    def derive(self, *, enrolled_on, data, visits, settings, periods=()):
        return derive_interval(IntervalRule(30), enrolled_on=enrolled_on, visits=visits)


def build(world) -> SimpleNamespace:
    regions = county_regions()
    world.branch_a.regions.add(regions[TOWN_A])
    w = SimpleNamespace(world=world, regions=regions)
    w.volunteer = user_with_grant(Role.MEMBER, Scope.ORG_ONLY, world.branch_a, username="vol")
    w.member = MemberFactory(name="王志愿", branch=world.branch_a, user=w.volunteer)
    w.resident = ResidentFactory(name="李大爷", village_id=VILLAGE_A, birth_date=datetime.date(1950, 1, 1))
    w.villagers = [
        ResidentFactory(name=f"村民{i:02d}", village_id=VILLAGE_A, birth_date=datetime.date(1960, 1, 1 + i))
        for i in range(12)
    ]
    w.stranger = ResidentFactory(name="外镇人", village_id=VILLAGE_B, birth_date=datetime.date(1970, 5, 5))
    w.device = device_register(acting_user=w.volunteer, client_id=DEVICE, secret=SECRET, label="王志愿的手机").device
    w.activity = services_activities.activity_create(
        acting_user=w.volunteer,
        title="孤山镇义诊",
        start_at=timezone.now() - DAY,
        status="held",
        region=regions[VILLAGE_A],
    ).activity
    return w


def enroll(w, *, program: str = CheckIn30.code, resident=None, enrolled_on=None):
    return program_services.enrollment_create(
        acting_user=w.volunteer,
        program=program,
        resident=resident or w.resident,
        responsible_member=w.member,
        enrolled_on=enrolled_on or timezone.localdate() - 40 * DAY,
    )


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entry(kind: str, payload: dict, *, user, client_id: str | None = None, made_at=None, date_defaulted=False) -> dict:
    return {
        "client_id": client_id or str(uuid.uuid4()),
        "kind": kind,
        "user_id": user.pk,
        "made_at": (made_at or timezone.now()).isoformat(),
        "date_defaulted": date_defaulted,
        "payload": payload,
    }


def delivery(w, **extra) -> dict:
    """A home medicine delivery to 李大爷, today (on the phone)."""
    return {"service_type": "medicine_delivery", "resident_id": w.resident.pk, **extra}


def sync(client, entries: list[dict], *, device: str = DEVICE, sent_at=None, pending: int | None = None):
    body = {
        "sent_at": (sent_at or timezone.now()).isoformat(),
        "pending": len(entries) if pending is None else pending,
        "entries": entries,
    }
    return client.post(SYNC, body, content_type="application/json", HTTP_X_XIANFENG_DEVICE=device)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]
