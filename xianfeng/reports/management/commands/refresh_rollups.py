"""Bring the rollup cells up to date (issue 11 §7).

    python manage.py refresh_rollups            # the partitions the triggers marked dirty
    python manage.py refresh_rollups --rebuild  # every partition, from the facts

Reads refresh dirty partitions themselves, so this is never needed for correctness; run it after a
large import (or from cron every few minutes) so that no reader pays for the recomputation, and
``--rebuild`` after restoring a database copy made without the triggers' table.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from xianfeng.reports.rollups_refresh import rebuild, refresh_dirty, supported


class Command(BaseCommand):
    help = "Recompute the report rollups: the dirty partitions, or all of them (--rebuild)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute every partition")

    def handle(self, *args, **options):
        if not supported():
            raise CommandError("rollups are kept on PostgreSQL and SQLite only")
        started = time.monotonic()
        count = rebuild() if options["rebuild"] else refresh_dirty()
        self.stdout.write(f"{count} partitions (county × month) recomputed in {time.monotonic() - started:.1f} s")
