from django.core.management.base import BaseCommand

from xianfeng.regions.loader import DATA_FILE, load_shipped_regions


class Command(BaseCommand):
    help = "Load or refresh the shipped province/city/county list (GB/T 2260)."

    def handle(self, *args, **options):
        changed = load_shipped_regions()
        self.stdout.write(f"regions: {changed} added or renamed from {DATA_FILE.name}")
