"""Paging through JSM Ops (OpsClient.create_alert / alert_request / alert) against the simulator over loopback,
and JiraClient.user, the single-user look-up on-call resolution enriches contacts with."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest

from oncall_tui.config_schema import JiraConfig
from oncall_tui.i18n import Translator
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import JiraError, NotFound
from oncall_tui.jira.ops import AlertRefused, OpsClient, OpsNotAvailable, OpsPermissionDenied, Responder
from oncall_tui.sim.server import SimServer
from tests.conftest import TEST_TOKEN, start_sim

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
def dc_sim() -> Iterator[SimServer]:
    server = start_sim(flavour="datacenter")
    yield server
    server.stop()


async def _no_sleep(_seconds: float) -> None:
    return None


def run(sim: SimServer, use: Callable[[OpsClient], Awaitable[T]]) -> T:
    login = sim.login()
    config = JiraConfig(
        url=login.url, deployment=login.flavour, email=login.email if login.flavour == "cloud" else None
    )

    async def go() -> T:
        async with JiraClient(config, login.token, sleep=_no_sleep) as jira:
            return await use(OpsClient(jira))

    return asyncio.run(go())


def pages(sim: SimServer) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = httpx.get(f"{sim.url}/_sim/alerts", timeout=10).json()["alerts"]
    return alerts


def posts(sim: Any) -> int:
    return sum(1 for ex in sim.exchanges if ex.method == "POST" and ex.path.endswith("/v1/alerts"))


def test_create_alert_pages_the_team_and_the_outcome_names_the_alert(sim: SimServer) -> None:
    team = next(t for t in sim.state.teams.values() if t.member_ids)
    long_summary = "Checkout down " * 20

    async def use(ops: OpsClient) -> Any:
        request_id = await ops.create_alert(
            message=f"OPS-3: {long_summary}",
            alias="oncall-tui:OPS-3:L2",
            responders=[Responder(team.id, "team")],
            description="Reason: payment provider timeouts",
            priority="P2",
            tags=("oncall-tui", "OPS-3"),
            details={"issue": "OPS-3"},
            note="from the escalate dialog",
        )
        return request_id, await ops.alert_request(request_id), await ops.alert("oncall-tui:OPS-3:L2")

    request_id, outcome, alert = run(sim, use)
    (page,) = pages(sim)
    assert outcome is not None and outcome.success and outcome.request_id == request_id
    assert outcome.alert_id == page["id"] == alert.id
    assert page["responders"] == [{"id": team.id, "type": "team", "name": team.name}]
    assert (page["alias"], page["priority"], page["details"], page["note"]) == (
        "oncall-tui:OPS-3:L2",
        "P2",
        {"issue": "OPS-3"},
        "from the escalate dialog",
    )
    # JSM Ops takes 130 characters of message: the client cuts, rather than have the page refused.
    assert (
        len(page["message"]) == 130
        and page["message"].startswith("OPS-3: Checkout down")
        and page["message"][-1] == "…"
    )
    assert (alert.alias, alert.count, alert.priority, alert.responders) == (
        "oncall-tui:OPS-3:L2",
        1,
        "P2",
        (Responder(team.id, "team"),),
    )


def test_the_alias_makes_paging_again_idempotent(sim: SimServer) -> None:
    team = next(t for t in sim.state.teams.values() if t.member_ids)

    async def use(ops: OpsClient) -> Any:
        args = {"message": "OPS-4 L2", "alias": "oncall-tui:OPS-4:L2", "responders": [Responder(team.id, "team")]}
        await ops.create_alert(**args)
        await ops.create_alert(**args)
        return await ops.alert("oncall-tui:OPS-4:L2")

    alert = run(sim, use)
    assert posts(sim) == 2
    (page,) = pages(sim)
    assert page["count"] == 2 == alert.count


def test_unknown_alias_and_unknown_request_are_none(sim: SimServer) -> None:
    async def use(ops: OpsClient) -> Any:
        return await ops.alert("oncall-tui:none"), await ops.alert_request("no-such-request")

    assert run(sim, use) == (None, None)


def test_an_unknown_responder_is_a_failed_outcome(sim: SimServer) -> None:
    async def use(ops: OpsClient) -> Any:
        request_id = await ops.create_alert(message="m", alias="a", responders=[Responder("nope", "team")])
        return await ops.alert_request(request_id)

    outcome = run(sim, use)
    assert outcome is not None and not outcome.success and "nope" in outcome.status and outcome.alert_id is None
    assert pages(sim) == []


def test_a_refused_alert_says_why_in_both_languages(sim: SimServer) -> None:
    with pytest.raises(AlertRefused) as caught:
        run(sim, lambda ops: ops.create_alert(message="m", alias="a", responders=[], priority="P9"))
    error = caught.value
    assert error.status == 422 and "P9" in (error.detail or "")
    assert error.message_id == "JSM Ops refused the alert: {detail}"
    text = Translator("de")(error.message_id, **error.message_params)
    assert text.startswith("JSM Ops hat den Alarm abgelehnt") and "P9" in text
    assert TEST_TOKEN not in f"{error.full_text} {error!r} {error.detail}"


def test_paging_without_permission_is_ops_permission_denied(sim: SimServer) -> None:
    sim.set_faults("status=403,paths=/jsm/ops")
    with pytest.raises(OpsPermissionDenied):
        run(sim, lambda ops: ops.create_alert(message="m", alias="a", responders=[]))
    assert pages(sim) == []


def test_data_center_pages_nothing_and_sends_nothing(dc_sim: SimServer) -> None:
    with pytest.raises(OpsNotAvailable):
        run(dc_sim, lambda ops: ops.create_alert(message="m", alias="a", responders=[]))
    assert not [ex for ex in dc_sim.exchanges if "/jsm/ops" in ex.path]  # type: ignore[attr-defined]


def test_a_responder_needs_an_id_and_a_known_type() -> None:
    with pytest.raises(ValueError):
        Responder("x", "group")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Responder("", "team")


def test_jira_user_by_account_id_and_by_username(sim: SimServer, dc_sim: SimServer) -> None:
    cloud_user = next(u for u in sim.state.users.values() if u.agent)
    dc_user = next(u for u in dc_sim.state.users.values() if u.agent)

    async def cloud(ops: OpsClient) -> Any:
        person = await ops._jira.user(account_id=cloud_user.account_id)
        with pytest.raises(NotFound):
            await ops._jira.user(account_id="no-such-account")
        return person

    async def dc(ops: OpsClient) -> Any:
        return await ops._jira.user(username=dc_user.username)

    person = run(sim, cloud)
    assert (person.account_id, person.display_name, person.time_zone) == (
        cloud_user.account_id,
        cloud_user.display_name,
        cloud_user.time_zone,
    )
    person = run(dc_sim, dc)
    assert (person.username, person.display_name, person.time_zone) == (
        dc_user.username,
        dc_user.display_name,
        dc_user.time_zone,
    )
    with pytest.raises(ValueError):
        run(sim, lambda ops: ops._jira.user())
    assert issubclass(AlertRefused, JiraError)
