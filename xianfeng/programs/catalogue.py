"""The programs that ship with the product: importing a module registers its program(s)."""

from . import custom, elderly, pairing, poverty, smd  # noqa: F401
