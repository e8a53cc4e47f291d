"""The action runner against the simulator over HTTP, when the answer to a write is lost.

A comment or transition whose request may have reached Jira must never be reported as "failed, retry"
without asking Jira: the runner re-reads the issue and reports posted, not posted, or "may have gone through".
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.domain.incident import TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.i18n import ENGLISH
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import (
    ApiGone,
    AuthError,
    BadRequest,
    BadResponse,
    DeadlineExceeded,
    DnsError,
    HtmlInsteadOfJson,
    InvalidJql,
    JiraError,
    NetworkError,
    NotFound,
    PermissionDenied,
    ProxyError,
    RateLimited,
    ServerError,
    TlsError,
)
from oncall_tui.jira.transport import RetryPolicy
from oncall_tui.sync.actions import ActionRunner, Outcome, may_have_landed
from oncall_tui.sync.store import IncidentStore
from oncall_tui.ui.words import outcome_words
from tests.conftest import FROZEN_START, CheckedSimServer, start_sim


def words(outcome: Outcome) -> str:
    """What the UI says of the outcome (in English)."""
    return outcome_words(outcome, ENGLISH)


KEY = "OPS-1"
COMMENT_PATH = f"/rest/api/3/issue/{KEY}/comment"
TRANSITION_PATH = f"/rest/api/3/issue/{KEY}/transitions"
ISSUE_PATH = f"/rest/api/3/issue/{KEY}"


async def no_sleep(seconds: float) -> None:
    """Retries back off without waiting (tests never sleep for time)."""


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
async def client(sim: CheckedSimServer) -> AsyncIterator[JiraClient]:
    login = sim.login()
    config = JiraConfig(url=login.url, deployment="cloud", email=login.email)
    retry = RetryPolicy(attempts=1)
    async with JiraClient(config, Secret(login.token), retry=retry, sleep=no_sleep, now=lambda: FROZEN_START) as jira:
        yield jira


@pytest.fixture
async def runner(client: JiraClient) -> ActionRunner:
    """A runner whose store holds OPS-1, as after a poll, and whose clock is the simulator's frozen one."""
    store = IncidentStore()
    store.put(await client.get_issue(KEY))
    return ActionRunner(client, store, await client.myself(), now=lambda: FROZEN_START)


def sim_issue(sim: CheckedSimServer, key: str = KEY) -> dict[str, Any]:
    response = httpx.get(f"{sim.url}/_sim/issues/{key}", timeout=10)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def texts(sim: CheckedSimServer) -> list[str]:
    return [c["text"] for c in sim_issue(sim)["comments"]]


def requests_since(sim: CheckedSimServer, mark: int) -> list[tuple[str, str, int]]:
    """What the app sent to Jira's API since `mark` (the test's own control calls left out)."""
    return [(ex.method, ex.path, ex.status) for ex in sim.exchanges[mark:] if not ex.path.startswith("/_sim/")]


async def control(sim: CheckedSimServer, path: str, body: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=f"{sim.url}/_sim", timeout=10) as http:
        (await http.post(path, json=body)).raise_for_status()


# ---- comments ------------------------------------------------------------------------------------------------


async def test_lost_answer_comment_is_confirmed_by_a_re_read(sim: CheckedSimServer, runner: ActionRunner) -> None:
    before = texts(sim)
    text = "Rolled back the deploy.\n\n  Watching the graphs  "
    sim.set_faults(f"lose=1,paths={COMMENT_PATH}")
    outcome = await runner.comment(KEY, text, public=True)
    assert outcome.ok and not outcome.uncertain, words(outcome)
    assert words(outcome) == f"Add public reply to {KEY}: done (confirmed after a connection problem)"
    assert outcome.error is None
    after = texts(sim)
    assert len(after) == len(before) + 1, "exactly one comment was posted"
    assert after[-1].split() == text.split()
    assert outcome.fresh is not None and outcome.fresh.comments[-1].body_text.split() == text.split()
    assert not runner.store.has_pending(KEY)
    shown = runner.store.get(KEY)
    assert shown is not None and shown.comments[-1].id == outcome.fresh.comments[-1].id != "pending"


