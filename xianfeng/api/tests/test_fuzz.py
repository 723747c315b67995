"""Generated API fuzzing (issue 7 §5): schemathesis against the OpenAPI schema, in-process.

Every operation of the schema gets schemathesis' boundary cases (its coverage phase) and
``MAX_EXAMPLES`` generated requests, valid and invalid, sent once as the administrator and once
as a 党员/志愿者 scoped to one branch. About half of the generated ids are replaced by the ids of
real rows (``api_world``), so reads and writes of real objects are exercised too. The checks:
no 5xx, the status code, content type and body are the ones the schema declares, every error is
in the one error shape, and no input reaches the last-resort out-of-range handler.

Requests go through Django's WSGI handler in this thread, on the test's database connection, so
whatever the fuzzer writes is rolled back with the test's transaction (pytest-django ``db``).
The run is reproducible: a fixed seed, ``derandomize`` and no example database.
About 6 000 requests; set FUZZ_MAX_EXAMPLES to search deeper locally.
"""

import itertools
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from xianfeng.api.api import api

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
SEED = 20261123


class InTransactionWSGI:
    """Django's WSGI handler run the way Django's test client runs it: the request must not close
    the test's database connection (``close_old_connections`` would end its transaction)."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.requests = itertools.count(1)
        self.sent = 0

    def __call__(self, environ, start_response):
        self.sent = next(self.requests)
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            app_iter = self.handler(environ, start_response)
            try:
                body = b"".join(app_iter)
            finally:
                app_iter.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]


APP = InTransactionWSGI()
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
schema.app = APP

# Parameter or body field name -> the api_world row it may be pointed at.
ID_FIELDS = {
    "org_id": "org_id",
    "parent_id": "org_id",
    "branch_id": "org_id",
    "owner_org_id": "org_id",
    "to_branch_id": "org_id",
    "member_id": "member_id",
    "team_id": "team_id",
    "membership_id": "membership_id",
    "post_id": "post_id",
    "zone_id": "zone_id",
    "resident_id": "resident_id",
    "household_id": "household_id",
    "code": "code",
    "record_id": "record_id",  # servicelog (api_records.py)
    "service_type": "service_type",
    "type": "service_type",
}
KNOWN_IDS: dict[str, object] = {}


def _points_at_a_row(value) -> bool:
    """Deterministic, about half of the generated values: even ints, even-length codes."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value % 2 == 0
    return isinstance(value, str) and len(value) % 2 == 0


@schema.hook
def map_case(context, case):
    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name, value in container.items():
            target = ID_FIELDS.get(name)
            if target in KNOWN_IDS and _points_at_a_row(value):
                container[name] = KNOWN_IDS[target]
    return case


def one_error_shape(ctx, response, case):
    """Every answer that is not a success is {"detail": str, "errors": {field: [str]}} and nothing else."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"detail", "errors"}, f"not the error shape: {body!r}"
    assert isinstance(body["detail"], str), body
    errors = body["errors"]
    assert isinstance(errors, dict) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(m, str) for m in v) for k, v in errors.items()
    ), body
    # The last-resort handler (xianfeng/api/api.py) answers this when a value the schema let through
    # overflowed the database: a schema bug, not an acceptable answer.
    assert errors != {"__all__": ["数值超出允许范围"]}, "input out of range reached the database"
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    one_error_shape,
]

fuzz = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def fuzz_world(api_world):
    KNOWN_IDS.update(api_world.ids)  # before hypothesis generates the first case
    yield api_world
    KNOWN_IDS.clear()


@schema.parametrize()
@fuzz
def test_api_as_administrator(case, fuzz_world):
    case.call_and_validate(headers={"Authorization": fuzz_world.auth["admin"]}, checks=CHECKS)


@schema.parametrize()
@fuzz
def test_api_as_scoped_volunteer(case, fuzz_world):
    case.call_and_validate(headers={"Authorization": fuzz_world.auth["volunteer"]}, checks=CHECKS)
