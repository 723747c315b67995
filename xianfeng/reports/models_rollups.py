"""Rollup tables (issue 11 §7): owned by rollups.py; see its docstring."""
