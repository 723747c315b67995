"""Objects for the generated access matrix (see xianfeng/core/tests/access.py).

Records and activities are counted facts: each belongs to the organization of its relation
and lies in that relation's village (in_region: organized by the org serving the granted
township; elsewhere: the committee, in a village nobody serves; own: entered by the user under
test, elsewhere). Beside every ordinary record the maker writes a health-level one (入户随访,
a psychiatric follow-up), whose type name no role without 健康 may ever see.
"""

import itertools
import secrets

from django.core.files.base import ContentFile

from xianfeng.core.tests.access import HEALTH_MARKERS, IN_REGION, LABELS, OWN, object_maker
from xianfeng.members.models import Member
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.servicelog.models import Activity, ActivityFile, ServiceRecord, ServiceType, VolunteerCertificate

from .factories import ActivityFactory, ServiceRecordFactory, service_type

HEALTH_TYPE = "followup_home"
HEALTH_MARKERS["servicelog"] = "入户随访"

_numbers = itertools.count(1)


def _org(world, relation):
    return world.orgs[relation]


def _creator(relation, user):
    return user if relation == OWN else None


@object_maker(ServiceType, marker=lambda stype: stype.name)
def catalogue_type(world, relation, user):
    # Reference data, in no organization or place: one ordinary type per relation.
    if relation == OWN:
        return None
    label = LABELS[relation]
    stype, _created = ServiceType.objects.get_or_create(
        code=f"matrix-{relation.replace('_', '-')}",
        defaults={"name": f"{label}服务类型", "category": "medical", "unit": "人次"},
    )
    return stype


@object_maker(ServiceRecord, marker=lambda record: record.note)
def record(world, relation, user):
    n = next(_numbers)
    common = dict(org=_org(world, relation), created_by=_creator(relation, user), place=world.villages[relation])
    ServiceRecordFactory(service_type=service_type(HEALTH_TYPE), note=f"{LABELS[relation]}健康{n}", **common)
    return ServiceRecordFactory(service_type=service_type("free_clinic"), note=f"{LABELS[relation]}服务{n}", **common)


@object_maker(Activity, marker=lambda activity: activity.title)
def activity(world, relation, user):
    return ActivityFactory(
        title=f"{LABELS[relation]}活动{next(_numbers)}",
        org=_org(world, relation),
        region_id=world.villages[relation],
        created_by=_creator(relation, user),
    )


@object_maker(ActivityFile, marker=lambda f: f.caption)
def activity_file(world, relation, user):
    owner = activity(world, relation, user)
    n = next(_numbers)
    item = ActivityFile(
        activity=owner,
        kind=ActivityFile.Kind.ATTACHMENT,
        original_name=f"evidence{n}.pdf",
        content_type="application/pdf",
        caption=f"{LABELS[relation]}附件{n}",
        uploaded_by=_creator(relation, user),
    )
    item.file.save(f"matrix-{n}-{secrets.token_hex(4)}.bin", ContentFile(b"%PDF-1.4 matrix"), save=False)
    item.size = item.file.size
    item.save()
    return item


@object_maker(VolunteerCertificate, marker=lambda c: c.number)
def certificate(world, relation, user):
    if relation == IN_REGION:  # issued by an organization to a member: no place
        return None
    n = next(_numbers)
    member = Member.objects.filter(user=user).first() if relation == OWN and user is not None else None
    member = member or MemberFactory(
        name=f"{LABELS[relation]}志愿者{n}", branch=_org(world, relation), user=user if relation == OWN else None
    )
    return VolunteerCertificate.objects.create(
        number=f"{LABELS[relation]}证明{n}",
        member=member,
        volunteer_name=member.name,
        volunteer_no=member.volunteer_no,
        period_start="2025-01-01",
        period_end="2025-12-31",
        hours="12.5",
        content="送药上门",
        issuing_org=_org(world, relation),
        person_in_charge="负责人",
        handler="经办人",
        contact="0415-1234567",
        issued_on="2026-01-05",
    )
