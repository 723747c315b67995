"""What the service log's API areas share (api_records.py, api_activities.py): the types of a
service type's code and a quantity, the void request, and how a write service's errors reach
the caller (a 422 naming the API's fields)."""

from collections.abc import Callable
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Schema

from .models import MAX_QUANTITY

# Numbers in JSON; the services check the decimals (2 for a quantity) in their own words.
Quantity = Annotated[
    float,
    Field(gt=0, le=float(MAX_QUANTITY), allow_inf_nan=False, description="数量，按该类型的计量单位，最多两位小数"),
]
TypeCode = Annotated[
    str, Field(min_length=1, max_length=40, description="服务类型代码（见 GET /api/servicelog/types/）")
]


class VoidIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=200, description="作废原因")]


def api_errors(exc: ValidationError, names: dict[str, str], prefix: str = "") -> ValidationError:
    """A service's ValidationError with the API's field names (``org`` → ``org_id``; in a bulk
    request ``3.providers`` → ``items.3.provider_ids`` with ``prefix="items."``). An error of the
    whole object stays as it is (the API answers it under ``__all__``)."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {}
    for field, messages in exc.message_dict.items():
        index, _sep, name = field.rpartition(".")
        name = names.get(name, name)
        key = f"{index}.{name}" if index else name
        renamed[f"{prefix}{key}"] = messages
    return ValidationError(renamed)


def call_service(service: Callable, *, names: dict[str, str], denied: str, **kwargs):
    """Call a write service: its ValidationError comes back under the API's field names, and a
    write that would leave the caller's scope (PermissionDenied) as a 422 on ``org_id`` saying
    ``denied``."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        raise api_errors(exc, names) from None
    except PermissionDenied:
        raise ValidationError({"org_id": [denied]}) from None
