"""Lint: views, forms and API modules never query a model around the scoped entry point.

DESIGN.md §3: every business query starts from ``xianfeng.accounts.scoping.scoped()``; reads
live in selectors (which start from it), writes in services. A view, form or API module that
writes ``Model.objects...``, ``Model._default_manager``/``_base_manager`` or
``get_object_or_404(Model, ...)`` bypasses it, so the build fails on it (after Zulip's lint
rules for banned patterns). ``Model.objects.none()`` is allowed: it returns no rows.

Usage: python scripts/lint_scoped_queries.py [paths...]   (exit 1 and one line per offence)
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGERS = {"objects", "_default_manager", "_base_manager"}
BANNED_CALLS = {"get_object_or_404", "get_list_or_404"}
CHECKED_PREFIXES = ("views", "forms", "api")


def checked_modules(root: Path = ROOT) -> list[Path]:
    """views*.py, forms*.py and api*.py of every app, tests and migrations excluded."""
    modules = []
    for path in sorted((root / "xianfeng").glob("*/*.py")):
        if path.name.startswith(CHECKED_PREFIXES):
            modules.append(path)
    return modules


def _is_none_call(node: ast.Attribute, parents: dict) -> bool:
    """``X.objects.none()``: the attribute chain ends in a call of none()."""
    parent = parents.get(node)
    if not (isinstance(parent, ast.Attribute) and parent.attr == "none"):
        return False
    return isinstance(parents.get(parent), ast.Call)


def _model_name(node: ast.expr) -> str | None:
    """``Member`` in ``Member.objects`` or ``models.Member.objects``: a capitalized name."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    return name if name and name[0].isupper() else None


def offences(source: str, filename: str = "<string>") -> list[str]:
    tree = ast.parse(source, filename)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS and _model_name(node.value):
            if node.attr == "objects" and _is_none_call(node, parents):
                continue
            name = _model_name(node.value)
            found.append(
                (node.lineno, f"{filename}:{node.lineno}: {name}.{node.attr} bypasses scoped(); use a selector")
            )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in BANNED_CALLS:
            found.append(
                (node.lineno, f"{filename}:{node.lineno}: {node.func.id}() bypasses scoped(); use get_scoped_or_404")
            )
    return [message for _line, message in sorted(found)]


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or checked_modules()
    problems = []
    for path in paths:
        shown = path.relative_to(ROOT) if path.is_absolute() and path.is_relative_to(ROOT) else path
        problems.extend(offences(path.read_text(encoding="utf-8"), str(shown)))
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
