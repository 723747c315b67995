"""Objects for the generated access matrix (see xianfeng/core/tests/access.py).

Residents and households belong to places: each lies in the village of its relation (a village
served by the grant's org, by its child, by the sibling, in the granted township, or nowhere
anyone serves); "own" ones were entered by the user under test, in a village nobody serves.
Every resident carries the health tag 严重精神障碍患者, which only roles with 健康 may see.
"""

import itertools

from xianfeng.core.tests.access import HEALTH_MARKERS, LABELS, OWN, object_maker
from xianfeng.residents.models import Household, Resident, ResidentMerge, ResidentTag, ResidentTagKind

from .factories import HouseholdFactory, ResidentFactory

HEALTH_MARKER = str(ResidentTagKind.SEVERE_MENTAL.label)
HEALTH_MARKERS["residents"] = HEALTH_MARKER

_numbers = itertools.count(1)


def _resident(world, relation, user, name: str) -> Resident:
    resident = ResidentFactory(
        name=name,
        village_id=world.villages[relation],
        created_by=user if relation == OWN else None,
        phone="13812345678",
    )
    ResidentTag.objects.create(resident=resident, tag=ResidentTagKind.SEVERE_MENTAL)
    return resident


@object_maker(Resident, marker=lambda resident: resident.name)
def resident(world, relation, user):
    return _resident(world, relation, user, f"{LABELS[relation]}居民")


@object_maker(Household, marker=lambda household: household.number)
def household(world, relation, user):
    return HouseholdFactory(
        village_id=world.villages[relation],
        number=f"{LABELS[relation]}户{next(_numbers)}",
        created_by=user if relation == OWN else None,
    )


@object_maker(ResidentMerge, marker=lambda merge: merge.keeper.name)
def merge(world, relation, user):
    keeper = _resident(world, relation, user, f"{LABELS[relation]}合并保留")
    merged = ResidentFactory(
        village_id=keeper.village_id, name=keeper.name, merged_into=keeper, created_by=keeper.created_by
    )
    return ResidentMerge.objects.create(keeper=keeper, merged=merged, created_by=user if relation == OWN else None)
