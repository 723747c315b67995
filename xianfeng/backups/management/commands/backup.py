"""``manage.py backup``: one archive of the database and the uploads (xianfeng/backups/archive.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from xianfeng.backups import backup
from xianfeng.backups.archive import ArchiveError, backup_dir


class Command(BaseCommand):
    help = (
        "Write one backup archive (database dump, uploaded files, manifest with row counts and checksum; "
        "sealed with FIELD_ENCRYPTION_KEY, which is never inside) to --output-dir (default BACKUP_DIR). "
        "--keep N then deletes the oldest archives there beyond N."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, help="directory for the archive (default: BACKUP_DIR)")
        parser.add_argument("--keep", type=int, help="keep only the N newest archives in that directory")

    def handle(self, *args, output_dir: Path | None, keep: int | None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1 (the archive just written)")
        try:
            result = backup.make_backup(output_dir)
        except (ArchiveError, OSError) as exc:
            raise CommandError(f"backup failed, no archive was written: {exc}") from None
        self.stdout.write(str(result.path))
        self.stdout.write(
            f"size {filesizeformat(result.size_bytes)} ({result.size_bytes} bytes); {result.tables} tables, "
            f"{result.rows} rows; {result.media_files} uploaded files ({filesizeformat(result.media_bytes)}); "
            f"{result.seconds:.1f} s"
        )
        if keep is not None:
            for path in backup.prune(output_dir or backup_dir(), keep):
                self.stdout.write(f"deleted old archive {path.name}")
