"""Two request or response schemas with one name become one component of the OpenAPI document:
ninja keeps one of them, so clients (and the access matrix's minimal bodies) read the wrong
shape for the other endpoint — a teams endpoint once asked for an enrollment's closing fields."""

from collections import defaultdict

from ninja import Schema

from xianfeng.api.api import api


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_schema_of_the_api_has_its_own_name():
    api.get_openapi_schema()  # every router is mounted and its schemas imported
    by_name = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("xianfeng."):
            by_name[schema.__name__].add(f"{schema.__module__}.{schema.__qualname__}")
    clashes = {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}
    assert clashes == {}
