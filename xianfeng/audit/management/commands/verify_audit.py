"""Check the audit hash chains: exit 0 with row counts when intact, 1 naming the rows when not."""

import time

from django.core.management.base import BaseCommand, CommandError

from xianfeng.audit.retention import archive_directory
from xianfeng.audit.verify import unrecorded_files, verify_all


class Command(BaseCommand):
    help = (
        "Walk the hash chains of ChangeLog, AccessLog and LoginLog and report deleted, altered, "
        "reordered or unchained rows by id; the live rows continue the chain of the newest archive "
        "record. --archives also re-reads every archive file in AUDIT_ARCHIVE_DIR (sha256, the chain "
        "inside it) and names a missing or altered one. Exit status 1 when any chain is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument("--archives", action="store_true", help="also re-read and check every archive file")

    def handle(self, *args, database: str, archives: bool, **options):
        started = time.monotonic()
        directory = archive_directory() if archives else None
        reports = verify_all(using=database, archive_directory=directory)
        for report in reports:
            archived = ""
            if report.archives:
                files = "files checked" if archives else "records checked"
                archived = f" (+{report.archived_rows} archived rows in {report.archives} archive(s), {files})"
            if report.intact:
                self.stdout.write(f"{report.label}: {report.rows} rows, chain intact{archived}")
                continue
            self.stdout.write(f"{report.label}: {report.rows} rows, {len(report.problems)} problem(s){archived}")
            for problem in report.problems:
                self.stdout.write(f"  {report.label} {problem}")
        if directory is not None:
            for name in unrecorded_files(directory, using=database):
                self.stdout.write(
                    f"note: {name} has no archive record (left by an interrupted run; replaced by the next)"
                )
        self.stdout.write(f"checked in {time.monotonic() - started:.1f} s")
        broken = [r.label for r in reports if not r.intact]
        if broken:
            raise CommandError(f"audit chain broken: {', '.join(broken)}", returncode=1)
