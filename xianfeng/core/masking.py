"""Masks for personal data shown in lists and exports (DESIGN.md §3)."""


def mask(value: str | None, keep_start: int, keep_end: int, fill: str = "*") -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= keep_start + keep_end:
        return fill * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + fill * hidden + (value[-keep_end:] if keep_end else "")


def mask_id_number(value: str | None) -> str:
    """110101199003071234 -> 1101**********1234 (region and last four kept)."""
    return mask(value, 4, 4)


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678."""
    return mask(value, 3, 4)
