"""The simulator's control API (`/_sim/...`), over HTTP: clock, incidents, colleagues' changes, permissions.

Every effect is read back through Jira's own API (search, GET issue, comments), as a client would see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from oncall_tui.sim import adf
from oncall_tui.sim.scenarios.outage import BURST_SIZE, MAJOR_FOLLOW_UPS, MAJOR_INCIDENT_SUMMARY
from oncall_tui.sim.server import SimServer
from tests.conftest import FROZEN_START, http_client, start_sim
from tests.openapi_check import validate_response

V3 = "/rest/api/3"
TTR = "customfield_10030"


def control(client: httpx.Client, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    response = client.request(method, f"/_sim{path}", json=body)
    assert response.status_code == status, f"{method} /_sim{path} -> {response.status_code}: {response.text}"
    if status >= 400:
        assert response.json()["errorMessages"]
    return response.json()


def api_get(client: httpx.Client, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    validate_response(response)
    return response.json()


def search(client: httpx.Client, jql: str, fields: list[str], max_results: int = 100) -> list[dict[str, Any]]:
    request = {"jql": jql, "fields": fields, "maxResults": max_results}
    response = client.post(f"{V3}/search/jql", json=request)
    assert response.status_code == 200, response.text
    validate_response(response)
    issues: list[dict[str, Any]] = response.json()["issues"]
    return issues


def count(client: httpx.Client, jql: str) -> int:
    response = client.post(f"{V3}/search/approximate-count", json={"jql": jql})
    assert response.status_code == 200, response.text
    validate_response(response)
    number: int = response.json()["count"]
    return number


def fields_of(client: httpx.Client, key: str, fields: str) -> dict[str, Any]:
    result: dict[str, Any] = api_get(client, f"{V3}/issue/{key}", fields=fields)["fields"]
    return result


# ---- state and clock -----------------------------------------------------------------------------------------


def test_state_summarises_the_site(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    state = control(api_ro, "GET", "/state")
    assert (state["scenario"], state["flavour"], state["baseUrl"]) == ("default", "cloud", sim_ro.url)
    assert datetime.fromisoformat(state["now"]) == FROZEN_START
    assert state["speed"] == 0.0
    assert state["issues"] == count(api_ro, "project in (OPS, CDH)")
    assert state["openIssues"] == count(api_ro, "project in (OPS, CDH) AND statusCategory != Done")
    assert state["pendingEvents"] > 0
    assert state["deniedPermissions"] == []


def test_advancing_the_clock_runs_down_a_24x7_sla(api: httpx.Client) -> None:
    jql = 'project = OPS AND priority in (Highest, High) AND "Time to resolution" = running() ORDER BY key'
    before = {i["key"]: i["fields"][TTR]["ongoingCycle"] for i in search(api, jql, [TTR])}
    assert before, "no running 24x7 time-to-resolution SLA in the default scenario"
    # Well before the first scheduled event (a new incident after 7 minutes), so nothing else changes.
    state = control(api, "POST", "/clock", {"advance": 300})
    assert datetime.fromisoformat(state["now"]) == FROZEN_START + timedelta(seconds=300)
    after = {i["key"]: i["fields"][TTR]["ongoingCycle"] for i in search(api, f"key in ({','.join(before)})", [TTR])}
    for key, cycle in before.items():
        assert after[key]["remainingTime"]["millis"] == cycle["remainingTime"]["millis"] - 300_000, key
        assert after[key]["elapsedTime"]["millis"] == cycle["elapsedTime"]["millis"] + 300_000, key
        assert after[key]["breachTime"] == cycle["breachTime"], key


def test_clock_refuses_going_back_and_nonsense(api_ro: httpx.Client) -> None:
    now = control(api_ro, "GET", "/state")["now"]
    for body in ({"advance": -60}, {"advance": "soon"}, {"speed": -1}, {"speed": None}):
        assert "clock" in control(api_ro, "POST", "/clock", body, status=400)["errorMessages"][0], body
    assert control(api_ro, "GET", "/state")["now"] == now


def test_speed_makes_time_run_and_zero_freezes_it(api: httpx.Client) -> None:
    # A million simulated seconds per real second: two requests are far more than a second apart in
    # simulated time, however fast the machine.
    start = datetime.fromisoformat(control(api, "POST", "/clock", {"speed": 1e6})["now"])
    assert control(api, "GET", "/state")["speed"] == 1e6
    later = datetime.fromisoformat(control(api, "GET", "/state")["now"])
    assert later > start
    frozen = control(api, "POST", "/clock", {"speed": 0})
    assert frozen["speed"] == 0.0
    assert control(api, "GET", "/state")["now"] == frozen["now"]
    server_time = api_get(api, f"{V3}/serverInfo")["serverTime"]
    # /_sim/state shows whole seconds; serverInfo has milliseconds.
    shown = datetime.strptime(server_time, "%Y-%m-%dT%H:%M:%S.%f%z").replace(microsecond=0)
    assert shown == datetime.fromisoformat(frozen["now"])


# ---- things happening to the site ------------------------------------------------------------------------------


def test_new_incident_appears_in_search(api: httpx.Client) -> None:
    request = {"summary": "Consent banner blank on iOS", "priority": "Highest", "service": "Consent Management"}
    created = control(api, "POST", "/incidents", request, status=201)
    newest = search(api, "project = OPS ORDER BY created DESC, key DESC", ["summary", "priority", "components", TTR], 1)
    assert newest[0]["key"] == created["key"]
    fields = newest[0]["fields"]
    assert fields["summary"] == "Consent banner blank on iOS"
    assert fields["priority"]["name"] == "Highest"
    assert [c["name"] for c in fields["components"]] == ["Consent Management"]
    assert fields[TTR]["ongoingCycle"]["goalDuration"]["millis"] == 4 * 3_600_000
    assert fields[TTR]["ongoingCycle"]["elapsedTime"]["millis"] == 0
    for bad in ({"priority": "High"}, {"summary": "x", "priority": "Urgentest"}, {"summary": "x", "service": "Nope"}):
        control(api, "POST", "/incidents", bad, status=400)


def test_customer_comment_answers_a_waiting_request(api: httpx.Client) -> None:
    key = search(api, "project = OPS AND statusCategory != Done AND reporter is not EMPTY ORDER BY key", ["key"], 1)[0][
        "key"
    ]
    control(api, "POST", f"/issues/{key}/status", {"status": "Waiting for customer"})
    control(api, "POST", f"/issues/{key}/customer-comment", {"text": "Still broken here."}, status=201)
    comments = api_get(api, f"{V3}/issue/{key}/comment", orderBy="-created")["comments"]
    newest = comments[0]
    assert adf.to_text(newest["body"]) == "Still broken here."
    assert newest["author"]["accountType"] == "customer"
    assert newest["jsdPublic"] is True
    assert fields_of(api, key, "status")["status"]["name"] == "Waiting for support"
    control(api, "POST", f"/issues/{key}/customer-comment", {"text": " "}, status=400)


def test_a_colleague_reassigns_an_issue(sim: SimServer, api: httpx.Client) -> None:
    issue = next(i for i in sim.state.issues.values() if i.project_key == "OPS" and i.assignee)
    agents = [u for u in sim.state.users.values() if u.agent and u.active and u.account_id != issue.assignee]
    target, actor = agents[0], agents[1]
    control(api, "POST", f"/issues/{issue.key}/assign", {"accountId": target.account_id, "actor": actor.username})
    assignee = fields_of(api, issue.key, "assignee")["assignee"]
    assert (assignee["accountId"], assignee["displayName"]) == (target.account_id, target.display_name)
    control(api, "POST", f"/issues/{issue.key}/assign", {"username": "nobody"}, status=400)
    control(api, "POST", f"/issues/{issue.key}/assign", {"accountId": None})
    assert fields_of(api, issue.key, "assignee")["assignee"] is None


def test_status_change_pauses_the_resolution_sla(api: httpx.Client) -> None:
    jql = 'project = OPS AND "Time to resolution" = running() ORDER BY key'
    key = search(api, jql, ["key"], 1)[0]["key"]
    control(api, "POST", f"/issues/{key}/status", {"status": "Pending"})
    fields = fields_of(api, key, f"status,{TTR}")
    assert fields["status"]["name"] == "Pending"
    assert fields[TTR]["ongoingCycle"]["paused"] is True
    control(api, "POST", f"/issues/{key}/status", {"status": "Resolved"})
    fields = fields_of(api, key, f"status,resolution,{TTR}")
    assert fields["status"]["statusCategory"]["key"] == "done"
    assert fields["resolution"] is not None
    assert "ongoingCycle" not in fields[TTR] and fields[TTR]["completedCycles"]
    control(api, "POST", f"/issues/{key}/status", {"status": "Dreaming"}, status=400)
    control(api, "GET", "/issues/OPS-99999", status=404)


def test_permissions_are_denied_and_restored(api: httpx.Client) -> None:
    denied = control(api, "POST", "/permissions", {"deny": ["ADD_COMMENTS"]})
    assert denied["deniedPermissions"] == ["ADD_COMMENTS"]
    have = api_get(api, f"{V3}/mypermissions", permissions="ADD_COMMENTS")["permissions"]["ADD_COMMENTS"]
    assert have["havePermission"] is False
    assert api.post(f"{V3}/issue/OPS-1/comment", json={"body": adf.from_text("hi")}).status_code == 403
    assert control(api, "POST", "/permissions", {"deny": []})["deniedPermissions"] == []
    have = api_get(api, f"{V3}/mypermissions", permissions="ADD_COMMENTS")["permissions"]["ADD_COMMENTS"]
    assert have["havePermission"] is True
    control(api, "POST", "/permissions", {"deny": ["FLY"]}, status=400)
    control(api, "POST", "/permissions", {"deny": "ADD_COMMENTS"}, status=400)


# ---- scheduled scenario events ----------------------------------------------------------------------------------


@pytest.fixture
def outage() -> Iterator[httpx.Client]:
    server = start_sim(scenario="outage")
    with http_client(server) as client:
        yield client
    server.stop()


def test_outage_events_arrive_as_the_clock_advances(outage: httpx.Client) -> None:
    major = search(outage, f'summary ~ "{MAJOR_INCIDENT_SUMMARY}"', ["comment"])
    assert len(major) == 1
    major_key, major_comments = major[0]["key"], major[0]["fields"]["comment"]["total"]
    ops = count(outage, "project = OPS")
    pending = control(outage, "GET", "/state")["pendingEvents"]

    control(outage, "POST", "/clock", {"advance": 600})

    assert count(outage, "project = OPS") >= ops + BURST_SIZE
    burst = count(outage, 'project = OPS AND labels = customer-impact AND created >= "-10m"')
    assert burst >= BURST_SIZE
    comments = api_get(outage, f"{V3}/issue/{major_key}/comment")
    assert comments["total"] == major_comments + len(MAJOR_FOLLOW_UPS)
    assert all(c["author"]["accountType"] == "customer" for c in comments["comments"][-len(MAJOR_FOLLOW_UPS) :])
    assert control(outage, "GET", "/state")["pendingEvents"] < pending
