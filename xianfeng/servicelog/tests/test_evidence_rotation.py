"""Activity photos survive an encryption-key rotation (``manage.py rotate_encryption_key``)."""

from django.core.management import call_command
from django.test import override_settings

from xianfeng.accounts.roles import Role, Scope
from xianfeng.core import crypto, filecrypt
from xianfeng.core.tests.factories import user_with_grant
from xianfeng.residents.tests.factories import county_regions
from xianfeng.servicelog.services_evidence import activity_file_add

from .factories import ActivityFactory
from .test_evidence import jpeg_with_gps


def test_key_rotation_reencrypts_photos_and_thumbnails(world, capsys, settings):
    county_regions()
    secretary = user_with_grant(Role.SECRETARY, Scope.ORG_SUBTREE, world.branch_a, username="sec")
    activity = ActivityFactory(org=world.branch_a, region_id="210681101200", created_by=secretary)
    photo = activity_file_add(acting_user=secretary, activity=activity, name="义诊.jpg", data=jpeg_with_gps())
    plain = filecrypt.decrypt_bytes(photo.file)
    new_key = crypto.generate_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        call_command("rotate_encryption_key")
        assert "servicelog.ActivityFile.file: 1 values, 1 re-encrypted, 0 unreadable" in capsys.readouterr().out
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):  # the old key is gone
        photo.refresh_from_db()
        for stored in (photo.file, photo.thumbnail):
            with stored.open("rb") as source:
                assert filecrypt.stored_key_id(source) == crypto.keyring()[0][0]
        assert filecrypt.decrypt_bytes(photo.file) == plain
        assert filecrypt.decrypt_bytes(photo.thumbnail)[:2] == b"\xff\xd8"  # still a JPEG
        call_command("rotate_encryption_key")
        assert "servicelog.ActivityFile.file: 1 values, 0 re-encrypted" in capsys.readouterr().out
