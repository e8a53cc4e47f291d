"""Hostile and random JSON into every parser: only BadResponse may come out, and no control character."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_tui.domain import Comment, Incident, Person, SlaClock
from oncall_tui.jira import parse as P
from oncall_tui.jira.adf import adf_to_text
from oncall_tui.jira.errors import BadResponse, JiraError, error_from_response
from tests.shared_paths import SHARED_API_DIR as API_DIR

FETCHED = datetime(2025, 10, 15, 8, 0, tzinfo=UTC)
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


EXAMPLES = [
    json.loads(path.read_text(encoding="utf-8"))
    for folder in ("spec-examples", "go-atlassian-mocks")
    for path in sorted((API_DIR / folder).glob("*.json"))
]

# Keys that steer parsers into their deeper branches, so random documents reach more than the first check.
_KEY_WORDS = (
    "type content text attrs marks href level order timestamp state url key id fields issues "
    "nextPageToken isLast startAt total values isLastPage name accountId displayName emailAddress "
    "timeZone active summary status statusCategory priority assignee reporter components labels "
    "created updated description comment comments body public jsdPublic properties value internal "
    "ongoingCycle completedCycles breachTime stopTime epochMillis iso8601 millis remainingTime "
    "goalDuration elapsedTime breached paused withinCalendarHours transitions to hasScreen "
    "isAvailable required allowedValues schema custom version versionNumbers deploymentType "
    "serverTime baseUrl buildNumber count customfield_10030 _links self"
)
KEYS = _KEY_WORDS.split()
_NODE_WORDS = (
    "doc paragraph text heading bulletList orderedList listItem codeBlock blockquote panel rule "
    "hardBreak mention emoji inlineCard date status table tableRow tableCell mediaSingle media "
    "taskList taskItem expand link"
)
NODE_TYPES = _NODE_WORDS.split()
HOSTILE_STRINGS = [
    "\x1b[31mred\x1b[0m",
    "\x1b]0;pwned\x07",
    "\x1b]8;;http://evil\x1b\\x",
    "[bold]x[/]",
    "[/]",
    "\x9b2J",
    "\x85",
    "\r\n",
    "\x00",
    "2025-10-15T09:55:04.062+0330",
    "1760509504062",
    "-1",
    "true",
    "null",
    "com.atlassian.servicedesk:sd-sla-field",
    "sd-servicelevelagreement",
    "sd.public.comment",
    "DONE",
    '{"internal": true}',
    "9" * 30,
    "Müller ✖ 🔥 مشکل",
    "",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(HOSTILE_STRINGS)
    | st.sampled_from(KEYS + NODE_TYPES)
    | st.text(max_size=30)
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=40,
)
SMALL_JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    max_leaves=10,
)


def _strings(value: Any) -> list[str]:
    """Every string reachable from a parsed domain object."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.items() for s in _strings(item)]
    if isinstance(value, Incident | Comment | Person | SlaClock | P.ServerInfo) or hasattr(value, "__slots__"):
        slots = getattr(type(value), "__slots__", ())
        return [s for name in slots for s in _strings(getattr(value, name, None))]
    return []


def _assert_clean(result: Any) -> None:
    for text in _strings(result):
        assert not FORBIDDEN.search(text), repr(text)


PARSERS: dict[str, Callable[[Any], Any]] = {
    "user": P.parse_user,
    "users": P.parse_users,
    "myself": P.parse_myself,
    "sla_value": lambda o: P.parse_sla_value(o, field_id="customfield_10030", fetched_at=FETCHED),
    "sla_page": lambda o: P.parse_sla_page(o, FETCHED),
    "paged": P.parse_paged_values,
    "issue": lambda o: P.parse_issue(
        o, sla_field_ids={"customfield_10030": "TTR"}, base_url="https://jira.example", fetched_at=FETCHED
    ),
    "search": P.parse_search_page,
    "dc_search": P.parse_dc_search_page,
    "transitions": P.parse_transitions,
    "fields": P.parse_fields,
    "server_info": P.parse_server_info,
    "comment": P.parse_comment,
    "comments": P.parse_comments,
    "count": P.parse_approximate_count,
    "datetime": P.parse_datetime,
}


