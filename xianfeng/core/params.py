"""Numbers read from a query string or a small form, bounded so a huge value is just "absent".

``?branch=100000000000000000000`` must not reach the database: SQLite and PostgreSQL refuse
integers beyond 64 bits with an error (a 500). Ids are at most 2^63 - 1 (a bigint primary key).
"""

MAX_ID = 2**63 - 1


def query_int(value, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``value`` as an int when it is plain digits within [minimum, maximum]; otherwise None."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
