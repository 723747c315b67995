"""/api/partylife/: meetings and the compliance calendar, study, honours and outputs, dues and funds."""

from ninja import Router

from . import api_dues, api_meetings, api_study

router = Router()
router.add_router("", api_meetings.router)
router.add_router("", api_study.router)
router.add_router("", api_dues.router)
