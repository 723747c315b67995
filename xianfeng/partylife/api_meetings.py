"""The 三会一课, attendance, the compliance calendar and its rules, past-meeting imports over the API."""

from ninja import Router

router = Router(tags=["partylife"])
