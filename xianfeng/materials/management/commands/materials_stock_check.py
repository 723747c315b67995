"""Compare every stock row with its receipts and distributions; exit 1 on a difference.

manage.py materials_stock_check            # report only
manage.py materials_stock_check --fix      # also set the stored stock to the recomputed value
"""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from xianfeng.materials.models import Item
from xianfeng.materials.stock import amount, stock_recount
from xianfeng.orgs.models import Organization


class Command(BaseCommand):
    help = "Recompute stock from live receipts − live distributions and print the differences."

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, help="only this organization (id)")
        parser.add_argument("--fix", action="store_true", help="write the recomputed stock (logged)")

    def handle(self, *args, **options):
        org = Organization.objects.filter(pk=options["org"]).first() if options.get("org") else None
        with transaction.atomic():
            differences = stock_recount(org=org, fix=options["fix"])
        if not differences:
            self.stdout.write("库存一致")
            return
        names = dict(Organization.objects.filter(pk__in={d["org_id"] for d in differences}).values_list("pk", "name"))
        items = Item.objects.in_bulk({d["item_id"] for d in differences})
        for d in differences:
            item = items[d["item_id"]]
            self.stdout.write(
                f"{names.get(d['org_id'], d['org_id'])} · {item.name}: "
                f"库存 {amount(d['stored'], item)}，按入库与发放应为 {amount(d['expected'], item)}"
            )
        if options["fix"]:
            self.stdout.write(f"已修正 {sum(1 for d in differences if d['expected'] >= 0)} 项")
        sys.exit(1)
