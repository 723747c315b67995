"""Reads access_expectations.md: the people-readable table the access matrix is checked against.

Nothing here looks at roles.py or scoped(): the answers come from the Markdown file alone.
"""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from xianfeng.core.tests.access import OWN, RELATIONS

EXPECTATIONS_FILE = Path(__file__).with_name("access_expectations.md")

VIEW, CHANGE, REVEAL, EXPORT, HEALTH = "view", "change", "reveal", "export", "health"
ACTIONS = (VIEW, CHANGE, REVEAL, EXPORT, HEALTH)
SCOPES = ("all", "org_subtree", "org_only", "region", "self")
ROLES = ("admin", "clerk", "secretary", "member", "doctor", "leader", "auditor", "hotline")
YES, NO = "✓", "✗"


def _last_word(path: str) -> str:
    return path.strip("/").rsplit("/", 1)[-1]


def is_administrator(role: str, scope: str) -> bool:
    return role == "admin" and scope == "all"


@dataclass
class Expectations:
    legend: dict[str, set[str]] = field(default_factory=dict)  # word -> actions
    rights: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # role -> area -> actions
    reach: dict[tuple[str, str], bool] = field(default_factory=dict)  # (relation, scope) -> reached
    # (area, relations, actions, scopes, reached, whatever the role, not for administrators)
    exceptions: list[tuple[str, set[str], set[str], set[str], bool, bool, bool]] = field(default_factory=list)
    admin_words: set[str] = field(default_factory=set)  # 表八
    not_to_self_words: set[str] = field(default_factory=set)  # 表九
    words: dict[str, str] = field(default_factory=dict)  # path word -> action
    shown: set[tuple[str, str]] = field(default_factory=set)  # (area, relation) whose names may appear
    areas: dict[str, str] = field(default_factory=dict)  # "app.Model" -> area, where not the app
    own_only: set[tuple[str, str, str]] = field(default_factory=set)  # (role, area, action): own rows only
    public_pages: set[str] = field(default_factory=set)  # 表十: addresses open without signing in
    public_api: set[str] = field(default_factory=set)  # 表十: API paths (OpenAPI form) open to anyone
    admin_pages: set[str] = field(default_factory=set)  # 表十一: operations pages for administrators only

    def area_of(self, model) -> str:
        return self.areas.get(model._meta.label, model._meta.app_label)

    def holds(self, role: str, area: str, action: str) -> bool:
        areas = self.rights[role]
        if area not in areas:
            raise KeyError(f"data area {area!r} is not in 表一 of {EXPECTATIONS_FILE.name}: add a row for it")
        return action in areas[area]

    def _exception(self, area: str, action: str, scope: str, relation: str, role: str = ""):
        for row in self.exceptions:
            a, relations, actions, scopes, _reached, _any_role, not_for_admins = row
            if not_for_admins and is_administrator(role, scope):
                continue
            if area == a and relation in relations and action in actions and scope in scopes:
                return row
        return None

    def reaches(self, area: str, action: str, scope: str, relation: str, role: str = "") -> bool:
        if (role, area, action) in self.own_only:  # 表三 仅限本人: whatever the scope, own rows only
            return relation == OWN
        row = self._exception(area, action, scope, relation, role)
        if row is not None:
            return row[4]
        return self.reach[(relation, scope)]

    def allowed(self, role: str, area: str, action: str, scope: str, relation: str) -> bool:
        row = self._exception(area, action, scope, relation, role)
        if row is not None and row[5]:
            return row[4]
        return self.holds(role, area, action) and self.reaches(area, action, scope, relation, role)

    def admin_only(self, path: str) -> bool:
        """表八: an address only an administrator may use (and not about themselves)."""
        return _last_word(path) in self.admin_words

    def not_to_self(self, path: str) -> bool:
        """表九: an address nobody may use about their own account."""
        return _last_word(path) in self.not_to_self_words

    def visible(self, role: str, area: str, scope: str, relation: str) -> bool:
        """Whether an object exists for this user at all (else 404, absent from lists)."""
        return self.allowed(role, area, VIEW, scope, relation)

    def action_for(self, path: str, method: str) -> str:
        """表四: the last listed word of the path decides; else GET views and writes change."""
        segments = [s for s in path.strip("/").split("/") if s and not s.startswith(("<", "{"))]
        for segment in reversed(segments):
            if segment in self.words:
                return self.words[segment]
        return VIEW if method.upper() in ("GET", "HEAD") else CHANGE


