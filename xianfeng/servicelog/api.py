"""The service log's API: one router, tagged "servicelog", on which each area mounts its own
router with an empty prefix, so every path starts with /api/servicelog/: the service-type
catalogue (api_types.py), records (api_records.py), activities (api_activities.py).
"""

from ninja import Router

from .api_activities import router as activities_router
from .api_records import router as records_router
from .api_types import router as types_router

router = Router(tags=["servicelog"])

# Each area keeps its operations in its own module; its paths start with "/types/", "/records/",
# "/activities/". Add a line per area below.
router.add_router("", types_router)
router.add_router("", records_router)
router.add_router("", activities_router)
