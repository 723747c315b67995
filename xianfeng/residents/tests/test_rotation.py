import datetime

from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from xianfeng.core import crypto
from xianfeng.residents import selectors
from xianfeng.residents.models import Household, Resident

from .factories import VILLAGE_A, HouseholdFactory, ResidentFactory, make_id_number

NEW_KEY = crypto.generate_key()


def stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_rotation_reencrypts_every_encrypted_field(county, doctors, settings, capsys):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    number = make_id_number(datetime.date(1970, 1, 1))
    ResidentFactory(id_number=number, phone="13812345678", village_id=VILLAGE_A)
    ResidentFactory(id_number="", phone="", village_id=VILLAGE_A)
    HouseholdFactory(phone="0415-1234567")
    old_tokens = stored("residents_resident", "id_number")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, *old_keys]):
        call_command("rotate_encryption_key", "--dry-run")
        assert stored("residents_resident", "id_number") == old_tokens
        call_command("rotate_encryption_key", "--batch-size", "1")
        output = capsys.readouterr().out
        assert "residents.Resident.id_number: 1 values, 1 re-encrypted" in output
        assert "residents.Household.phone: 1 values, 1 re-encrypted" in output
        for table, column in (
            ("residents_resident", "id_number"),
            ("residents_resident", "phone"),
            ("residents_household", "phone"),
        ):
            assert all(crypto.is_current(t) for t in stored(table, column))
    # Only the new key is needed now; values and blind-index lookups still work.
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        resident = Resident.objects.get(id_number_index=selectors.id_lookup(number))
        assert resident.id_number == number and resident.phone == "13812345678"
        assert Household.objects.get().phone == "0415-1234567"
        call_command("rotate_encryption_key")
        assert "Re-encrypted 0 values; 0 remaining." in capsys.readouterr().out
