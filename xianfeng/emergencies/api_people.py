"""请战书, commando and outbound teams, 1-to-1 family pairing, duty rosters and front-line applications over the API."""

from ninja import Router

router = Router(tags=["emergencies"])
