"""How the generated access matrix finds test objects for each model.

Every app whose views show a model registers, in ``<app>/tests/access.py``, a maker:

    @object_maker(Organization)
    def org(world, inside: bool):
        return world.group_a if inside else world.branch_b

``inside`` means within branch_a's subtree (the scope of the world's owner and reader,
see fixtures.py); the maker returns a saved object of that model. The matrix test fails
for any view whose model has no maker, so a new view is covered the day it is added.
"""

from collections.abc import Callable

MAKERS: dict[type, Callable] = {}


def object_maker(model):
    def register(function):
        MAKERS[model] = function
        return function

    return register


def load_makers() -> dict[type, Callable]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tests.access")
    return MAKERS
