"""Reads of the settings pages: every program's settings with their current values and who
changed them last, the custom programs, and the history of changes."""

from dataclasses import dataclass
from typing import Any

from xianfeng.accounts.scoping import CHANGE, can, permission_filter, scoped
from xianfeng.audit.models import ChangeLog

from .models import CustomProgram, ProgramSetting
from .registry import Program, SettingSpec, all_programs

HISTORY_MODELS = (ProgramSetting._meta.label, CustomProgram._meta.label)


@dataclass
class SettingRow:
    spec: SettingSpec
    value: Any
    changed: ProgramSetting | None  # the stored row (who changed it last, when), None: the default

    @property
    def is_default(self) -> bool:
        return self.value == self.spec.default


def may_administer(user) -> bool:
    """Whether the user may change settings and custom programs: an administrator over 全部
    (a grant whose scope opens every row; settings belong to no organization or place)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return (
        can(user, CHANGE, ProgramSetting) and permission_filter(user, ProgramSetting, "programsettings.change") is None
    )


def program_settings_rows(user) -> list[tuple[Program, list[SettingRow]]]:
    stored = {(row.program, row.key): row for row in scoped(user, ProgramSetting).select_related("updated_by")}
    result = []
    for program in all_programs():
        rows = []
        for spec in program.settings:
            row = stored.get((program.code, spec.key))
            rows.append(SettingRow(spec=spec, value=row.value if row else spec.default, changed=row))
        result.append((program, rows))
    return result


def custom_programs(user):
    return scoped(user, CustomProgram).select_related("service_type").order_by("-active", "code")


def settings_history(user, *, limit: int = 50):
    """The latest changes of settings and custom programs. Settings are published definitions
    (every signed-in user reads them, ProgramSetting.scope_spec public_view), so the history of
    their values is as public as they are; it holds no personal data, and only these two models'
    rows are read — not a way round the audit area's scope."""
    if not can(user, "view", ProgramSetting):
        return ChangeLog.objects.none()
    return ChangeLog.objects.filter(model__in=HISTORY_MODELS).select_related("user").order_by("-at", "-id")[:limit]
