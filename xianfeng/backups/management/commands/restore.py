"""``manage.py restore ARCHIVE [--check]``: bring an archive into an empty database and MEDIA_ROOT."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from xianfeng.backups import restore
from xianfeng.backups.archive import ArchiveError


class Command(BaseCommand):
    help = (
        "Restore a backup archive into the EMPTY database of the current settings (DATABASE_URL, or the "
        "SQLite file under XIANFENG_VAR_DIR) and an empty MEDIA_ROOT, then check row counts, the keys and "
        "the audit chains; on any problem nothing is left restored. --check verifies the archive only "
        "(format, checksum, keys, full decrypt, migrations) and restores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--check", action="store_true", help="verify the archive, restore nothing")

    def handle(self, *args, archive: Path, check: bool, **options):
        try:
            checked = restore.check_archive(archive) if check else restore.restore(archive)
        except ArchiveError as exc:
            raise CommandError(
                f"{'check failed' if check else 'restore refused, nothing was changed'}: {exc}"
            ) from None
        manifest = checked.manifest
        rows, files = manifest["row_total"], manifest["media"]["files"]
        summary = (
            f"{archive.name}: made {manifest['created_at']} on {manifest['database']['vendor']} "
            f"{manifest['database']['server_version']}; {len(manifest['row_counts'])} tables, {rows} rows, "
            f"{files} uploaded files"
        )
        if check:
            self.stdout.write(f"OK {summary}: checksum, keys, full decrypt and migrations verified")
            return
        self.stdout.write(self.style.SUCCESS(f"restored {summary}"))
        self.stdout.write("row counts, the field key on every encrypted column and the audit chains were checked.")
        self.stdout.write("Next steps:")
        step = 1
        if checked.newer_here:
            self.stdout.write(
                f"  {step}. manage.py migrate   ({checked.newer_here} migration(s) newer than the archive)"
            )
            step += 1
        if connection.vendor == "postgresql":
            self.stdout.write(
                f"  {step}. manage.py audit_db_roles --app-role xianfeng_app --apply   (as the owner role: "
                "privileges are not restored)"
            )
            step += 1
        self.stdout.write(f"  {step}. manage.py verify_audit, then start the web and worker services and log in.")
