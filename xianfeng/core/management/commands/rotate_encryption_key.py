"""Re-encrypt every encrypted field value with the current key (the first of FIELD_ENCRYPTION_KEY)."""

from argparse import RawDescriptionHelpFormatter

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from xianfeng.core import crypto
from xianfeng.core.fields import EncryptedTextField

HELP = """Re-encrypt every EncryptedTextField value (all apps) that was not written with the current key,
and what apps encrypt outside such fields (uploaded import files).

Key rotation, step by step:
  1. Make a new key:
       python -c "from xianfeng.core.crypto import generate_key; print(generate_key())"
  2. Put it FIRST and keep the old one after it, then restart the app:
       FIELD_ENCRYPTION_KEY="<new key>,<old key>"
     (the first key encrypts; every listed key decrypts, so nothing breaks meanwhile)
  3. Run:  manage.py rotate_encryption_key        (--dry-run only counts)
  4. When it reports "0 remaining", drop the old key and restart:
       FIELD_ENCRYPTION_KEY="<new key>"
Blind indexes (BLIND_INDEX_KEY) are not affected: the plain values do not change.
"""


def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


class Command(BaseCommand):
    help = HELP

    def create_parser(self, *args, **kwargs):
        parser = super().create_parser(*args, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="count what would be re-encrypted, write nothing")

    def handle(self, *args, batch_size: int, dry_run: bool, **options):
        total_rotated = total_failed = 0
        for model, fields in encrypted_fields():
            for field in fields:
                rotated, failed, scanned = self._rotate(model, field, batch_size, dry_run)
                total_rotated += rotated
                total_failed += failed
                self.stdout.write(
                    f"{model._meta.label}.{field.name}: {scanned} values, "
                    f"{rotated} {'to re-encrypt' if dry_run else 're-encrypted'}, {failed} unreadable"
                )
        # Ciphertext kept outside EncryptedTextField columns (encrypted upload files): an app
        # whose AppConfig defines rotate_encryption(dry_run=...) -> (label, scanned, rotated,
        # failed) re-encrypts its own.
        for config in apps.get_app_configs():
            rotate = getattr(config, "rotate_encryption", None)
            if rotate is None:
                continue
            label, scanned, rotated, failed = rotate(dry_run=dry_run)
            total_rotated += rotated
            total_failed += failed
            self.stdout.write(
                f"{label}: {scanned} values, {rotated} {'to re-encrypt' if dry_run else 're-encrypted'}, "
                f"{failed} unreadable"
            )
        remaining = total_rotated if dry_run else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Would re-encrypt' if dry_run else 'Re-encrypted'} {total_rotated} values; "
                f"{remaining + total_failed} remaining."
            )
        )
        if total_failed:
            raise CommandError(
                f"{total_failed} values could not be decrypted with any key in FIELD_ENCRYPTION_KEY; "
                "keep the old key until they are fixed."
            )

    def _rotate(self, model, field, batch_size: int, dry_run: bool) -> tuple[int, int, int]:
        # Cast to a plain TextField so the ciphertext is read as stored, not decrypted.
        raw = Cast(field.attname, models.TextField())
        base = model._base_manager.annotate(_raw=raw).exclude(_raw="").exclude(_raw__isnull=True)
        rotated = failed = scanned = 0
        last_pk = None
        while True:
            batch = base.order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch.values_list("pk", "_raw")[:batch_size])
            if not rows:
                break
            last_pk = rows[-1][0]
            scanned += len(rows)
            stale = []
            for pk, token in rows:
                if crypto.is_current(token):
                    continue
                try:
                    plain = crypto.decrypt(token)
                except Exception:  # unknown key or damaged value: reported, never overwritten
                    failed += 1
                    continue
                obj = model(pk=pk)
                setattr(obj, field.attname, plain)
                stale.append(obj)
            rotated += len(stale)
            if stale and not dry_run:
                with transaction.atomic():
                    model._base_manager.bulk_update(stale, [field.attname], batch_size=batch_size)
        return rotated, failed, scanned
