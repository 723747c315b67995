"""The default narrative templates (工作总结, 工作纪实): a fresh deployment can draft a report at once."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from xianfeng.reports.narrative_defaults import ensure_default_templates

    ensure_default_templates(apps.get_model("reports", "ReportTemplate"))


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_rollups")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
