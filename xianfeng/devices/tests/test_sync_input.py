"""A malformed or oversized sync request is a 422 in the API's one error shape, never a 500, and
saves nothing; a bad value inside one entry is that entry's refusal, naming the field."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xianfeng.devices.models import SyncedEntry
from xianfeng.servicelog.models import ServiceRecord

from .sync_world import DEVICE, SYNC, build, client_of, delivery, entry, results, sync

HUGE = 10**20
TEN_MB = "x" * (10 * 1024 * 1024)


@pytest.fixture
def w(world):
    return build(world)


def assert_422(response, field: str):
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert any(key == field or key.startswith(f"{field}.") for key in body["errors"]), body["errors"]


def test_fifty_one_entries_are_refused_whole_naming_entries(w, settings):
    client = client_of(w.volunteer)
    outbox = [entry("record", delivery(w), user=w.volunteer) for _ in range(settings.OFFLINE_SYNC_BATCH + 1)]
    response = sync(client, outbox)
    assert_422(response, "entries")
    assert "一次最多同步 50 条，本次 51 条" in response.json()["errors"]["entries"][0]
    assert_422(sync(client, []), "entries")
    assert not ServiceRecord.objects.exists() and not SyncedEntry.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body: body.update(entries={"a": 1}), "entries"),
        (lambda body: body.update(pending=HUGE), "pending"),
        (lambda body: body.update(sent_at="9999-12-31T23:59:59+08:00"), "sent_at"),
        (lambda body: body.update(sent_at="昨天"), "sent_at"),
        (lambda body: body["entries"][0].update(user_id=HUGE), "entries.0.user_id"),
        (lambda body: body["entries"][0].update(client_id=TEN_MB), "entries.0.client_id"),
        # The API's error keys leave out the word "payload" (the name of every operation's body).
        (lambda body: body["entries"][0].update(payload=[1, 2]), "entries.0"),
        (lambda body: body["entries"][0]["payload"].update(note=TEN_MB), "entries.0"),
        (lambda body: body["entries"][0]["payload"].update(note="a\x00b"), "entries"),
        (lambda body: body["entries"][0].update(made_at="0001-01-01T00:00:00Z"), "entries.0.made_at"),
    ],
)
def test_a_malformed_body_is_422_never_500(w, change, field):
    from django.utils import timezone

    body = {
        "sent_at": timezone.now().isoformat(),
        "pending": 1,
        "entries": [entry("record", delivery(w), user=w.volunteer)],
    }
    change(body)
    client = Client(raise_request_exception=False)
    client.force_login(w.volunteer)
    response = client.post(SYNC, body, content_type="application/json", HTTP_X_XIANFENG_DEVICE=DEVICE)
    assert_422(response, field)
    assert not ServiceRecord.objects.exists()


def test_the_device_header_is_required_and_bounded(w):
    client = client_of(w.volunteer)
    body = {"sent_at": "2026-01-01T00:00:00Z", "entries": [entry("record", delivery(w), user=w.volunteer)]}
    for headers in ({}, {"HTTP_X_XIANFENG_DEVICE": "d" * 65}):
        response = client.post(SYNC, body, content_type="application/json", **headers)
        assert response.status_code == 422 and response.json()["errors"]
    assert not ServiceRecord.objects.exists()


def test_bad_values_inside_an_entry_refuse_that_entry_naming_the_field(w):
    client = client_of(w.volunteer)
    outbox = [
        entry("record", delivery(w, resident_id=HUGE), user=w.volunteer),
        entry("record", delivery(w, quantity=HUGE), user=w.volunteer),
        entry("record", delivery(w, note="长" * 501), user=w.volunteer),
        entry("record", {"resident_id": w.resident.pk}, user=w.volunteer),
        entry("record", delivery(w, served_on="2026-02-30"), user=w.volunteer),
        entry("record", delivery(w), user=w.volunteer, client_id="c" * 65),
        entry("record", delivery(w), user=w.volunteer),
    ]
    answers = results(sync(client, outbox))
    assert [a["status"] for a in answers] == ["refused"] * 6 + ["created"]
    assert [list(a["errors"]) for a in answers[:6]] == [
        ["resident_id"],
        ["quantity"],
        ["note"],
        ["service_type"],
        ["served_on"],
        ["client_id"],
    ]
    assert answers[2]["message"] == "备注：最多 500 个字符"
    assert answers[3]["message"] == "服务类型：必填"
    assert ServiceRecord.objects.count() == 1


# --- anything a tampered outbox can hold -----------------------------------------------------

FIELDS = {
    "record": ["service_type", "served_on", "resident_id", "household_id", "team_id", "quantity", "result", "note"],
    "attendance": ["activity_id", "service_type", "resident_ids", "note"],
    "visit": ["enrollment_id", "kind", "visited_on", "service_type", "data", "resident_id", "note"],
    "call": ["started_at", "duration_minutes", "topic", "outcome", "team_id", "shift_id", "callback_phone"],
    "need": ["title", "category", "resident_id", "raised_on", "due_on", "assigned_member_id"],
}
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["medicine_delivery", "2026-02-30", "9999-12-31", "2020-01-01T00:00:00Z", "sleep", "other"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def tampered_entries(draw):
    kind = draw(st.sampled_from(sorted(FIELDS)))
    keys = draw(st.lists(st.sampled_from(FIELDS[kind]), unique=True, max_size=len(FIELDS[kind])))
    payload = {key: draw(VALUES) for key in keys}
    return kind, payload, draw(st.booleans())


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(tampered_entries(), min_size=1, max_size=4))
def test_whatever_an_entry_holds_the_answer_is_per_entry_never_a_server_error(w, batch):
    client = Client(raise_request_exception=False)
    client.force_login(w.volunteer)
    outbox = [entry(kind, payload, user=w.volunteer, date_defaulted=defaulted) for kind, payload, defaulted in batch]
    response = sync(client, outbox)
    if response.status_code == 422:  # NUL or lone surrogates in text: refused whole, in the error shape
        assert set(response.json()) == {"detail", "errors"}
        return
    answers = results(response)
    assert [a["client_id"] for a in answers] == [e["client_id"] for e in outbox]
    for answer in answers:
        assert answer["status"] in ("created", "duplicate", "refused")
        if answer["status"] == "refused":
            assert answer["message"] and answer["objects"] == []
