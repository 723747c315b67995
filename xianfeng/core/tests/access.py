"""How the generated access matrix finds test objects for each model.

Every app whose views or API operations show a model registers, in ``<app>/tests/access.py``,
a maker that places one object of that model in a given *relation* to the grant under test:

    @object_maker(Organization)
    def org(world, relation, user):
        return world.orgs.get(relation)

``relation`` is one of RELATIONS (see the table in
xianfeng/accounts/tests/access_expectations.md): in the grant's org (``world.orgs[IN_ORG]``,
a branch), in its child org, in a sibling org, in the granted region, elsewhere, or owned by
``user`` (the user under test). Places are given by the matrix world:

    world.orgs[relation]    the organization of that relation (OWN: an org nobody is granted)
    world.villages[relation] the village code of that relation (served by world.orgs[relation];
                             IN_REGION: in the granted township; ELSEWHERE/OWN: served by nobody)
    world.towns[relation]   the township code of that relation

A maker returns a saved object, or None when the model has no place in that relation (a party
member lies in no region; an organization has no owner). ``marker`` gives the text that shows the
object on a page, in JSON or in a spreadsheet: the matrix asserts it is absent wherever the
object is out of reach, so it must be unique (makers use the relation's label, LABELS).
The matrix fails for any view whose model has no maker, so a new view is covered the day it is
added.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

IN_ORG = "in_org"
IN_CHILD = "in_child"
IN_SIBLING = "in_sibling"
IN_REGION = "in_region"
ELSEWHERE = "elsewhere"
OWN = "own"
RELATIONS = (IN_ORG, IN_CHILD, IN_SIBLING, IN_REGION, ELSEWHERE, OWN)

# Unique words that makers put in names, so that a marker never matches other page text.
LABELS = {
    IN_ORG: "甲本级",
    IN_CHILD: "乙下级",
    IN_SIBLING: "丙平级",
    IN_REGION: "丁地区",
    ELSEWHERE: "戊别处",
    OWN: "己本人",
}


@dataclass(frozen=True)
class Maker:
    make: Callable  # (world, relation, user) -> saved object | None
    marker: Callable  # (object) -> str


MAKERS: dict[type, Maker] = {}

# Text that shows health data of an area (a psychiatric tag, a follow-up's type): the matrix
# asserts it is absent from every page and API answer of that area for roles without 健康.
# Makers of health data register it: ``HEALTH_MARKERS["residents"] = "严重精神障碍患者"``.
HEALTH_MARKERS: dict[str, str] = {}

# Areas whose pages show objects carrying another area's health data, area -> those areas: the
# matrix also asserts that area's health marker is absent from them for roles without its 健康
# (a shift's page lists the calls logged to it: ``HEALTH_SEEN_IN["hotlineroster"] = {"hotline"}``).
HEALTH_SEEN_IN: dict[str, set[str]] = {}


def object_maker(model, marker: Callable = str):
    def register(function):
        MAKERS[model] = Maker(make=function, marker=marker)
        return function

    return register


def load_makers() -> dict[type, Maker]:
    autodiscover_modules("tests.access")
    return MAKERS
