"""The seven roles of DESIGN.md §3, the scopes a grant can give, and what each role may do.

Roles live in code, not in a table: what a role may do is part of the product's rules and
changes with a release, reviewed like any other rule. Grants (rows) attach a role to a user
over a scope. Permissions are "<app label>.<action>"; "app.*" allows every action on an app.
"""

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


class Scope(models.TextChoices):
    ALL = "all", _("全部")
    ORG_SUBTREE = "org_subtree", _("本组织及以下")
    ORG_ONLY = "org_only", _("本组织")
    REGION = "region", _("指定地区")
    SELF = "self", _("仅本人")


# Business apps a read-only reader sees; reference data (regions) is visible to everyone.
_BUSINESS = ["orgs", "members", "teams", "residents", "servicelog", "programs", "reports"]


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
        "accounts.view",
        "accounts.change",
        "imports.view",
        "imports.change",
        "reports.export",
    },
    Role.SECRETARY: _view(*_BUSINESS)
    | {"members.change", "teams.change", "servicelog.change", "imports.view", "imports.change", "members.export"},
    Role.MEMBER: _view("orgs", "teams", "residents", "servicelog", "programs") | {"servicelog.change"},
    Role.DOCTOR: _view("orgs", "residents", "servicelog", "programs", "reports")
    | {
        "residents.change",
        "residents.reveal",
        "residents.export",
        "servicelog.change",
        "programs.change",
        "imports.view",
        "imports.change",
    },
    Role.LEADER: _view(*_BUSINESS) | {"reports.export"},
    Role.AUDITOR: _view("orgs") | {"audit.view", "accounts.view"},
}

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
