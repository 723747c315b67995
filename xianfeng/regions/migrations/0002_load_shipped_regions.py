from django.db import migrations


def load(apps, schema_editor):
    from xianfeng.regions.loader import load_shipped_regions

    load_shipped_regions(apps.get_model("regions", "Region"))


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
