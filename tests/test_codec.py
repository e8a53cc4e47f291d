"""The incident codec (issue 8, item 8): exact round trips for real and any incidents; anything else raises
CodecError, and only CodecError."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_tui.domain import Comment, Incident, Person, SlaClock, StatusCategory
from oncall_tui.domain.codec import (
    CodecError,
    incident_from_data,
    incident_to_data,
    person_from_data,
    person_to_data,
)
from tests.incident_data import every_field, fetch_incidents, incidents, people

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def round_trip(incident: Incident) -> Incident:
    # Through JSON text, as the cache and the outbox store it.
    return incident_from_data(json.loads(json.dumps(incident_to_data(incident))))


@pytest.fixture(scope="module")
def cloud_incidents() -> list[Incident]:
    return fetch_incidents(flavour="cloud")


@pytest.fixture(scope="module")
def dc_incidents() -> list[Incident]:
    return fetch_incidents(flavour="datacenter")


def test_real_cloud_incidents_round_trip_exactly(cloud_incidents: list[Incident]) -> None:
    # The fixture's queue has what the codec must carry: SLAs, people, comments, descriptions.
    assert any(i.slas for i in cloud_incidents) and any(i.comments for i in cloud_incidents)
    assert any(i.assignee for i in cloud_incidents) and any(i.description_text for i in cloud_incidents)
    for incident in cloud_incidents:
        back = round_trip(incident)
        assert back == incident
        assert every_field(back) == every_field(incident)


def test_real_data_center_incidents_round_trip_exactly(dc_incidents: list[Incident]) -> None:
    people = [p for i in dc_incidents for p in (i.assignee, i.reporter) if p is not None]
    assert people and all(p.username for p in people)
    for incident in dc_incidents:
        assert every_field(round_trip(incident)) == every_field(incident)


@SETTINGS
@given(incidents)
def test_any_incident_round_trips_exactly(incident: Incident) -> None:
    assert every_field(round_trip(incident)) == every_field(incident)


@SETTINGS
@given(people())
def test_any_person_round_trips_exactly(person: Person) -> None:
    assert person_from_data(json.loads(json.dumps(person_to_data(person)))) == person


def test_offsets_are_kept_and_zones_come_back_as_the_same_instant_and_offset() -> None:
    berlin = datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=ZoneInfo("Europe/Berlin"))
    odd = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30, seconds=-15)))
    incident = Incident(key="OPS-1", id="1", summary="s", created=berlin, updated=odd)
    back = round_trip(incident)
    assert back.created == berlin and back.created is not None and back.created.utcoffset() == timedelta(hours=1)
    assert back.updated is not None and back.updated.utcoffset() == odd.utcoffset()


# ---- strict on the way in --------------------------------------------------------------------------------------

FETCHED = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
FULL = Incident(
    key="OPS-7",
    id="10007",
    summary="Login fails",
    status="In Progress",
    status_category=StatusCategory.IN_PROGRESS,
    priority="High",
    priority_id="2",
    issue_type="Incident",
    assignee=Person("Anna", account_id="a1", email="a@example.net", time_zone="Europe/Berlin"),
    reporter=Person("Bo", username="bo", active=False),
    components=("Portal",),
    labels=("p1",),
    created=FETCHED - timedelta(hours=2),
    updated=FETCHED,
    description_text="line\nline",
    comments=(Comment("1", "hi", Person("Bo", username="bo"), FETCHED, FETCHED, public=False, cut=True),),
    slas=(SlaClock("TTR", FETCHED, "customfield_1", "1", 3600000, 10, 20, FETCHED, True, True, False, True),),
    url="https://jira.example.net/browse/OPS-7",
    cut_fields=("summary",),
)


def test_the_sample_sets_every_field_away_from_its_default() -> None:
    # Guards the tests below: every key is in the data, so each wrong type is met.
    data = incident_to_data(FULL)
    assert len(data) == 19
    assert (
        len(data["comments"][0]) == 7 and len(data["slas"][0]) == 12 and len(data["assignee"] | data["reporter"]) == 6
    )


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += paths(item, (*prefix, i))
    return found


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def wrong_values(original: Any) -> list[Any]:
    candidates: list[Any] = [None, True, 7, 1.5, "x", [], {}, [1], {"a": 1}]
    # null is right where the value is optional; a string is right for any text field.
    return [v for v in candidates if type(v) is not type(original) and not (isinstance(original, str) and v == "x")]


OPTIONAL = {
    "priority",
    "priority_id",
    "type",
    "assignee",
    "reporter",
    "created",
    "updated",
    "author",
    "public",
    "field_id",
    "metric_id",
    "goal_ms",
    "elapsed_ms",
    "remaining_ms",
    "breach_time",
    "account_id",
    "username",
    "email",
    "tz",
}


def test_a_wrong_type_anywhere_raises_codec_error_naming_the_place() -> None:
    data = incident_to_data(FULL)
    checked = 0
    for path in paths(data):
        for wrong in wrong_values(_get(data, path)):
            if wrong is None and path[-1] in OPTIONAL:
                continue
            with pytest.raises(CodecError) as caught:
                incident_from_data(replaced(data, path, wrong))
            checked += 1
            assert str(path[0]) in caught.value.path
    assert checked > 300


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"category": "blocked"}, "incident.category"),
        ({"cut_fields": ["nonsense"]}, "incident.cut_fields[0]"),
        ({"created": "yesterday"}, "incident.created"),
        ({"created": "2026-03-02T09:30:00"}, "incident.created"),  # no offset: countdowns would be hours off
        ({"summary": "\x1b]0;owned\x07"}, "incident.summary"),  # an escape sequence from a damaged file
        ({"summary": "\x9b2J"}, "incident.summary"),
        ({"assignee": {"name": "Nobody"}}, "incident.assignee"),  # no identity
        ({"surprise": 1}, "incident"),
        ({"comments": [{"body": "no id"}]}, "incident.comments[0]"),
        ({"slas": [{"name": "TTR", "fetched_at": "2026-03-02T09:30:00"}]}, "incident.slas[0].fetched_at"),
        ({"slas": [{"name": "TTR", "fetched_at": "2026-03-02T08:30:00+00:00", "goal_ms": True}]}, "goal_ms"),
    ],
)
def test_invalid_values_raise_codec_error(change: dict[str, Any], where: str) -> None:
    with pytest.raises(CodecError) as caught:
        incident_from_data({**incident_to_data(FULL), **change})
    assert where in str(caught.value)


@pytest.mark.parametrize("missing", ["key", "id", "summary"])
def test_required_keys_are_required(missing: str) -> None:
    data = incident_to_data(FULL)
    del data[missing]
    with pytest.raises(CodecError, match=missing):
        incident_from_data(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from([*incident_to_data(FULL), "name", "fetched_at", "x"]), inner, max_size=5)
    ),
    max_leaves=20,
)


@SETTINGS
@given(json_values)
def test_garbage_raises_codec_error_only(value: Any) -> None:
    try:
        back = incident_from_data(value)
    except CodecError:
        return
    assert isinstance(back, Incident)


@SETTINGS
@given(st.data())
def test_a_damaged_real_shape_raises_codec_error_only(data: st.DataObject) -> None:
    document = incident_to_data(FULL)
    path = data.draw(st.sampled_from(paths(document)))
    damaged = replaced(document, path, data.draw(json_values))
    try:
        back = incident_from_data(damaged)
    except CodecError:
        return
    assert isinstance(back, Incident)
