"""``manage.py report``: the figures of one filter, the same as the dashboard and the API.

JSON goes to standard output (or --output); a workbook (xlsx) or the Word report (docx) needs
--output. Without --user the figures are those of the whole deployment, computed as an
administrator over 全部 would see them (a transient superuser, never saved); with --user, as that
user sees them (their reach, their readable programs), exactly like the API for that user.
"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from xianfeng.reports import services_jobs
from xianfeng.reports.filters import FilterError, parse_filter
from xianfeng.reports.metrics import metrics_for, to_json

FORMATS = ("json", "xlsx", "docx")


def deployment_user():
    """A transient superuser (never saved): reach 全部, every program readable, like an
    administrator over 全部. Nothing is written in its name."""
    return get_user_model()(username="report-command", is_superuser=True, is_active=True)


class Command(BaseCommand):
    help = (
        "Print the report figures for a filter (same numbers as the dashboard and GET /api/reports/metrics). "
        "Without --user: the whole deployment, as an administrator over 全部 sees it; "
        "with --user: as that user sees it (their grants' reach). "
        "json goes to stdout unless --output is given; xlsx and docx need --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from", required=True, help="YYYY-MM-DD (inclusive)")
        parser.add_argument("--to", dest="to", required=True, help="YYYY-MM-DD (inclusive)")
        parser.add_argument("--org", help="organization id (its subtree)")
        parser.add_argument("--region", help="region code (2, 4, 6, 9 or 12 digits)")
        parser.add_argument("--team", help="team id")
        parser.add_argument("--type", dest="type", help="service type code")
        parser.add_argument("--category", help="service category code")
        parser.add_argument("--program", help="program code")
        parser.add_argument("--user", help="username whose reach the figures are computed for")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--template", help="report template id for --format docx (default: the default template)")
        parser.add_argument("--output", "-o", help="file to write (required for xlsx and docx)")

    def handle(self, *args, **options):
        fmt, output = options["format"], options.get("output")
        if fmt != "json" and not output:
            raise CommandError(f"--format {fmt} writes a binary file: give --output FILE")
        user = self._user(options.get("user"))
        params = {key: options.get(key) or "" for key in ("from", "to", "org", "region", "team", "type")}
        params.update(category=options.get("category") or "", program=options.get("program") or "")
        try:
            flt = parse_filter(user, params)
        except FilterError as exc:
            raise CommandError(
                "bad filter: " + "; ".join(f"--{key}: {message}" for key, message in exc.errors.items())
            ) from None
        if fmt == "json":
            text = json.dumps(to_json(metrics_for(user, flt)), ensure_ascii=False, indent=2, sort_keys=True)
            if output:
                Path(output).write_text(text + "\n", encoding="utf-8")
            else:
                self.stdout.write(text)
            return
        if fmt == "xlsx":
            data = services_jobs.metrics_workbook(user, flt)
        else:
            try:
                template = services_jobs.report_template(user, options.get("template"))
            except Exception as exc:  # a ValidationError with its message
                raise CommandError(f"--template: {'; '.join(getattr(exc, 'messages', [str(exc)]))}") from None
            data = services_jobs.report_docx(user, flt, template)
        Path(output).write_bytes(data)
        self.stderr.write(f"wrote {output} ({len(data)} bytes): {flt.describe()}")

    def _user(self, username: str | None):
        if not username:
            return deployment_user()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active user {username!r}")
        from xianfeng.reports.reach import may_read_reports

        if not may_read_reports(user):
            raise CommandError(f"--user: {username} holds no 统计报表 (reports.view) grant")
        return user