# These hand back raw JSON for parse_issue to read later; only their own outputs must be clean.
RAW_OUTPUT = {"paged", "search", "dc_search"}


def _run(name: str, doc: Any) -> None:
    try:
        result = PARSERS[name](doc)
    except BadResponse:
        return
    if name in RAW_OUTPUT:
        assert isinstance(result, tuple)
        _assert_clean(result[1:])
    else:
        _assert_clean(result)


@SETTINGS
@given(doc=JSON)
def test_random_json_only_raises_bad_response(doc: Any) -> None:
    # Parsers never modify their input, so one document serves them all.
    for name in PARSERS:
        _run(name, doc)


@SETTINGS
@given(fields=st.dictionaries(st.sampled_from(KEYS), SMALL_JSON, max_size=8), key=SCALARS)
def test_random_issue_fields(fields: dict[str, Any], key: Any) -> None:
    _run("issue", {"key": key if isinstance(key, str) else "OPS-1", "id": key, "fields": fields})


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(_paths(v, (*prefix, i)))
    return found


def _replace(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return doc


@SETTINGS
@given(data=st.data())
def test_mutated_real_examples_only_raise_bad_response(data: st.DataObject) -> None:
    # Real shapes with one hostile value planted anywhere reach far deeper than random documents do.
    original = data.draw(st.sampled_from(EXAMPLES))
    paths = _paths(original)
    doc = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(paths))
        try:
            doc = _replace(doc, path, data.draw(JSON))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    # Parsers never modify their input, so one document serves them all.
    for name in PARSERS:
        _run(name, doc)


@SETTINGS
@given(doc=JSON)
def test_adf_to_text_never_raises_and_is_clean(doc: Any) -> None:
    text = adf_to_text(doc)
    assert isinstance(text, str)
    assert not FORBIDDEN.search(text)


@SETTINGS
@given(
    content=st.recursive(
        st.fixed_dictionaries(
            {"type": st.sampled_from(NODE_TYPES)}, optional={"text": SCALARS, "attrs": JSON, "marks": JSON}
        ),
        lambda children: st.fixed_dictionaries(
            {"type": st.sampled_from(NODE_TYPES), "content": st.lists(children | SCALARS, max_size=4)},
            optional={"attrs": st.dictionaries(st.sampled_from(KEYS), SCALARS, max_size=3)},
        ),
        max_leaves=30,
    )
)
def test_adf_shaped_garbage_renders_clean(content: dict[str, Any]) -> None:
    text = adf_to_text({"type": "doc", "version": 1, "content": [content]})
    assert not FORBIDDEN.search(text)


@SETTINGS
@given(
    status=st.integers(min_value=0, max_value=999),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "Content-Type",
                "retry-after",
                "Retry-After",
                "X-RateLimit-Reset",
                "Location",
                "RateLimit-Reason",
                "X-Authentication-Denied-Reason",
                "x-seraph-loginreason",
            ]
        )
        | st.text(max_size=10),
        st.text(max_size=40)
        | st.sampled_from(["text/html", "application/json", "1e309", "nan", "-inf", "Wed, 99 Foo"]),
        max_size=4,
    ),
    body=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v, default=str).encode()),
    auth_mode=st.sampled_from(["basic", "bearer", "weird"]),
    is_search=st.booleans(),
)
def test_error_from_response_always_returns_a_clean_jira_error(
    status: int, headers: dict[str, str], body: bytes, auth_mode: str, is_search: bool
) -> None:
    err = error_from_response(status, headers, body, auth_mode=auth_mode, is_search=is_search)
    assert isinstance(err, JiraError)
    for text in (err.message, err.hint or "", err.detail or ""):
        assert not FORBIDDEN.search(text)
