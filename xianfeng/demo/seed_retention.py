"""Issue 15: sign-ins from ten months ago, archived by the retention run, so 审计日志 → 日志归档
shows a real archive and ``verify_audit --archives`` has a file to re-read. The rest of the demo is
recent (inside the six-month window) and stays in the database."""

import datetime

from django.utils import timezone

from xianfeng.audit.archiving import archive_chain
from xianfeng.audit.models import LoginLog

OLD_SIGN_INS = [  # (username, succeeded, detail)
    ("admin", True, ""),
    ("dangban", True, ""),
    ("dangban", False, "密码错误"),
    ("dangban", True, ""),
    ("shuji", True, ""),
    ("jingfang", True, ""),
    ("lingdao", True, ""),
    ("shenji", True, ""),
]


def seed_archived_sign_ins() -> None:
    """Only on a fresh database: the archive takes the chain's oldest rows, so these must come first."""
    if LoginLog.objects.exists():
        return
    start = timezone.now() - datetime.timedelta(days=300)
    LoginLog.objects.bulk_create(
        LoginLog(
            at=start + datetime.timedelta(days=day, hours=1),
            username=username,
            success=succeeded,
            detail=detail,
            ip="10.20.3.17",
            user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        )
        for day, (username, succeeded, detail) in enumerate(OLD_SIGN_INS)
    )
    archive_chain(LoginLog)
