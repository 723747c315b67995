"""Load the shipped service-type catalogue (xianfeng/servicelog/catalogue.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from xianfeng.servicelog.catalogue import load_catalogue

    load_catalogue(apps.get_model("servicelog", "ServiceType"))


def unload(apps, schema_editor):
    from xianfeng.servicelog.catalogue import CATALOGUE

    apps.get_model("servicelog", "ServiceType").objects.filter(code__in=[row[0] for row in CATALOGUE]).delete()


class Migration(migrations.Migration):
    dependencies = [("servicelog", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