def _sections(text: str) -> dict[str, list[list[list[str]]]]:
    """Heading prefix (e.g. "表一") -> its tables, each a list of rows of cells (header first)."""
    sections: dict[str, list[list[list[str]]]] = {}
    current = None
    table: list[list[str]] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].split()[0]
            sections[current] = []
            table = None
            continue
        if current is None:
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            if table is None:
                table = []
                sections[current].append(table)
            table.append(cells)
        else:
            table = None
    return sections


def _codes(cell: str, known) -> set[str]:
    return {token for token in re.split(r"[\s,，、]+", cell) if token in known}


def _actions(legend, cell: str) -> set[str]:
    result: set[str] = set()
    for word in cell.split():
        if word not in legend:
            raise ValueError(f"unknown word {word!r} in {EXPECTATIONS_FILE.name}; the legend (表零) has {list(legend)}")
        result |= legend[word]
    return result


def _mark(cell: str) -> bool:
    if cell.startswith(YES):
        return True
    if cell.startswith(NO):
        return False
    raise ValueError(f"expected {YES} or {NO}, found {cell!r} in {EXPECTATIONS_FILE.name}")


def parse(text: str) -> Expectations:
    sections = _sections(text)
    exp = Expectations()

    for word, action_cell, _meaning in sections["表零"][0][1:]:
        exp.legend[word] = _codes(action_cell, ACTIONS)

    header, *rows = sections["表一"][0]
    roles = [cell.split()[-1] for cell in header[1:]]
    assert sorted(roles) == sorted(ROLES), f"表一 must have one column per role, found {roles}"
    exp.rights = {role: {} for role in roles}
    for row in rows:
        area = row[0].split()[0]
        for role, cell in zip(roles, row[1:], strict=True):
            exp.rights[role][area] = _actions(exp.legend, cell)

    reach_table = next(t for t in sections["表二"] if any("org_subtree" in c for c in t[0]))
    header, *rows = reach_table
    scopes = [cell.split()[-1] for cell in header[1:]]
    assert sorted(scopes) == sorted(SCOPES), f"表二 must have one column per scope kind, found {scopes}"
    for row in rows:
        relation = row[0]
        assert relation in RELATIONS, f"unknown relation {relation!r} in 表二"
        for scope, cell in zip(scopes, row[1:], strict=True):
            exp.reach[(relation, scope)] = _mark(cell)
    missing = {(r, s) for r in RELATIONS for s in SCOPES} - set(exp.reach)
    assert not missing, f"表二 lacks {sorted(missing)}"

    exceptions_table, *own_only_tables = sections["表三"]
    for area, relations, action_cell, scope_cell, reached, any_role, not_admin, _why in exceptions_table[1:]:
        exp.exceptions.append(
            (
                area,
                _codes(relations, RELATIONS),
                _actions(exp.legend, action_cell),
                _codes(scope_cell, SCOPES),
                _mark(reached),
                _mark(any_role),
                _mark(not_admin),
            )
        )

    for own_only_table in own_only_tables:  # 仅限本人: area, role, actions
        for area, role_cell, action_cell, _why in own_only_table[1:]:
            role = role_cell.split()[0]
            assert role in ROLES, f"unknown role {role!r} in 表三 仅限本人"
            exp.own_only |= {(role, area, action) for action in _actions(exp.legend, action_cell)}

    for word, action_cell, _example in sections["表四"][0][1:]:
        (action,) = _actions(exp.legend, action_cell)
        exp.words[word] = action

    for area, relations, _why in sections["表六"][0][1:]:
        exp.shown |= {(area, relation) for relation in _codes(relations, RELATIONS)}

    for word, _why in sections["表八"][0][1:]:
        exp.admin_words.add(word)

    for word, _why in sections["表九"][0][1:]:
        exp.not_to_self_words.add(word)

    for label, area, _why in sections["表七"][0][1:]:
        exp.areas[label] = area

    for public_table in sections.get("表十", []):  # issue 14: the offline app's shell and status check
        for address, kind, _why in public_table[1:]:
            assert kind in ("page", "api"), f"表十: kind must be page or api, found {kind!r}"
            (exp.public_pages if kind == "page" else exp.public_api).add(address)
    for admin_table in sections.get("表十一", []):  # issue 15: the IT office's status page
        for address, _why in admin_table[1:]:
            exp.admin_pages.add(address)
    return exp


@cache
def load() -> Expectations:
    return parse(EXPECTATIONS_FILE.read_text(encoding="utf-8"))
