"""Input types shared by the API routers (DESIGN.md §4.4).

Every number and date a request can carry is bounded in the schema, so no request value can
overflow a database integer or date arithmetic: a value out of bounds is answered 422 in the one error shape,
never 500, and the bounds are published in the OpenAPI schema.
"""

import datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator

from xianfeng.core.pagination import cached_count

MAX_ID = 2**63 - 1  # every primary key is a BigAutoField: PostgreSQL bigint, SQLite INTEGER
MAX_PAGE = 1_000_000  # far beyond the last page of any list; past the last page the items are empty
MAX_PAGE_SIZE = 200  # a larger page_size is refused; each list may clamp it lower (ninja's max_page_size)
MAX_WITHIN_DAYS = 3660  # ten years ahead
MIN_DATE = datetime.date(1900, 1, 1)  # services compute the day before / after a date: keep clear of
MAX_DATE = datetime.date(2199, 12, 31)  # date.min and date.max

# A row id in a path, a query or a body.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# "due within the next N days" (0 = due today or overdue).
WithinDays = Annotated[int, Field(ge=0, le=MAX_WITHIN_DAYS)]
# A date sent by the caller (birth, start, end, on ...).
Date = Annotated[
    datetime.date,
    Field(
        ge=MIN_DATE,
        le=MAX_DATE,
        description=f"{MIN_DATE:%Y-%m-%d} … {MAX_DATE:%Y-%m-%d}",
        json_schema_extra={"formatMinimum": f"{MIN_DATE:%Y-%m-%d}", "formatMaximum": f"{MAX_DATE:%Y-%m-%d}"},
    ),
]


def _local_time(value: datetime.time) -> datetime.time:
    if value.tzinfo is not None:
        raise ValueError(_("请填写不带时区的当地时间，如 16:30"))
    return value


# A wall-clock time of day (a meeting's start): local, without a UTC offset.
LocalTime = Annotated[datetime.time, AfterValidator(_local_time)]


def _nothing() -> None:
    return None


def unchanged() -> Any:
    """Default of a PATCH field that has no "empty" value of null.

    Leaving the field out keeps the stored value; an explicit ``null`` is refused with 422
    (the published schema says string, not nullable). To clear a text field, send "".
    A default factory keeps the schema free of a ``"default": null`` that its type forbids.
    """
    return Field(default_factory=_nothing)


class Pagination(PageNumberPagination):
    """ninja's page-number pagination with both numbers bounded (a page of 10^20 is a 422)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    def _items_count(self, queryset) -> int:
        return cached_count(queryset)  # large totals cached briefly (xianfeng/core/pagination.py)


class ErrorOut(Schema):
    """The one error shape of every API answer that is not a success."""

    detail: str
    errors: dict[str, list[str]]
