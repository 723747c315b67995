"""Styled error pages in the interface language, and JSON errors under /api/ (DEBUG off)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from xianfeng.core.views import server_error


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False  # Django shows its templates/<code>.html only with DEBUG off


def test_out_of_scope_object_answers_the_styled_404(world, login):
    response = login(world.outsider).get(reverse("orgs:detail", args=[world.branch_a.pk]))
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-error-page="404"' in html
    assert "找不到这个页面" in html
    assert 'name="viewport"' in html  # fits a phone
    assert f'href="{reverse("core:home")}"' in html
    assert "内科党支部" not in html  # existence is not revealed


def test_read_only_user_gets_the_styled_403(world, login):
    response = login(world.reader).get(reverse("orgs:edit", args=[world.branch_a.pk]))
    assert response.status_code == 403
    assert "您没有权限进行此操作" in response.content.decode()


def test_error_page_follows_the_interface_language(world, login):
    client = login(world.outsider)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.get(reverse("orgs:detail", args=[world.branch_a.pk]))
    assert response.status_code == 404
    assert '<html lang="en">' in response.content.decode()


def test_api_keeps_its_json_error_shape(world, login):
    client = login(world.outsider)
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到（或不在您的权限范围内）", "errors": {}}


def test_500_needs_no_database_and_no_user():
    # No django_db mark: any query here would raise.
    response = server_error(RequestFactory().get("/orgs/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错了" in html and 'data-error-page="500"' in html


@pytest.mark.django_db
def test_csrf_failure_page_explains_what_to_do():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
