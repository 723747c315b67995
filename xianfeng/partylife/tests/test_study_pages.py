"""Study pages as people use them: a member's phone list with the big 已学习 button, the
secretary's items with completion rates and who has not studied, the year's study record and
its export."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from xianfeng.audit.models import AccessLog
from xianfeng.partylife import services_study as services
from xianfeng.partylife.models import StudyCompletion

from .factories_study import TODAY, study_world


@pytest.fixture
def w(world):
    return study_world(world)


def test_member_sees_their_items_overdue_in_red(w, login):
    client = login(w.vol)
    page = client.get(reverse("partylife:study_list")).content.decode()
    assert "我的学习" in page and "微课堂第1讲" in page and "支部学习文件" in page
    overdue = re.search(r'<div class="card border-danger" data-item="(\d+)" data-overdue', page)
    assert overdue and int(overdue.group(1)) == w.committee_item.pk
    assert page.count("data-complete") == 2
    assert "学习管理" not in page  # a member manages nothing


def test_member_marks_done_with_hours_prefilled(w, login):
    client = login(w.vol)
    url = reverse("partylife:study_complete", args=[w.branch_item.pk])
    form = client.get(url).content.decode()
    assert 'value="2.0"' in form  # the item's hours
    response = client.post(url, {"hours": "2.0", "completed_on": TODAY.isoformat(), "note": "已学"})
    assert response.status_code == 302
    assert StudyCompletion.objects.get().member == w.member
    page = client.get(reverse("partylife:study_list")).content.decode()
    assert page.count("data-complete") == 1 and "data-done" in page


def test_completing_twice_shows_the_error(w, login):
    services.study_complete(acting_user=w.vol, item=w.branch_item)
    client = login(w.vol)
    url = reverse("partylife:study_complete", args=[w.branch_item.pk])
    response = client.post(url, {"hours": "1", "completed_on": TODAY.isoformat()})
    assert response.status_code == 400 and "不能重复登记" in response.content.decode()


def test_huge_hours_is_a_field_error(w, login):
    client = login(w.vol)
    url = reverse("partylife:study_complete", args=[w.branch_item.pk])
    response = client.post(url, {"hours": "9" * 40, "completed_on": TODAY.isoformat()})
    assert response.status_code == 400 and not StudyCompletion.objects.exists()


def test_a_leader_without_a_member_gets_a_form_error(w, login):
    client = login(w.reader)
    url = reverse("partylife:study_complete", args=[w.branch_item.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"hours": "1", "completed_on": TODAY.isoformat()})
    assert response.status_code == 400 and "未关联党员信息" in response.content.decode()
    assert not StudyCompletion.objects.exists()


def test_secretary_sees_rates_and_who_has_not_studied(w, login):
    services.study_complete(acting_user=w.vol, item=w.branch_item)
    client = login(w.secretary)
    page = client.get(reverse("partylife:study_list")).content.decode()
    # branch_a's party members: 王学习, 赵同事, 钱预备 (the group below); 孙群众 is not a party member
    assert f'data-item="{w.branch_item.pk}"' in page and 'data-rate="1/3"' in page
    rows = client.get(reverse("partylife:study_list"), {"tab": "manage", "q": "微课堂"}, HTTP_HX_REQUEST="true")
    body = rows.content.decode()
    assert "<html" not in body and "微课堂第1讲" in body and "支部学习文件" not in body
    detail = client.get(reverse("partylife:study_detail", args=[w.branch_item.pk])).content.decode()
    assert detail.count("data-missing") == 2 and detail.count("data-completed") == 1
    roster = detail[detail.index("data-roster") : detail.index("</table>")]
    assert "赵同事" in roster and "孙群众" not in roster


def test_secretary_records_for_a_member_from_the_item_page(w, login):
    client = login(w.secretary)
    url = reverse("partylife:study_complete", args=[w.branch_item.pk])
    response = client.post(url, {"member": w.colleague.pk, "hours": "2", "completed_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert StudyCompletion.objects.get().member == w.colleague


def test_member_cannot_post_for_a_colleague(w, login):
    client = login(w.vol)
    url = reverse("partylife:study_complete", args=[w.branch_item.pk])
    client.post(url, {"member": w.colleague.pk, "hours": "2", "completed_on": TODAY.isoformat()})
    assert not StudyCompletion.objects.exists()


def test_clerk_pushes_an_item_with_the_form(w, login):
    client = login(w.owner)
    response = client.post(
        reverse("partylife:study_new"),
        {"org": w.branch_a.pk, "kind": "document", "title": "新文件", "published_on": TODAY.isoformat(), "hours": "1"},
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("partylife:study_new"),
        {"org": w.branch_b.pk, "kind": "document", "title": "越权", "published_on": TODAY.isoformat(), "hours": "1"},
    )
    assert bad.status_code == 400


def test_void_asks_to_confirm(w, login):
    client = login(w.owner)
    url = reverse("partylife:study_void", args=[w.branch_item.pk])
    assert "data-confirm" in client.get(url).content.decode()
    assert client.post(url, {"reason": "重复"}).status_code == 302
    w.branch_item.refresh_from_db()
    assert w.branch_item.is_voided


def test_study_record_totals(w, login):
    services.study_complete(acting_user=w.vol, item=w.branch_item, hours="3")
    services.study_complete(acting_user=w.vol, item=w.committee_item)
    services.study_complete(acting_user=w.secretary, item=w.committee_item, member=w.probationary, hours="0.5")
    client = login(w.secretary)
    page = client.get(reverse("partylife:study_record"), {"org": w.branch_a.pk, "year": TODAY.year}).content.decode()
    # 2 items for the three party members of branch_a (the group's member too): 6 expected, 3 done
    assert re.search(r"data-total-done>3<", page) and re.search(r"data-total-hours>4.5<", page)
    assert "王学习" in page and "钱预备" in page


def test_export_writes_access_log(w, login):
    services.study_complete(acting_user=w.vol, item=w.branch_item)
    response = login(w.owner).get(reverse("partylife:study_record_export"), {"org": w.branch_a.pk})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [row for row in book.active.iter_rows(values_only=True)]
    assert values[0][0] == "姓名" and any(r[0] == "王学习" and r[6] == 2.0 for r in values[1:])
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT, model="partylife.StudyCompletion").exists()
    assert login(w.secretary).get(reverse("partylife:study_record_export")).status_code == 403


def test_member_sees_only_their_own_record_row(w, login):
    services.study_complete(acting_user=w.vol, item=w.branch_item)
    services.study_complete(acting_user=w.colleague_user, item=w.branch_item)
    page = login(w.vol).get(reverse("partylife:study_record")).content.decode()
    assert "王学习" in page and "赵同事" not in page
    assert Decimal("2.0") == StudyCompletion.objects.get(member=w.member).hours


def test_home_panel_lists_what_is_left_to_study(w, login):
    services.study_complete(acting_user=w.vol, item=w.branch_item)
    page = login(w.vol).get(reverse("core:home")).content.decode()
    panel = page[page.index('data-home-panel="study"') :]
    assert "微课堂第1讲" in panel and "data-overdue" in panel and "支部学习文件" not in panel.split("</div>\n</div>")[0]
    assert 'data-home-panel="study"' not in login(w.owner).get(reverse("core:home")).content.decode()
