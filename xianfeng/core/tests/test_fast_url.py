"""{% url %} is reversed once per view name (issue 8) and must give exactly Django's answers."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize("pk", [1, 7, 42, 123456789012])
def test_integer_arguments_give_the_same_url_as_reverse(pk):
    assert _render("{% url 'residents:detail' pk %}", pk=pk) == reverse("residents:detail", args=[pk])
    assert _render("{% url 'orgs:edit' pk as u %}[{{ u }}]", pk=pk) == f"[{reverse('orgs:edit', args=[pk])}]"


def test_rows_of_a_list_each_get_their_own_url():
    rendered = _render("{% for r in rows %}{% url 'members:detail' r %};{% endfor %}", rows=[3, 30, 300])
    assert rendered == ";".join(reverse("members:detail", args=[n]) for n in (3, 30, 300)) + ";"


def test_other_arguments_go_through_django_unchanged():
    assert _render("{% url 'regions:detail' code %}", code="210681") == reverse("regions:detail", args=["210681"])
    assert _render("{% url 'imports:upload' 'residents' %}") == reverse("imports:upload", args=["residents"])
    assert _render("{% url 'core:home' %}") == reverse("core:home")


def test_a_wrong_name_still_fails_loudly():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'residents:no_such_page' 1 %}")
    assert _render("{% url 'residents:no_such_page' 1 as u %}[{{ u }}]") == "[]"
