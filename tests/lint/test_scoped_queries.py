"""The lint rule that keeps views, forms and API modules behind the scoped entry point."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("lint_scoped_queries", ROOT / "scripts" / "lint_scoped_queries.py")
lint = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint)


def test_the_tree_has_no_unscoped_queries_in_views_forms_or_api():
    problems = [p for path in lint.checked_modules() for p in lint.offences(path.read_text(), str(path))]
    assert problems == []


def test_it_checks_every_app_view_form_and_api_module():
    names = {f"{p.parent.name}/{p.name}" for p in lint.checked_modules()}
    assert {"residents/views.py", "residents/api.py", "accounts/forms.py", "orgs/views.py"} <= names


def test_direct_queries_are_reported_with_their_line():
    source = "from x import Member\n\ndef view(request):\n    return Member.objects.filter(pk=1)\n"
    assert lint.offences(source, "members/views.py") == [
        "members/views.py:4: Member.objects bypasses scoped(); use a selector"
    ]


def test_managers_reached_through_a_module_and_get_object_or_404_are_reported():
    source = (
        "def view(request, pk):\n"
        "    a = models.Resident._default_manager.all()\n"
        "    b = Resident._base_manager.all()\n"
        "    return get_object_or_404(Resident, pk=pk)\n"
    )
    assert [line.split(": ", 1)[0] for line in lint.offences(source, "v.py")] == ["v.py:2", "v.py:3", "v.py:4"]


def test_an_empty_queryset_and_scoped_queries_are_allowed():
    source = (
        "def form(user):\n"
        "    none = Organization.objects.none()\n"
        "    return scoped(user, Organization, VIEW).filter(pk=1)\n"
    )
    assert lint.offences(source) == []
