"""The seven roles of DESIGN.md §3, the scopes a grant can give, what each role may do, and how
sensitive each permission is.

Roles live in code, not in a table: what a role may do is part of the product's rules and
changes with a release, reviewed like any other rule. Grants (rows) attach a role to a user
over a scope. Permissions are "<app label>.<action>"; "app.*" allows every action on an app.
"""

from enum import IntEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    CLERK = "clerk", _("党办干事")
    SECRETARY = "secretary", _("支部书记/队长")
    MEMBER = "member", _("党员/志愿者")
    DOCTOR = "doctor", _("精防医生")
    LEADER = "leader", _("领导(只读)")
    AUDITOR = "auditor", _("审计员")
    # Issue 12: a psychological-aid hotline's duty staff log calls (health data) and nothing else;
    # no other ordinary role fits — a volunteer must not read calls, and a 精防医生 reads every
    # patient's record in full (DESIGN.md §3 lists seven roles; this eighth is deliberate).
    HOTLINE = "hotline", _("热线值守员")


class Scope(models.TextChoices):
    ALL = "all", _("全部")
    ORG_SUBTREE = "org_subtree", _("本组织及以下")
    ORG_ONLY = "org_only", _("本组织")
    REGION = "region", _("指定地区")
    SELF = "self", _("仅本人")


class Sensitivity(IntEnum):
    """How sensitive the data behind a permission is (DESIGN.md §3, PIPL art. 28).

    ORDINARY: names, places, organizations. PERSONAL: ID numbers and phones in full, exports
    of personal data. HEALTH: diagnoses, psychiatric tags, follow-ups, hotline calls — visible
    only to roles that hold a health-level permission over the record.
    """

    ORDINARY = 0
    PERSONAL = 1
    HEALTH = 2


# The action that opens health data of an app (a resident's psychiatric tag, a follow-up).
HEALTH = "health"

# Sensitivity by action and by app; the higher of the two applies. Apps whose every row is
# health data list themselves in HEALTH_APPS; programs mix both (a psychiatric follow-up, a
# pairing with a family) and mark health rows, which need "programs.health" (DESIGN.md §3).
ACTION_SENSITIVITY = {"reveal": Sensitivity.PERSONAL, "export": Sensitivity.PERSONAL, HEALTH: Sensitivity.HEALTH}
HEALTH_APPS = {"hotline"}


def sensitivity_of(permission: str) -> Sensitivity:
    app, _sep, action = permission.partition(".")
    level = ACTION_SENSITIVITY.get(action, Sensitivity.ORDINARY)
    if app in HEALTH_APPS:
        level = max(level, Sensitivity.HEALTH)
    return Sensitivity(level)


# Business apps a read-only reader sees; reference data (regions) is visible to everyone.
# Programs' health rows (psychiatric follow-ups) need "programs.health": leaders read their
# indicators as aggregated figures, secretaries and volunteers see pairing and monitoring.
_BUSINESS = [
    "orgs",
    "members",
    "teams",
    "residents",
    "servicelog",
    "programs",
    "reports",
    "hotlineroster",
    "needs",
    "materials",
    # Issue 13: organizational life, study, dues, party-building funds, emergencies and 请战书.
    "partylife",
    "study",
    "dues",
    "funds",
    "emergencies",
    "pledges",
]


