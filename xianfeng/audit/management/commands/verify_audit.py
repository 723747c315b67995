"""Check the audit hash chains: exit 0 with row counts when intact, 1 naming the rows when not."""

import time

from django.core.management.base import BaseCommand, CommandError

from xianfeng.audit.verify import verify_all


class Command(BaseCommand):
    help = (
        "Walk the hash chains of ChangeLog, AccessLog and LoginLog and report deleted, altered, "
        "reordered or unchained rows by id. Exit status 1 when any chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database: str, **options):
        started = time.monotonic()
        reports = verify_all(using=database)
        for report in reports:
            if report.intact:
                self.stdout.write(f"{report.label}: {report.rows} rows, chain intact")
                continue
            self.stdout.write(f"{report.label}: {report.rows} rows, {len(report.problems)} problem(s)")
            for problem in report.problems:
                self.stdout.write(f"  {report.label} {problem}")
        self.stdout.write(f"checked in {time.monotonic() - started:.1f} s")
        broken = [r.label for r in reports if not r.intact]
        if broken:
            raise CommandError(f"audit chain broken: {', '.join(broken)}", returncode=1)
