"""The emergency, its working groups, leadership meetings and daily situation reports over the API."""

from ninja import Router

router = Router(tags=["emergencies"])
