"""Delete uploaded import files older than IMPORT_FILE_RETENTION_DAYS (with their issue lists)."""

from django.core.management.base import BaseCommand

from xianfeng.imports import services


class Command(BaseCommand):
    help = (
        "Delete uploaded import files, and the error details kept from them, older than "
        "IMPORT_FILE_RETENTION_DAYS (default 30). Each deletion is recorded on the job and in "
        "the change log. Safe to run repeatedly (e.g. daily from cron); it also runs after every "
        "import job."
    )

    def handle(self, *args, **options):
        purged = services.import_files_purge()
        for job in purged:
            self.stdout.write(
                f"deleted: import job {job.pk} “{job.original_name}” uploaded {job.created_at:%Y-%m-%d} "
                f"by {job.created_by}"
            )
        self.stdout.write(
            self.style.SUCCESS(f"{len(purged)} import file(s) deleted (retention {services.retention_days()} days).")
        )
