"""Test helpers for programs: a small interval program (registered by the ``checkin_program``
fixture in conftest.py)."""

from xianfeng.programs.interval import IntervalRule, derive_interval
from xianfeng.programs.registry import Program, SettingSpec, VisitKind


class CheckInProgram(Program):
    """A visit every ``interval_days`` (setting), 3 misses lose the person. Test only."""

    code = "test_checkin"
    name = "测试随访"
    settings = (SettingSpec("interval_days", "随访间隔（天）", 30, min=1, max=365),)
    visit_kinds = (
        VisitKind(
            "contact",
            "联系",
            ("medicine_delivery", "health_consult"),
            (
                {"key": "reached", "label": "见到本人", "kind": "boolean"},
                {"key": "score", "label": "评分", "kind": "integer", "min": 0, "max": 5},
            ),
        ),
    )

    def derive(self, *, enrolled_on, data, visits, settings, periods=()):
        return derive_interval(IntervalRule(settings["interval_days"]), enrolled_on=enrolled_on, visits=visits)
