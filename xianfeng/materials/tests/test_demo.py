"""The demo's mask workshop and donation drive: made through the services, idempotent, and the
stock, the ledger and the dashboard's quantities agree."""

from decimal import Decimal

from xianfeng.core.tests.factories import OrganizationFactory
from xianfeng.demo.seed_materials import seed_materials
from xianfeng.materials.ledger import ledger
from xianfeng.materials.models import Distribution, Receipt, Stock
from xianfeng.members.models import Member
from xianfeng.members.tests.factories import MemberFactory
from xianfeng.orgs.models import Organization
from xianfeng.residents.tests.factories import ResidentFactory
from xianfeng.servicelog.models import ActivityParticipant


def test_the_demo_seed_is_consistent_and_idempotent(mw):
    world = mw.world
    orgs = {
        "医院妇女委员会": OrganizationFactory(
            name="医院妇女委员会", kind=Organization.Kind.WOMENS_FEDERATION, parent=world.committee
        ),
        "东港市阳光社会工作服务中心": OrganizationFactory(
            name="东港市阳光社会工作服务中心", kind=Organization.Kind.SOCIAL_ORG
        ),
        "驻村工作队临时党支部": OrganizationFactory(name="驻村工作队临时党支部", parent=world.committee),
    }
    for n in range(3):
        MemberFactory(name=f"女职工{n}", gender=Member.Gender.FEMALE, branch=world.branch_a)
    ResidentFactory(name="村民甲", village_id="210681101200")
    seed_materials(world.admin, orgs)
    counts = (Receipt.objects.count(), Distribution.objects.count())
    seed_materials(world.admin, orgs)
    assert (Receipt.objects.count(), Distribution.objects.count()) == counts
    women = orgs["医院妇女委员会"]
    masks = Stock.objects.get(org=women, item__code="masks").quantity
    assert masks == Decimal("10000") - Decimal("3000") - Decimal("20") * 2  # the nursing home, two residents
    assert ActivityParticipant.objects.filter(activity__title="口罩生产车间").count() == 3
    result = ledger(world.admin)
    given = {(r.label, r.item): r for r in result.given}
    assert given[("孤山镇敬老院", "口罩")].quantity == Decimal("3000")
    assert given[("一线人员家属", "食品")].recipients == "63户"
    assert given[("东港市慈善总会", "善款")].quantity == Decimal("4000")
    donors = {r.label for r in result.received}
    assert "东港市粮油有限公司" in donors and "爱心人士" in donors and "王先生" not in donors
