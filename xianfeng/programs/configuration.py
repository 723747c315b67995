"""A deployment's values of the programs' settings (registry.SettingSpec), defaults filled in."""

from .models import ProgramSetting
from .registry import get_program


def program_settings(code: str) -> dict:
    """Every setting of program ``code``: the stored value, else the program's default."""
    values = get_program(code).defaults()
    for key, value in ProgramSetting.objects.filter(program=code).values_list("key", "value"):
        if key in values:
            values[key] = value
    return values
