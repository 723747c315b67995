"""The study items and completions, honours and outputs (and their org-page panel) over the API."""

from ninja import Router

router = Router(tags=["partylife"])
