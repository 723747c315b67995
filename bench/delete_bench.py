"""Why deleting many residents was slow (bench/RESULTS.md): time ``Resident.objects.all().delete()``
on a fresh SQLite database with and without the index on ``merged_into``, the self-reference
the database checks for every deleted row.

    .venv/bin/python bench/delete_bench.py --rows 20000
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import make_admin, setup_django


def fill(rows: int, village, admin) -> None:
    from xianfeng.residents.models import Resident

    Resident.objects.bulk_create(
        [Resident(name=f"居民{i}", name_norm=f"居民{i}", village=village, created_by=admin) for i in range(rows)],
        batch_size=2000,
    )


def timed_delete(label: str) -> float:
    from xianfeng.residents.models import Resident

    start = time.perf_counter()
    deleted, _ = Resident.objects.all().delete()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {deleted:>8,} rows deleted in {seconds:8.2f} s")
    return seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="xianfeng-delete-") as tmp:
        setup_django("sqlite", Path(tmp))
        from django.db import connection

        from xianfeng.regions.models import Region

        admin = make_admin()
        village = Region.objects.filter(level=Region.Level.VILLAGE).first() or Region.objects.order_by("-code").first()
        fill(args.rows, village, admin)
        with_index = timed_delete("with the merged_into index")
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX resident_merged_into")
        fill(args.rows, village, admin)
        without = timed_delete("without it (before the fix)")
        print(f"the index makes deleting {args.rows:,} residents {without / max(with_index, 1e-9):,.0f}× faster")


if __name__ == "__main__":
    main()
