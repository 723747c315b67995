"""Indicator values of programs (issue 10 §9; DESIGN.md §2 programme indicators)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One indicator for a period and scope, with its definition (口径) printed beside it.

    value: a count (numerator); denominator: None for a plain count; rate: numerator ÷
    denominator as a percentage (None when the denominator is 0 or absent).
    """

    key: str
    label: str
    value: int
    definition: str
    denominator: int | None = None
    unit: str = ""

    @property
    def rate(self) -> float | None:
        if not self.denominator:
            return None
        return round(100 * self.value / self.denominator, 1)
