"""Demo data: a county hospital's party committee in 东港市 (Liaoning), the real townships
and villages of that county (names from the statistical codes; populations made up), and
one user per role with different scopes. Idempotent: running it again changes nothing."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from xianfeng.accounts import services as account_services
from xianfeng.accounts.models import User
from xianfeng.accounts.roles import Role, Scope
from xianfeng.demo.seed_devices import seed_devices
from xianfeng.demo.seed_emergency import seed_emergency
from xianfeng.demo.seed_emergency_people import seed_emergency_people
from xianfeng.demo.seed_hotline_calls import seed_hotline_calls
from xianfeng.demo.seed_hotline_roster import seed_hotline_roster
from xianfeng.demo.seed_materials import seed_materials
from xianfeng.demo.seed_needs import seed_needs
from xianfeng.demo.seed_partylife_dues import seed_partylife_dues
from xianfeng.demo.seed_partylife_meetings import seed_partylife_meetings
from xianfeng.demo.seed_partylife_study import seed_partylife_study
from xianfeng.demo.seed_people import seed_people
from xianfeng.demo.seed_programs import seed_programs
from xianfeng.demo.seed_residents import seed_residents
from xianfeng.demo.seed_retention import seed_archived_sign_ins
from xianfeng.demo.seed_services import seed_services
from xianfeng.imports import engine
from xianfeng.imports.spec import ImportContext, get_spec
from xianfeng.orgs import services as org_services
from xianfeng.orgs.models import Organization
from xianfeng.regions.models import Region

DATA = Path(__file__).resolve().parent / "data"
COUNTY = "210681"  # 东港市
DEMO_PASSWORD = "Xianfeng@2026"
K = Organization.Kind

# name, kind, parent name, active_from, active_to, region codes served
ORGS = [
    ("东港市中心医院党委", K.COMMITTEE, None, "1989-07-01", None, [COUNTY]),
    ("临床第一党总支", K.GENERAL_BRANCH, "东港市中心医院党委", "2005-03-01", None, []),
    ("内科党支部", K.BRANCH, "临床第一党总支", "2005-03-01", None, ["210681101", "210681104"]),
    ("内科第一党小组", K.GROUP, "内科党支部", "2012-05-01", None, []),
    ("外科党支部", K.BRANCH, "临床第一党总支", "2005-03-01", None, ["210681105"]),
    ("精神科党支部", K.BRANCH, "临床第一党总支", "2008-09-01", None, ["210681101", "210681106", "210681107"]),
    ("医技党总支", K.GENERAL_BRANCH, "东港市中心医院党委", "2006-01-01", None, []),
    ("检验影像党支部", K.BRANCH, "医技党总支", "2006-01-01", None, []),
    ("机关党支部", K.BRANCH, "东港市中心医院党委", "2001-07-01", None, []),
    ("援鄂医疗队临时党支部", K.TEMP_BRANCH, "东港市中心医院党委", "2020-02-08", "2020-04-12", []),
    (
        "驻村工作队临时党支部",
        K.TEMP_BRANCH,
        "东港市中心医院党委",
        "2023-04-01",
        None,
        ["210681113200"],
    ),  # 油坊村, where the village work team is stationed
    ("医院妇女委员会", K.WOMENS_FEDERATION, "东港市中心医院党委", "2010-03-08", None, []),
    ("护理部", K.DEPARTMENT, "东港市中心医院党委", "1995-01-01", None, []),
    ("心理健康志愿服务联盟", K.ALLIANCE, None, "2021-10-10", None, [COUNTY]),
    ("东港市阳光社会工作服务中心", K.SOCIAL_ORG, None, "2019-06-01", None, [COUNTY]),
]


@dataclass
class DemoLogin:
    username: str
    display_name: str
    role: str
    scope: str
    org: str | None = None
    regions: str = ""
    must_change_password: bool = False


LOGINS = [
    DemoLogin("admin", "系统管理员", Role.ADMIN, Scope.ALL, "东港市中心医院党委"),
    DemoLogin("dangban", "王党办", Role.CLERK, Scope.ORG_SUBTREE, "东港市中心医院党委"),
    DemoLogin("shuji", "李书记", Role.SECRETARY, Scope.ORG_SUBTREE, "内科党支部"),
    DemoLogin("dangyuan", "张志愿", Role.MEMBER, Scope.ORG_ONLY, "内科党支部"),
    DemoLogin("jingfang", "赵医生", Role.DOCTOR, Scope.REGION, "精神科党支部", regions="210681101"),
    DemoLogin("lingdao", "刘院长", Role.LEADER, Scope.ALL, "东港市中心医院党委"),
    DemoLogin("shenji", "陈审计", Role.AUDITOR, Scope.ALL, "机关党支部"),
    # Issue 12: the hotline's duty volunteer and its supervising psychiatrist.
    DemoLogin("rexian", "周值守", Role.HOTLINE, Scope.ORG_ONLY, "精神科党支部"),
    DemoLogin("dudao", "孙督导", Role.DOCTOR, Scope.ORG_SUBTREE, "精神科党支部"),
    DemoLogin("xinren", "新同事", Role.SECRETARY, Scope.ORG_SUBTREE, "外科党支部", must_change_password=True),
]


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def seed_regions(admin: User) -> int:
    if Region.objects.filter(code__startswith=COUNTY, level=Region.Level.VILLAGE).exists():
        return 0
    ctx = ImportContext(user=admin)
    outcome = engine.run(get_spec("regions"), DATA / "dongang_regions.csv", ctx, commit=True)
    if not outcome.ok:
        raise RuntimeError(f"demo regions did not import: {outcome.file_problem or outcome.errors[:3]}")
    return outcome.created


def seed_orgs(admin: User) -> dict[str, Organization]:
    orgs = {o.name: o for o in Organization.objects.all()}
    for name, kind, parent, active_from, active_to, regions in ORGS:
        if name in orgs:
            continue
        org = org_services.org_create(
            acting_user=admin,
            name=name,
            kind=kind,
            parent=orgs.get(parent),
            active_from=_date(active_from),
            regions=list(Region.objects.filter(code__in=regions)),
        )
        if active_to:
            org_services.org_dissolve(
                acting_user=admin, org=org, on_date=_date(active_to), reason="援鄂任务完成，医疗队返回"
            )
        orgs[name] = org
    alliance = orgs["心理健康志愿服务联盟"]
    if not alliance.partners.exists():
        org_services.org_update(
            acting_user=admin,
            org=alliance,
            partners=[orgs["东港市中心医院党委"], orgs["医院妇女委员会"], orgs["东港市阳光社会工作服务中心"]],
        )
    return orgs


def _ensure_admin() -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = account_services.user_create(
            acting_user=None,
            username="admin",
            password=DEMO_PASSWORD,
            display_name="系统管理员",
            must_change_password=False,
        )
    if not admin.grants.filter(role=Role.ADMIN, scope=Scope.ALL, active=True).exists():
        account_services.grant_create(acting_user=None, user=admin, role=Role.ADMIN, scope=Scope.ALL)
    return User.objects.get(pk=admin.pk)  # fresh object: grants are cached per instance


def seed_users(admin: User, orgs: dict[str, Organization]) -> None:
    if admin.org_id is None:
        User.objects.filter(pk=admin.pk).update(org=orgs["东港市中心医院党委"])
    for login in LOGINS:
        if login.username == "admin" or User.objects.filter(username=login.username).exists():
            continue
        user = account_services.user_create(
            acting_user=admin,
            username=login.username,
            password=DEMO_PASSWORD,
            display_name=login.display_name,
            org=orgs.get(login.org),
            must_change_password=login.must_change_password,
        )
        account_services.grant_create(
            acting_user=admin,
            user=user,
            role=login.role,
            scope=login.scope,
            org=orgs.get(login.org) if login.scope in (Scope.ORG_SUBTREE, Scope.ORG_ONLY) else None,
            region_prefixes=login.regions,
        )


@transaction.atomic
def seed() -> list[DemoLogin]:
    seed_archived_sign_ins()  # issue 15: first, so they are the oldest rows of the login chain
    admin = _ensure_admin()
    seed_regions(admin)
    orgs = seed_orgs(admin)
    seed_users(admin, orgs)
    seed_people(admin, orgs)
    seed_residents(admin)
    seed_services(admin, orgs)
    seed_programs(admin, orgs)
    # Issue 12: a staffed hotline month, the village work team's needs ledger, the mask
    # workshop and the donation drive.
    seed_hotline_roster(admin, orgs)
    seed_hotline_calls(admin, orgs)
    seed_needs(admin, orgs)
    seed_materials(admin, orgs)
    # Issue 13: a year of 内科党支部's organizational life (two meetings missing on purpose), the
    # committee's weekly micro-classroom with completions, honours and the hospital magazine; a
    # year of dues (one member six months in arrears) and of party-building funds.
    seed_partylife_meetings(admin, orgs)
    seed_partylife_study(admin, orgs)
    seed_partylife_dues(admin, orgs)
    # The committee's past epidemic: command structure, daily reports, 请战书 and commando teams,
    # the outbound team's families paired 1-to-1, a closed-ward roster, front-line applications.
    emergency = seed_emergency(admin, orgs)
    seed_emergency_people(admin, orgs, emergency)
    seed_devices(admin, orgs)
    return LOGINS
