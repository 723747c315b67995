"""The hotline over the API (issue 12 §5): the duty roster and the call log with escalations.

Health data: calls and escalations exist only for callers holding "hotline.view".
"""

from ninja import Router

from .api_calls import router as calls_router
from .api_roster import router as roster_router

router = Router(tags=["hotline"])
router.add_router("/roster/", roster_router)
router.add_router("/", calls_router)