def _view(*apps: str) -> set[str]:
    return {f"{app}.view" for app in apps}


ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: {"*"},
    Role.CLERK: _view(*_BUSINESS)
    | {
        "orgs.change",
        "regions.change",
        "members.change",
        "members.reveal",
        "members.export",
        "teams.change",
        "teams.export",
        # 党办 organizes activities and records them, and appoints branch secretaries and
        # volunteers: a grant needs every permission of the role it gives (no escalation).
        "servicelog.change",
        "programs.change",
        "accounts.view",
        "accounts.change",
        "imports.view",
        "imports.change",
        "reports.export",
        # Issue 12: the duty roster, the needs ledger, stock and the donation ledger.
        "hotlineroster.change",
        "needs.change",
        "needs.export",
        "materials.change",
        "materials.export",
        # Issue 13: 党办 keeps the committee's organizational life, dues, funds and crisis mode.
        "partylife.change",
        "partylife.export",
        "study.change",
        "dues.change",
        "dues.export",
        "funds.change",
        "funds.export",
        "emergencies.change",
        "emergencies.export",
        "pledges.change",
        # Issue 14: the offline phones of the subtree's users (last contact, revoke a lost one).
        "devices.view",
        "devices.change",
    },
    Role.SECRETARY: _view(*_BUSINESS)
    | {
        "members.change",
        "teams.change",
        "servicelog.change",
        "programs.change",
        "imports.view",
        "imports.change",
        "members.export",
        "hotlineroster.change",
        "needs.change",
        "materials.change",
        # Issue 13: the branch's 三会一课, study record, dues statement and budget; in a crisis the
        # secretary files the ward's reports and forms the branch's commando teams.
        "partylife.change",
        "study.change",
        "dues.change",
        "dues.export",
        "funds.change",
        "emergencies.change",
        "pledges.change",
        "devices.view",
        "devices.change",
    },
    # A volunteer sees residents and records their own services; health data (programs, a
    # resident's psychiatric tag) only through later, assignment-bound rules.
    # Programs: the pairings and visits assigned to them (and their organization's ordinary ones).
    # Issue 12: they record and work the needs assigned to them, read the duty roster (and ask
    # to swap their own duty) and the stock they hand out; hotline calls are not theirs to read.
    # Issue 13: their branch's meetings and study items and the emergencies of the orgs above
    # them; their own dues, study and 请战书 only (OWN_ONLY below).
    Role.MEMBER: _view(
        "orgs",
        "teams",
        "residents",
        "servicelog",
        "programs",
        "hotlineroster",
        "needs",
        "materials",
        "partylife",
        "emergencies",
        "dues",
        "study",
        "pledges",
    )
    | {"servicelog.change", "programs.change", "needs.change", "study.change", "pledges.change"}
    | {"devices.view", "devices.change"},
    Role.DOCTOR: _view("orgs", "residents", "servicelog", "programs", "reports")
    | {
        "residents.change",
        "residents.health",
        "residents.reveal",
        "residents.export",
        "servicelog.change",
        "servicelog.health",  # psychiatric follow-ups, screenings, hotline calls
        "programs.change",
        "programs.health",  # severe mental disorder enrollments and follow-ups
        "imports.view",
        "imports.change",
        # The psychiatrist on duty supervises the hotline: reads every call, handles escalations.
        "hotline.view",
        "hotline.change",
        "hotline.reveal",  # a callback number in full, to call back (logged)
        "hotline.export",
        "hotlineroster.view",
        "hotlineroster.change",
        "needs.view",
        "devices.view",
        "devices.change",
    },
    Role.LEADER: _view(*_BUSINESS)
    | {"reports.export", "needs.export", "materials.export", "partylife.export", "funds.export", "emergencies.export"},
    Role.AUDITOR: _view("orgs") | {"audit.view", "accounts.view"},
    Role.HOTLINE: _view("orgs", "teams", "hotlineroster")
    | {"hotline.view", "hotline.change", "hotline.reveal", "devices.view", "devices.change"},
}

# Permissions a role holds over its holder's own rows only, whatever the grant's scope (the
# model's ScopeSpec.owner): a volunteer whose grant covers their branch reads their own dues,
# marks their own study done and writes their own 请战书, never a colleague's (issue 13).
# Issue 14: everyone who works in the field sees and revokes their own offline devices only;
# 党办 manages those of its subtree's users.
_OWN_DEVICES = {"devices.view", "devices.change"}
OWN_ONLY: dict[str, set[str]] = {
    Role.MEMBER: {"dues.view", "study.view", "study.change", "pledges.view", "pledges.change"} | _OWN_DEVICES,
    Role.SECRETARY: _OWN_DEVICES,
    Role.DOCTOR: _OWN_DEVICES,
    Role.HOTLINE: _OWN_DEVICES,
}


def role_owns_only(role: str, permission: str) -> bool:
    return permission in OWN_ONLY.get(role, set())


# Roles whose holders may read their own ChangeLog rows regardless of audit rights.
READ_ONLY_ROLES = {Role.LEADER, Role.AUDITOR}


def role_allows(role: str, permission: str) -> bool:
    granted = ROLE_PERMISSIONS.get(role, set())
    if "*" in granted or permission in granted:
        return True
    app = permission.split(".", 1)[0]
    return f"{app}.*" in granted


def permissions_of(role: str) -> list[str]:
    return sorted(ROLE_PERMISSIONS.get(role, set()))


def role_level(role: str) -> Sensitivity:
    """The most sensitive kind of data a role's permissions open."""
    granted = ROLE_PERMISSIONS.get(role, set())
    if "*" in granted:
        return Sensitivity.HEALTH
    return max((sensitivity_of(p) for p in granted), default=Sensitivity.ORDINARY)