async def test_dropped_request_comment_is_not_posted(sim: CheckedSimServer, runner: ActionRunner) -> None:
    before = texts(sim)
    sim.set_faults(f"drop=1,paths={COMMENT_PATH}")
    outcome = await runner.comment(KEY, "Rolled back the deploy", public=False)
    assert not outcome.ok and not outcome.uncertain
    assert isinstance(outcome.error, NetworkError)
    assert "does not show it: not done" in words(outcome) and KEY in words(outcome)
    assert texts(sim) == before
    assert not runner.store.has_pending(KEY)
    shown = runner.store.get(KEY)
    assert shown is not None and all(c.id != "pending" for c in shown.comments)


async def test_lost_answer_and_failed_re_read_is_uncertain(sim: CheckedSimServer, runner: ActionRunner) -> None:
    before = texts(sim)
    # The prefix covers the POST and the re-read (GET /issue/OPS-1): both answers are lost.
    sim.set_faults(f"lose=1,paths={ISSUE_PATH}")
    mark = len(sim.exchanges)
    outcome = await runner.comment(KEY, "Customer informed", public=True)
    assert not outcome.ok and outcome.uncertain
    assert words(outcome).endswith(f"check {KEY} before trying again; your text is kept.")
    assert "failed" not in words(outcome)
    assert texts(sim) == [*before, "Customer informed"], "it was in fact posted"
    assert [(m, p) for m, p, _ in requests_since(sim, mark)] == [("POST", COMMENT_PATH), ("GET", ISSUE_PATH)]
    assert not runner.store.has_pending(KEY)


async def test_stopped_server_during_re_read_is_uncertain(sim: CheckedSimServer, runner: ActionRunner) -> None:
    sim.set_faults(f"lose=1,paths={COMMENT_PATH}")
    real_get_issue = runner.client.get_issue

    async def jira_gone(key: str) -> Any:
        sim.stop()
        return await real_get_issue(key)

    runner.client.get_issue = jira_gone  # type: ignore[method-assign]
    outcome = await runner.comment(KEY, "Customer informed", public=True)
    assert not outcome.ok and outcome.uncertain, words(outcome)
    assert sim.state.issue(KEY).comments[-1].author == runner.me.account_id  # type: ignore[union-attr]


async def test_refused_comment_fails_without_a_re_read(sim: CheckedSimServer, runner: ActionRunner) -> None:
    before = texts(sim)
    await control(sim, "/permissions", {"deny": ["ADD_COMMENTS"]})
    mark = len(sim.exchanges)
    outcome = await runner.comment(KEY, "Rolled back the deploy", public=True)
    assert not outcome.ok and not outcome.uncertain
    assert isinstance(outcome.error, PermissionDenied)
    assert words(outcome).startswith(f"Add public reply to {KEY} failed: Jira says you may not do that")
    assert requests_since(sim, mark) == [("POST", COMMENT_PATH, 403)], "no re-read after a clear refusal"
    assert texts(sim) == before


@pytest.mark.parametrize(("status", "uncertain"), [(502, False), (504, True)])
async def test_proxy_errors_are_checked(
    sim: CheckedSimServer, runner: ActionRunner, status: int, uncertain: bool
) -> None:
    """A 502 and a 504 may hide a posted comment: Jira is asked. Not found after a 504 (Jira may still be
    working on it) is still "check first", never "retry"."""
    before = texts(sim)
    sim.set_faults(f"status={status},paths={COMMENT_PATH}")
    mark = len(sim.exchanges)
    outcome = await runner.comment(KEY, "Rolled back the deploy", public=True)
    assert not outcome.ok and outcome.uncertain is uncertain, words(outcome)
    assert isinstance(outcome.error, ServerError) and outcome.error.status == status
    assert ("GET", ISSUE_PATH, 200) in requests_since(sim, mark)
    assert texts(sim) == before


