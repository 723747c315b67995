"""Objects of the needs area (民情台账) for the generated access matrix (xianfeng/core/tests/access.py).

A need belongs to its responsible organization (the relation's) and lies in the relation's
village, like a service record. OWN: a need assigned to the user under test's member (表三: the
member a need is assigned to always reaches it), responsible organization and place elsewhere.
Written directly with the model, without services: the matrix needs objects where no user may
put them.
"""

import datetime
import itertools

from django.utils import timezone

from xianfeng.core.tests.access import LABELS, OWN, object_maker
from xianfeng.members.models import Member
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.needs.models import Category, Need, Source, Status

_numbers = itertools.count(1)


def _assignee(world, relation, user):
    if relation != OWN:
        return None
    member = Member.objects.filter(user=user).first()
    return member or MemberFactory(name=f"{LABELS[OWN]}责任人{next(_numbers)}", branch=world.orgs[OWN], user=user)


@object_maker(Need, marker=lambda need: need.title)
def need(world, relation, user):
    if relation == OWN and user is None:
        return None
    today = timezone.localdate()
    row = Need(
        title=f"{LABELS[relation]}诉求{next(_numbers)}",
        description="行动不便，需要更换轮椅",
        category=Category.ASSISTIVE,
        source=Source.VISIT,
        raised_on=today - datetime.timedelta(days=3),
        org=world.orgs[relation],
        assigned_member=_assignee(world, relation, user),
        due_on=today + datetime.timedelta(days=7),
        status=Status.OPEN,
    )
    row.set_place(world.villages[relation])
    row.save()
    return row
