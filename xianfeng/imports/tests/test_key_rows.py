"""KeyRows, the compact {key: first row} map of in-file duplicate detection, must answer as
the dict it replaces, however many keys a file brings."""

import random

from xianfeng.imports.engine import KeyRows


def test_answers_as_a_dict_through_growth_and_colliding_slots():
    rng = random.Random(8)
    keys = [rng.getrandbits(64) for _ in range(20_000)]
    keys += [k << 20 for k in range(1, 500)]  # same low bits: every one probes past the others
    keys += [0, 2**64 - 1]
    table, expected = KeyRows(capacity=8), {}
    for row, key in enumerate(keys, start=2):
        if key not in expected:
            assert key not in table and table.get(key) is None
            table[key] = expected[key] = row
        else:
            assert table[key] == expected[key]
    assert len(table) == len(expected)
    assert all(table.get(key) == row for key, row in expected.items())
    assert table.get(12345, "absent") == "absent"
    table[keys[0]] = 99  # replacing keeps one entry
    assert table[keys[0]] == 99 and len(table) == len(expected)