def as_polled(runner: ActionRunner) -> None:
    """Make the store's copy of OPS-1 look like a poll's: searches fetch no comments."""
    held = runner.store.get(KEY)
    assert held is not None
    runner.store.put(dataclasses.replace(held, comments=()))


async def test_an_earlier_identical_comment_is_no_confirmation(sim: CheckedSimServer, client: JiraClient) -> None:
    # Our clock is a day behind Jira's: by it, the earlier comment looks new. Jira's `updated` says it is not.
    store = IncidentStore()
    store.put(await client.get_issue(KEY))
    runner = ActionRunner(client, store, await client.myself(), now=lambda: FROZEN_START - timedelta(days=1))
    first = await runner.comment(KEY, "Still investigating", public=True)
    assert first.ok and first.fresh is not None
    as_polled(runner)
    sim.set_faults(f"drop=1,paths={COMMENT_PATH}")
    again = await runner.comment(KEY, "Still investigating", public=True)
    assert not again.ok and not again.uncertain, words(again)
    assert texts(sim).count("Still investigating") == 1


async def test_confirmation_does_not_trust_our_clock(sim: CheckedSimServer, client: JiraClient) -> None:
    """Our clock a day ahead of Jira's: the comment is still recognised as new by Jira's own times."""
    store = IncidentStore()
    store.put(await client.get_issue(KEY))
    runner = ActionRunner(client, store, await client.myself(), now=lambda: FROZEN_START + timedelta(days=1))
    as_polled(runner)
    sim.set_faults(f"lose=1,paths={COMMENT_PATH}")
    outcome = await runner.comment(KEY, "Rolled back the deploy", public=True)
    assert outcome.ok, words(outcome)


async def test_a_comment_older_than_the_action_is_no_confirmation(sim: CheckedSimServer, client: JiraClient) -> None:
    me = await client.myself()
    # The store does not hold the issue (no known comment ids); only the time tells the old comment apart.
    posted = await ActionRunner(client, IncidentStore(), me, now=lambda: FROZEN_START).comment(
        KEY, "Still investigating", public=True
    )
    assert posted.ok
    later = FROZEN_START + timedelta(minutes=30)
    await control(sim, "/clock", {"advance": 1800})
    sim.set_faults(f"drop=1,paths={COMMENT_PATH}")
    again = await ActionRunner(client, IncidentStore(), me, now=lambda: later).comment(
        KEY, "Still investigating", public=True
    )
    assert not again.ok and not again.uncertain, words(again)


@pytest.mark.parametrize(
    ("text", "internal"), [("Rolled back the deploy, again", False), ("Rolled back the deploy", True)]
)
async def test_my_other_new_comment_is_no_confirmation(
    sim: CheckedSimServer, client: JiraClient, runner: ActionRunner, text: str, internal: bool
) -> None:
    """A comment of mine posted meanwhile (another window) with other words, or an internal note where a
    public reply was sent, does not stand for the reply."""
    await client.add_comment(KEY, text, internal=internal)
    sim.set_faults(f"drop=1,paths={COMMENT_PATH}")
    outcome = await runner.comment(KEY, "Rolled back the deploy", public=True)
    assert not outcome.ok and not outcome.uncertain, words(outcome)


async def test_someone_elses_identical_comment_is_no_confirmation(sim: CheckedSimServer, client: JiraClient) -> None:
    posted = await ActionRunner(client, IncidentStore(), await client.myself(), now=lambda: FROZEN_START).comment(
        KEY, "Looking into it", public=True
    )
    assert posted.ok
    sim.set_faults(f"drop=1,paths={COMMENT_PATH}")
    other = Person("Someone Else", account_id="someone-else")
    outcome = await ActionRunner(client, IncidentStore(), other, now=lambda: FROZEN_START).comment(
        KEY, "Looking into it", public=True
    )
    assert not outcome.ok and not outcome.uncertain, words(outcome)


# ---- transitions -----------------------------------------------------------------------------------------------


async def _simple_transition(client: JiraClient, sim: CheckedSimServer) -> TransitionOption:
    current = sim_issue(sim)["status"]
    options = await client.transitions(KEY)
    return next(o for o in options if o.to_status and o.to_status != current and not o.required_fields)


