"""/api/emergencies/: emergencies, groups, meetings, daily reports; pledges, teams, rosters, applications."""

from ninja import Router

from . import api_command, api_people

router = Router()
router.add_router("", api_command.router)
router.add_router("", api_people.router)
