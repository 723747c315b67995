"""Report templates are edited by administrators only, through services that refuse unknown
placeholders and personal data and log the change; the report pages answer by permission."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xianfeng.audit.models import ChangeLog
from xianfeng.reports.models import ReportTemplate
from xianfeng.reports.narrative_defaults import DEFAULT_TEMPLATES
from xianfeng.reports.services_templates import template_create, template_update

NARRATIVE = "/reports/narrative/"
PERIOD = "?from=2025-01-01&to=2025-12-31"


def written():
    """Templates beyond the defaults a fresh deployment ships with (migration 0003)."""
    return ReportTemplate.objects.exclude(name__in=[spec["name"] for spec in DEFAULT_TEMPLATES])


def make(w, **fields):
    values = {"name": "季度总结", "title": "{期间}总结", "body": "共服务{服务人次:约}人次。"}
    return template_create(acting_user=w.admin, **{**values, **fields})


def test_an_administrator_creates_and_updates_a_template_with_a_changelog(reports_world):
    w = reports_world
    saved = make(w, is_default=True)
    other = make(w, name="另一个", is_default=True)
    saved.refresh_from_db()
    assert other.is_default and not saved.is_default  # one default
    template_update(acting_user=w.admin, template=saved, body="覆盖{覆盖乡镇}个乡镇。")
    logs = ChangeLog.objects.filter(model="reports.ReportTemplate", object_id=str(saved.pk))
    assert sorted(logs.values_list("action", flat=True)) == ["create", "update"]
    assert logs.get(action="update").after["body"] == "覆盖{覆盖乡镇}个乡镇。"


def test_nobody_else_may_write_templates(reports_world):
    for user in (reports_world.leader, reports_world.clerk, reports_world.secretary):
        with pytest.raises(PermissionDenied):
            template_create(acting_user=user, name="x", title="t", body="b")
    assert not written()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("走访{姓名}", "个人信息"),
        ("联系电话13812345678", "电话号码"),
        ("共{服务总数}人次", "无法识别的占位符 {服务总数}"),
    ],
)
def test_saving_refuses_personal_data_and_unknown_placeholders(reports_world, body, message):
    with pytest.raises(ValidationError) as caught:
        make(reports_world, body=body)
    assert message in " ".join(caught.value.message_dict["body"])
    assert not written()


def test_the_template_pages_are_for_administrators_only(reports_world, client):
    w = reports_world
    saved = make(w)
    pages = [
        "/reports/narrative/template/",
        "/reports/narrative/template/new/",
        f"/reports/narrative/template/{saved.pk}/",
    ]
    for user in (w.leader, w.clerk, w.secretary, w.doctor):
        client.force_login(user)
        assert [client.get(page).status_code for page in pages] == [403, 403, 403], user
    client.force_login(w.admin)
    assert [client.get(page).status_code for page in pages] == [200, 200, 200]
    assert "{服务人次:约}" in client.get(pages[1]).content.decode()  # the cheat-sheet


def test_the_editor_shows_why_a_template_is_refused_and_previews_without_saving(reports_world, client):
    client.force_login(reports_world.admin)
    data = {"name": "纪实", "kind": "record", "title": "{期间}纪实", "active": "on"}
    refused = client.post("/reports/narrative/template/new/", {**data, "body": "走访{姓名}，电话13812345678"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "模板不能输出个人信息" in page and "电话号码" in page
    preview = client.post("/reports/narrative/template/new/", {**data, "body": "共{服务人次}人次", "preview": "1"})
    assert preview.status_code == 200 and "data-template-preview" in preview.content.decode()
    assert not written()
    saved = client.post("/reports/narrative/template/new/", {**data, "body": "共{服务人次}人次"})
    assert saved.status_code == 302 and written().get().name == "纪实"


def test_every_report_reader_previews_and_only_exporters_download_word(reports_world, client):
    w = reports_world
    make(w, is_default=True)
    answers = {}
    for name in ("admin", "leader", "clerk", "secretary", "doctor", "member", "auditor"):
        client.force_login(getattr(w, name))
        answers[name] = (
            client.get(NARRATIVE + PERIOD).status_code,
            client.get(NARRATIVE + "export/" + PERIOD).status_code,
        )
    assert answers == {
        "admin": (200, 200),
        "leader": (200, 200),
        "clerk": (200, 200),
        "secretary": (200, 403),
        "doctor": (200, 403),
        "member": (403, 403),
        "auditor": (403, 403),
    }


def test_the_preview_page_shows_the_text_the_appendix_and_the_actions(reports_world, client):
    w = reports_world
    saved = make(w, is_default=True)
    client.force_login(w.leader)
    page = client.get(NARRATIVE + PERIOD).content.decode()
    assert "共服务" in page and "data-narrative-appendix" in page
    assert f"template={saved.pk}" in page and "/reports/snapshots/export/" in page
    partial = client.get(NARRATIVE + PERIOD + f"&template={saved.pk}", HTTP_HX_REQUEST="true")
    assert "data-narrative" in partial.content.decode() and "<html" not in partial.content.decode()
    word = client.get(NARRATIVE + "export/" + PERIOD)
    assert word["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".docx" in word["Content-Disposition"]
    client.force_login(w.secretary)
    assert "/reports/snapshots/export/" not in client.get(NARRATIVE + PERIOD).content.decode()


def test_bad_input_is_explained(reports_world, client):
    client.force_login(reports_world.leader)
    inverted = client.get(NARRATIVE + "?from=2025-12-31&to=2025-01-01")
    assert inverted.status_code == 400 and "开始日期晚于结束日期" in inverted.content.decode()
    assert client.get(NARRATIVE + "export/?from=2025-12-31&to=2025-01-01").status_code == 400
    empty = client.get(NARRATIVE + "?from=2019-01-01&to=2019-03-31").content.decode()
    assert "没有服务记录，无法生成报告" in empty and "data-narrative-appendix" not in empty
