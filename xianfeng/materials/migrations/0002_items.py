"""Load the shipped item catalogue (xianfeng/materials/catalogue.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from xianfeng.materials.catalogue import load_items

    load_items(apps.get_model("materials", "Item"), apps.get_model("servicelog", "ServiceType"))


class Migration(migrations.Migration):
    dependencies = [("materials", "0001_initial"), ("servicelog", "0004_catalogue_materials")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
