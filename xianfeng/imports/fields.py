"""An encrypted JSON column for what an import job keeps about the uploaded rows."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from xianfeng.core import crypto
from xianfeng.core.fields import EncryptedTextField


class EncryptedJSONField(EncryptedTextField):
    """A JSON value stored as AES-GCM ciphertext of its text (a subclass of EncryptedTextField,
    so ``rotate_encryption_key`` finds and re-encrypts it like every other encrypted column).

    Python code sees lists and dicts. A ``str`` handed to the field is taken as JSON text
    already: that is how the rotation command writes the decrypted text back.
    """

    description = "Encrypted JSON"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return json.loads(crypto.decrypt(value))

    def get_prep_value(self, value):
        if value is None:
            return None
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
        return crypto.encrypt(text)
