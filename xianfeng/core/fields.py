"""Model fields for personal data: encrypted at rest, with an optional blind index."""

from collections.abc import Callable

from django.db import models

from . import crypto


def _identity(value: str) -> str:
    return value


class EncryptedTextField(models.TextField):
    """Stores AES-GCM ciphertext; Python code sees plain text. Cannot be filtered on:
    look values up through the companion BlindIndexField instead."""

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))


class BlindIndexField(models.CharField):
    """HMAC of another field's normalized value, computed on every save (also bulk_create).

    ``normalizer`` must be importable (it is written into migrations by path).
    """

    def __init__(self, *args, source: str, purpose: str, normalizer: Callable[[str], str] | None = None, **kwargs):
        self.source = source
        self.purpose = purpose
        self.normalizer = normalizer or _identity
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        if self.normalizer is not _identity:
            kwargs["normalizer"] = self.normalizer
        return name, path, args, kwargs

    def compute(self, raw: str | None) -> str:
        if not raw:
            return ""
        return crypto.blind_index(self.normalizer(str(raw)), self.purpose)

    def pre_save(self, model_instance, add):
        value = self.compute(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value

    def lookup_value(self, raw: str) -> str:
        """What to filter on to find ``raw`` exactly."""
        return self.compute(raw)


def phone_tail(raw: str | None) -> str:
    """The last four digits of a phone ('' when it has fewer): masking shows them anyway."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit() or "０" <= ch <= "９")
    digits = digits.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return digits[-4:] if len(digits) >= 4 else ""


class PhoneTailField(models.CharField):
    """The last four digits of another (encrypted) phone field, computed on every save (also
    bulk_create), so pickers can search by them on an index. Reveals nothing masking hides."""

    def __init__(self, *args, source: str = "phone", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 4)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_default", "")  # rows inserted by column list (bulk imports) start empty
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = phone_tail(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value
