"""严重精神障碍患者管理 (issue 10 §2): the screening path and the patient follow-up program."""
