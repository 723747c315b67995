"""Archive audit rows older than AUDIT_RETENTION_DAYS to compressed, checksummed files."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from xianfeng.audit.archiving import BATCH_ROWS, archive_all
from xianfeng.audit.retention import archive_directory, audit_retention_days


class Command(BaseCommand):
    help = (
        "Write the ChangeLog, AccessLog and LoginLog rows older than AUDIT_RETENTION_DAYS (at least 183) "
        "to gzip JSON-lines files in AUDIT_ARCHIVE_DIR (sha256 recorded and sealed), then delete them "
        "from the database in the same transaction as the record. verify_audit --archives re-reads the "
        "files. The nightly retention run (schedule_retention) does this too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS, help="rows per file (default 200000)")

    def handle(self, *args, batch_rows: int, **options):
        if batch_rows < 1:
            raise CommandError("--batch-rows must be at least 1")
        try:
            days = audit_retention_days()
        except ImproperlyConfigured as exc:  # below 183 days
            raise CommandError(str(exc)) from exc
        directory = archive_directory()
        outcomes = archive_all(batch_rows=batch_rows, directory=directory)
        for outcome in outcomes:
            for archive in outcome.archives:
                self.stdout.write(
                    f"{outcome.label}: seq {archive.first_seq}-{archive.last_seq}, {archive.rows} rows → "
                    f"{directory / archive.file_name} ({archive.size_bytes} bytes, sha256 {archive.sha256[:16]}…)"
                )
            if not outcome.archives and not outcome.problem:
                self.stdout.write(f"{outcome.label}: nothing older than {days} days")
            if outcome.problem:
                self.stdout.write(f"{outcome.label}: REFUSED: {outcome.problem}")
        if any(o.problem for o in outcomes):
            raise CommandError("archiving refused for a chain (above)", returncode=1)
