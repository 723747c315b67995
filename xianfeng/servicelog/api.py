"""The service log's API: types, records (single and bulk), activities. The routers of each area
live in api_<area>.py and are mounted here, so the OpenAPI tag stays "servicelog"."""

from ninja import Router

router = Router(tags=["servicelog"])
