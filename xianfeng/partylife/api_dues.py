"""The party dues and party-building funds (and the dues import) over the API."""

from ninja import Router

router = Router(tags=["partylife"])
