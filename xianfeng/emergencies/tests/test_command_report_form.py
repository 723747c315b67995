"""The daily report's configurable form (report_form.py, emergency_set_report_fields)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from xianfeng.emergencies import report_form
from xianfeng.emergencies import services_command as services
from xianfeng.emergencies.models import DEFAULT_REPORT_FIELDS

from .factories_command import START, make_emergency, make_report, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def emergency(world):
    return make_emergency(world.committee)


def test_defaults_when_nothing_is_configured(emergency):
    fields = report_form.report_fields(emergency)
    assert [f["code"] for f in fields] == [code for code, _label in DEFAULT_REPORT_FIELDS]
    assert fields[0] == {"code": "screened", "label": "发热筛查", "enabled": True}


def test_switch_off_relabel_reorder_and_add(world, emergency):
    fields = report_form.default_fields()
    fields[0]["enabled"] = False
    fields[2]["label"] = "累计确诊"
    fields.insert(0, fields.pop(2))
    fields.append({"label": "核酸检测"})
    fields.append({"label": "密切接触者"})
    e = services.emergency_set_report_fields(acting_user=world.clerk, emergency=emergency, fields=fields)
    stored = report_form.report_fields(e)
    assert stored[0] == {"code": "confirmed", "label": "累计确诊", "enabled": True}
    assert stored[-2:] == [
        {"code": "custom_1", "label": "核酸检测", "enabled": True},
        {"code": "custom_2", "label": "密切接触者", "enabled": True},
    ]
    assert "screened" not in [f["code"] for f in report_form.enabled_fields(e)]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda fs: fs.append({"label": ""}), "未填写名称"),
        (lambda fs: fs.append({"label": "确诊"}), "重复"),
        (lambda fs: fs.append({"code": "drop_table", "label": "x"}), "无效"),
        (lambda fs: fs.extend({"label": f"字段{i}"} for i in range(15)), "最多"),
        (lambda fs: [f.update(enabled=False) for f in fs], "至少要启用"),
        (lambda fs: fs.append({"label": "很长" * 20}), "过长"),
    ],
)
def test_bad_fields_are_refused(world, emergency, change, problem):
    fields = report_form.default_fields()
    change(fields)
    with pytest.raises(ValidationError) as err:
        services.emergency_set_report_fields(acting_user=world.clerk, emergency=emergency, fields=fields)
    assert any(problem in m for m in err.value.message_dict["fields"])
    emergency.refresh_from_db()
    assert emergency.report_fields == []


def test_a_field_with_counts_is_only_switched_off(world, emergency):
    make_report(emergency, START + datetime.timedelta(1), screened=10, deaths=0)
    fields = [f for f in report_form.default_fields() if f["code"] not in ("deaths", "severe")]
    with pytest.raises(ValidationError) as err:
        services.emergency_set_report_fields(acting_user=world.clerk, emergency=emergency, fields=fields)
    assert err.value.message_dict["fields"] == ["字段“死亡”已有填报数据，不能删除，只能停用"]
    fields = report_form.default_fields()
    fields[7]["enabled"] = False
    fields.pop(4)  # severe has no counts: it may go
    e = services.emergency_set_report_fields(acting_user=world.clerk, emergency=emergency, fields=fields)
    assert "severe" not in [f["code"] for f in report_form.report_fields(e)]
    assert {"code": "deaths", "label": "死亡", "enabled": False} in report_form.report_fields(e)
