"""Add the service types issue 12 ships (图书捐赠, 辅助器具发放) without touching edited ones."""

from django.db import migrations


def add(apps, schema_editor):
    from xianfeng.servicelog.catalogue import add_missing

    add_missing(apps.get_model("servicelog", "ServiceType"))


class Migration(migrations.Migration):
    dependencies = [("servicelog", "0003_certificate_as_issued")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
