"""Shared fixtures live in xianfeng/core/tests/fixtures.py (imported as a plugin)."""

pytest_plugins = ["xianfeng.core.tests.fixtures"]
