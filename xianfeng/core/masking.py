"""Masks for personal data shown in lists and exports (DESIGN.md §3).

The rule: a masked value, together with everything shown beside it (name, gender, birth
date, village, household), must not rebuild the number.

- ID number (GB 11643, 18 characters: 6 region + 8 birth date + 3 sequence + 1 check):
  only the first 4 digits (province and city) are kept — ``2106**************``. Those
  4 digits are already implied by the place shown beside the person. No digit of the county,
  the birth date, the sequence code or the check digit is shown: the birth date is displayed
  in its own column, so showing the check digit (or the last four) would leave only a
  1-in-500 guess that an exact-ID search confirms. The masked form keeps the length.
- Phone (11-digit mobile): the first 3 (carrier block) and last 4 are kept —
  ``138****5678``. Nothing shown beside a phone gives its middle four digits.
- Anything else personal: every character replaced.

Exact searches by a full ID number or phone (which could confirm a guess) go through
``accounts.personal.exact_lookup``: logged and rate-limited.
"""

ID_NUMBER_KEEP = 4


def mask(value: str | None, keep_start: int, keep_end: int, fill: str = "*") -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= keep_start + keep_end:
        return fill * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + fill * hidden + (value[-keep_end:] if keep_end else "")


def mask_id_number(value: str | None) -> str:
    """110101199003071234 -> 1101************** (province and city only; 18 characters)."""
    return mask(value, ID_NUMBER_KEEP, 0)


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678."""
    return mask(value, 3, 4)
