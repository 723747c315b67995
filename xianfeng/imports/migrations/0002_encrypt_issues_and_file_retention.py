"""Issue lists encrypted at rest (they hold offending cell values: ID numbers, phones), and
the record of an upload deleted after the retention period.

Upload files stored before this migration stay readable as they are; run
``manage.py rotate_encryption_key`` once to encrypt them (or they go at the retention date).
"""

from django.db import migrations, models

import xianfeng.imports.fields
from xianfeng.core import crypto

COLUMNS = ("issues", "warnings")


def _convert(schema_editor, change) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote("imports_importjob")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(quote(c) for c in COLUMNS)} FROM {table}")
        rows = cursor.fetchall()
        for pk, *values in rows:
            new = [change(v) for v in values]
            if new != list(values):
                assignments = ", ".join(f"{quote(c)} = %s" for c in COLUMNS)
                cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*new, pk])


def encrypt_existing(apps, schema_editor):
    def change(value):
        if value in (None, "") or str(value).startswith(f"{crypto.PREFIX}:"):
            return value
        return crypto.encrypt(value if isinstance(value, str) else str(value))

    _convert(schema_editor, change)


def decrypt_existing(apps, schema_editor):
    def change(value):
        if value in (None, "") or not str(value).startswith(f"{crypto.PREFIX}:"):
            return value
        return crypto.decrypt(value)

    _convert(schema_editor, change)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="file_deleted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="文件删除时间"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="file",
            field=models.FileField(blank=True, upload_to="imports/", verbose_name="文件"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="issues",
            field=xianfeng.imports.fields.EncryptedJSONField(blank=True, default=list, verbose_name="问题"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="warnings",
            field=xianfeng.imports.fields.EncryptedJSONField(blank=True, default=list, verbose_name="提示"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