async def test_lost_answer_transition_is_confirmed(
    sim: CheckedSimServer, client: JiraClient, runner: ActionRunner
) -> None:
    option = await _simple_transition(client, sim)
    sim.set_faults(f"lose=1,paths={TRANSITION_PATH}")
    outcome = await runner.transition(KEY, option)
    assert outcome.ok, words(outcome)
    assert "confirmed after a connection problem" in words(outcome)
    assert sim_issue(sim)["status"] == option.to_status
    assert outcome.fresh is not None and outcome.fresh.status == option.to_status


async def test_dropped_transition_is_not_done(sim: CheckedSimServer, client: JiraClient, runner: ActionRunner) -> None:
    before = sim_issue(sim)["status"]
    option = await _simple_transition(client, sim)
    sim.set_faults(f"drop=1,paths={TRANSITION_PATH}")
    outcome = await runner.transition(KEY, option)
    assert not outcome.ok and not outcome.uncertain, words(outcome)
    assert sim_issue(sim)["status"] == before
    shown = runner.store.get(KEY)
    assert shown is not None and shown.status == before, "the optimistic status was rolled back"


async def test_transition_to_the_status_it_already_has_cannot_be_confirmed(
    sim: CheckedSimServer, client: JiraClient, runner: ActionRunner
) -> None:
    current = sim_issue(sim)["status"]
    option = TransitionOption(id="999", name="Stay", to_status=current)
    sim.set_faults(f"lose=1,paths={TRANSITION_PATH}")
    outcome = await runner.transition(KEY, option)
    assert not outcome.ok and outcome.uncertain, words(outcome)


async def test_transition_of_an_issue_not_held_cannot_be_confirmed(sim: CheckedSimServer, client: JiraClient) -> None:
    """Without a copy from before, "now in the target status" may have been true all along."""
    option = await _simple_transition(client, sim)
    runner = ActionRunner(client, IncidentStore(), await client.myself(), now=lambda: FROZEN_START)
    sim.set_faults(f"lose=1,paths={TRANSITION_PATH}")
    outcome = await runner.transition(KEY, option)
    assert not outcome.ok and outcome.uncertain, words(outcome)
    assert sim_issue(sim)["status"] == option.to_status


# ---- which errors may hide a landed write --------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        AuthError(),
        PermissionDenied(),
        NotFound(),
        BadRequest(),
        InvalidJql(),
        RateLimited(retry_after=3, status=503),
        ApiGone(),
        DnsError(),
        TlsError(),
        ProxyError(status=407),
        HtmlInsteadOfJson(status=403),
        JiraError("Who you are is not known yet."),
    ],
    ids=lambda e: type(e).__name__,
)
def test_refusals_did_not_land(error: JiraError) -> None:
    assert not may_have_landed(error)


@pytest.mark.parametrize(
    "error",
    [
        NetworkError(),
        DeadlineExceeded(seconds=30),
        BadResponse(status=200),
        HtmlInsteadOfJson(status=200),
        ServerError(status=500),
        ServerError(status=502),
        ServerError(status=503),
        ServerError(status=504),
    ],
    ids=lambda e: f"{type(e).__name__}-{e.status}",
)
def test_lost_or_garbled_answers_may_have_landed(error: JiraError) -> None:
    assert may_have_landed(error)


async def test_a_refused_connection_is_a_plain_failure_not_a_maybe() -> None:
    import socket

    # A port nobody listens on: the connection is refused before anything is sent.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = JiraConfig(url=f"http://127.0.0.1:{port}", deployment="cloud", email="anna.schmidt@example.com")
    async with JiraClient(config, Secret("t"), retry=RetryPolicy(attempts=1), sleep=no_sleep) as jira:
        store = IncidentStore()
        outcome = await ActionRunner(jira, store, Person(display_name="Anna", account_id="a1")).comment(
            KEY, "hello", public=False
        )
    assert not outcome.ok
    assert not outcome.uncertain
    assert outcome.error is not None and outcome.error.sent is False
