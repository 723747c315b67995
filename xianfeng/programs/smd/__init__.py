"""严重精神障碍患者管理 (issue 10 §2): the screening path and the patient follow-up program.

Importing this package registers both programs ("smd" and "smd_screening"); the services that
close the screening path live in ``smd.services`` (imported where used).
"""

from . import diagnoses, program, rules, screening  # noqa: F401
