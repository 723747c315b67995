"""The access table against ``scoped()`` directly, model by model (DESIGN.md §3, §4.12).

The generated matrix (test_access_matrix.py) requests pages and API operations, so a model is
checked only once a view shows it. This test asks the one entry point itself, for every model of
the issue-12 areas (the hotline, its roster, the needs ledger, materials and their catalogue) and
of the issue-13 areas (organizational life, the rules and study items pushed down, study records,
dues, funds, emergencies, 请战书, and the front-line applications of the members area):
for each role (表一, the eighth role 热线值守员 included), each scope kind (表二) and each relation
of an object to the grant, whether ``scoped(user, model, action)`` holds the object must agree
with what access_expectations.md says for 查看, 修改 and 导出 — answers read from the table,
never computed by scoped().
"""

import pytest

from xianfeng.accounts.scoping import scoped
from xianfeng.core.tests.access import OWN, RELATIONS, load_makers

from . import expectations, matrix
from .expectations import CHANGE, EXPORT, VIEW

EXP = expectations.load()
AREAS = {"hotline", "hotlineroster", "needs", "materials", "materialitems"}
ISSUE_13_AREAS = {"partylife", "partylifepushed", "study", "dues", "funds", "emergencies", "pledges"}
ISSUE_13_APPS = {"partylife", "emergencies"}
MODELS = sorted(
    (m for m in load_makers() if EXP.area_of(m) in AREAS | ISSUE_13_AREAS or m._meta.app_label in ISSUE_13_APPS),
    key=lambda m: m._meta.label,
)


def test_every_issue_12_and_13_area_has_models():
    assert {EXP.area_of(m) for m in MODELS} == AREAS | ISSUE_13_AREAS | {"members"}


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_scoped_agrees_with_the_table(world, model):
    maker = load_makers()[model]
    area = EXP.area_of(model)
    matrix.build_world(world)
    shared = {relation: maker.make(world, relation, None) for relation in RELATIONS if relation != OWN}
    wrong = []
    for role in expectations.ROLES:
        for scope in expectations.SCOPES:
            user = matrix.make_user(world, role, scope)
            objects = {**shared, OWN: maker.make(world, OWN, user)}
            for relation, obj in objects.items():
                if obj is None:
                    continue  # no place in that relation (a shift in a region, a catalogue row owned)
                for action in (VIEW, CHANGE, EXPORT):
                    expected = EXP.allowed(role, area, action, scope, relation)
                    got = scoped(user, model, action).filter(pk=obj.pk).exists()
                    if got != expected:
                        wrong.append(f"{role}/{scope} {action} {relation}: table says {expected}, scoped() {got}")
    assert wrong == [], f"{model.__name__}:\n" + "\n".join(wrong)
