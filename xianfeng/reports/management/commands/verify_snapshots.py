"""Re-check published snapshots: one line each, exit status 1 when any has changed since publication.

Run it nightly (cron or a scheduled task): a snapshot over many rows is not re-checked while a
reader waits, and a change made outside the services (a database fix) leaves no ChangeLog row
for the page's own staleness check to see.
"""

from django.core.management.base import BaseCommand, CommandError

from xianfeng.reports.models import Snapshot
from xianfeng.reports.services_snapshots import snapshot_verify
from xianfeng.reports.snapshots import SnapshotError, summary_line


class Command(BaseCommand):
    help = (
        "Recompute the rows behind every published snapshot (or --id N) and compare them with the "
        "fingerprints stored at publication. Exit status 1 when any snapshot changed or cannot be checked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, dest="snapshot_id", help="check only this snapshot")

    def handle(self, *args, snapshot_id=None, **options):
        snapshots = Snapshot.objects.order_by("pk").only("pk", "title", "params", "reach")
        if snapshot_id is not None:
            snapshots = snapshots.filter(pk=snapshot_id)
            if not snapshots.exists():
                raise CommandError(f"snapshot {snapshot_id} does not exist")
        checked, bad = 0, []
        for snapshot in snapshots.iterator(chunk_size=100):
            checked += 1
            try:
                snapshot = snapshot_verify(snapshot=snapshot)
            except SnapshotError as exc:
                self.stdout.write(f"#{snapshot.pk} {snapshot.title}: {exc}")
                bad.append(snapshot.pk)
                continue
            self.stdout.write(f"#{snapshot.pk} {snapshot.title}: {summary_line(snapshot.changes)}")
            if snapshot.status == Snapshot.Status.CHANGED:
                bad.append(snapshot.pk)
        self.stdout.write(f"{checked} snapshot(s) checked, {len(bad)} changed or not verifiable")
        if bad:
            raise CommandError(f"snapshots changed since publication: {', '.join(map(str, bad))}", returncode=1)
