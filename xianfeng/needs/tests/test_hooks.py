"""The needs ledger in other apps' pages: evidence records name their need (only to whoever may
see it), and the 工作台 panel lists my open needs, overdue first, and the overdue count for managers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xianfeng.needs import home, services
from xianfeng.needs.hooks import evidence_sources
from xianfeng.needs.models import Category

from .factories import DAY, TODAY, delivery, needs_world


@pytest.fixture
def w(world):
    return needs_world(world)


def _need(w, **kwargs):
    fields = dict(title="更换轮椅", category=Category.ASSISTIVE, resident=w.resident, raised_on=TODAY - 5 * DAY)
    fields.update(kwargs)
    return services.need_create(acting_user=w.secretary, **fields).need


def test_an_evidence_record_names_its_need_only_to_whoever_may_see_it(w):
    need = _need(w)
    record = delivery(w, resident=w.resident)
    other = delivery(w, resident=w.wife)
    services.need_resolve(acting_user=w.secretary, need=need, records=[record])
    url = reverse("needs:detail", args=[need.pk])
    assert evidence_sources([record, other], user=w.secretary) == {record.pk: ("解决民情：更换轮椅", url)}
    assert evidence_sources([record], user=w.outsider) == {}
    # Without a reader, the need is named by number only: no title leaks.
    assert evidence_sources([record]) == {record.pk: (f"民情诉求 #{need.pk}", url)}


def test_my_panel_lists_my_open_needs_overdue_first(w, login):
    later = _need(w, title="代购降压药", due_on=TODAY + 3 * DAY)
    late = _need(w, title="办理残疾证", due_on=TODAY - 2 * DAY)
    services.need_assign(acting_user=w.secretary, need=later, member=w.member)
    services.need_assign(acting_user=w.secretary, need=late, member=w.member)
    _need(w, title="别人的事")  # not mine
    html = login(w.volunteer).get("/").content.decode()
    panel = html[html.index("民情诉求") :]
    assert panel.index("办理残疾证") < panel.index("代购降压药")
    assert "别人的事" not in panel and "超期 2 天" in panel
    assert 'data-count="needs_overdue"' not in panel  # a volunteer is no manager


def test_a_managers_panel_counts_the_overdue_needs_in_scope(w, login):
    _need(w, due_on=TODAY - DAY)
    html = login(w.secretary).get("/").content.decode()
    assert 'data-count="needs_overdue">1<' in html and "?overdue=1" in html


def test_no_panel_when_there_is_nothing_to_say_and_two_queries_at_most(w, rf):
    request = rf.get("/")
    for user in (w.volunteer, w.secretary):
        # The user's grants, own member and owned ids are read once per request, by whichever
        # panel asks first (and kept on the user object): warm them, then count the panel's own.
        request.user = user
        home.needs_panel(request)
    request.user = w.volunteer
    with CaptureQueriesContext(connection) as queries:
        assert home.needs_panel(request) is None
    assert len(queries) <= 2
    _need(w, due_on=TODAY - DAY)
    request.user = w.secretary
    with CaptureQueriesContext(connection) as queries:
        assert home.needs_panel(request)["overdue"] == 1
    assert len(queries) <= 2
