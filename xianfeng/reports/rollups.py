"""Rollups for speed at province scale (issue 11 §7). Placeholder until the rollup tables land:
returning None makes metrics.py count over the raw facts."""


def metrics(flt, reach):
    return None
