"""/api/emergencies/: emergencies, groups, meetings, daily reports; pledges, teams, rosters, applications."""

from ninja import Router

from . import api_command, api_people

router = Router()
# The people part first: its fixed words (/pledges/, /teams/, /shifts/…) must be tried before the
# command part's "/{emergency_id}/", which would otherwise take them for an id.
router.add_router("", api_people.router)
router.add_router("", api_command.router)
