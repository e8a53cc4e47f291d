"""Incidents for the codec and snapshot tests: real ones fetched from the simulator over HTTP, and any that
hypothesis can make, plus an equality that sees every field (SlaClock leaves its running values out of ==)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.domain import Comment, Incident, Person, SlaClock, StatusCategory
from oncall_tui.jira.client import JiraClient
from tests.conftest import FROZEN_START, start_sim

OPEN = "project = OPS AND statusCategory != Done ORDER BY key"


def fetch_incidents(*, flavour: str = "cloud", scenario: str = "default", jql: str = OPEN) -> list[Incident]:
    """A queue as the app's client reads it from the simulator, the first incidents with their comments."""

    async def fetch() -> list[Incident]:
        login = server.login()
        config = JiraConfig(url=login.url, deployment=flavour, email=login.email if flavour == "cloud" else None)  # type: ignore[arg-type]
        async with JiraClient(config, Secret(login.token), now=lambda: FROZEN_START) as jira:
            found = list(await jira.search(jql))
            # Full issues (description, comments) for a few, so the codec meets every field Jira fills.
            full = [await jira.get_issue(inc.key) for inc in found[:5]]
            return full + found[5:]

    server = start_sim(flavour=flavour, scenario=scenario)
    try:
        return asyncio.run(fetch())
    finally:
        server.stop()


def every_field(value: Any) -> Any:
    """`value` as nested tuples of every dataclass field, each datetime with its UTC offset."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, *(every_field(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, tuple | list):
        return tuple(every_field(v) for v in value)
    if isinstance(value, datetime):
        return (value, value.utcoffset())
    if isinstance(value, StatusCategory):
        return ("category", value.value)
    return (type(value).__name__, value)


# ---- hypothesis ------------------------------------------------------------------------------------------------

# What the client's parser can produce: sanitised text (no control characters but tab and newline, no lone
# surrogates), any other Unicode, markup-looking brackets included.
_chars = st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\t[]{}\\\"'")
text = st.text(_chars, max_size=40)
opt_text = st.none() | text
offsets = st.integers(min_value=-(24 * 3600 - 1), max_value=24 * 3600 - 1).map(
    lambda s: timezone(timedelta(seconds=s))
) | st.just(UTC)
aware = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=offsets)
opt_aware = st.none() | aware
opt_int = st.none() | st.integers(min_value=-(2**53), max_value=2**53)


@st.composite
def people(draw: st.DrawFn) -> Person:
    account_id = draw(opt_text)
    username = draw(opt_text) if account_id else draw(text.filter(bool))
    return Person(
        display_name=draw(text),
        account_id=account_id,
        username=username,
        email=draw(opt_text),
        time_zone=draw(opt_text),
        active=draw(st.booleans()),
    )


slas = st.builds(
    SlaClock,
    name=text,
    fetched_at=aware,
    field_id=opt_text,
    metric_id=opt_text,
    goal_ms=opt_int,
    elapsed_ms=opt_int,
    remaining_ms=opt_int,
    breach_time=opt_aware,
    breached=st.booleans(),
    paused=st.booleans(),
    within_calendar_hours=st.booleans(),
    completed=st.booleans(),
)
comments = st.builds(
    Comment,
    id=text,
    body_text=text,
    author=st.none() | people(),
    created=opt_aware,
    updated=opt_aware,
    public=st.none() | st.booleans(),
    cut=st.booleans(),
)
_cuttable = [f.name for f in dataclasses.fields(Incident)]
incidents = st.builds(
    Incident,
    key=text,
    id=text,
    summary=text,
    status=text,
    status_category=st.sampled_from(StatusCategory),
    priority=opt_text,
    priority_id=opt_text,
    issue_type=opt_text,
    assignee=st.none() | people(),
    reporter=st.none() | people(),
    components=st.lists(text, max_size=3).map(tuple),
    labels=st.lists(text, max_size=3).map(tuple),
    created=opt_aware,
    updated=opt_aware,
    description_text=text,
    comments=st.lists(comments, max_size=3).map(tuple),
    slas=st.lists(slas, max_size=3).map(tuple),
    url=text,
    cut_fields=st.lists(st.sampled_from(_cuttable), max_size=3, unique=True).map(tuple),
)
