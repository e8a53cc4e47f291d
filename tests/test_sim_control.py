"""The simulator's control API (`/_sim/...`), over HTTP: clock, incidents, colleagues' changes, permissions.

Every effect is read back through Jira's own API (search, GET issue, comments), as a client would see it.
"""

from __future__ import annotations

import json
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


# ---- bad input is refused and changes nothing -------------------------------------------------------------------

# A lone surrogate: valid JSON (`\ud800`), valid Python str, yet no UTF-8 encoder accepts it.
LONE = "\ud800"
ESCAPED_LONE = '"CRM \\ud800 down"'  # as JSON text: the escape, not the character


def raw_post(client: httpx.Client, path: str, body: bytes, method: str = "POST") -> httpx.Response:
    return client.request(method, path, content=body, headers={"Content-Type": "application/json"})


def platform_error(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.url} -> {response.status_code}: {response.text[:300]}"
    body: dict[str, Any] = response.json()
    assert isinstance(body["errorMessages"], list) and isinstance(body["errors"], dict), body
    assert body["errorMessages"] or body["errors"], body
    return body


def site_snapshot(client: httpx.Client, key: str) -> tuple[Any, ...]:
    """What a refused request must leave as it was: the issue as the simulator holds it, and the site."""
    state = control(client, "GET", "/state")
    return (control(client, "GET", f"/issues/{key}"), {k: v for k, v in state.items() if k != "pendingEvents"})


def everything_renders(client: httpx.Client) -> None:
    """Every issue with every field, comments and properties included, comes back as JSON."""
    issues = search(client, "project in (OPS, CDH)", ["*all"], max_results=100)
    assert issues
    for issue in issues[:5]:
        api_get(client, f"{V3}/issue/{issue['key']}", expand="names", properties="*all")


def test_a_lone_surrogate_in_a_new_incident_is_refused_and_search_keeps_working(api: httpx.Client) -> None:
    before = control(api, "GET", "/state")["issues"]
    bodies = [
        f'{{"summary": {ESCAPED_LONE}, "priority": "High"}}'.encode(),
        # The same character as raw bytes (CESU-style ED A0 80): Python's JSON decoder lets it through too.
        b'{"summary": "CRM \xed\xa0\x80 down", "priority": "High"}',
        b'{"summary": "CRM down", "priority": "High", "description": "x\\udfff"}',
        b'{"summary": "CRM down", "priority": "High", "\\udc00": 1}',
    ]
    for body in bodies:
        error = platform_error(raw_post(api, "/_sim/incidents", body))
        assert "not valid Unicode" in error["errorMessages"][0], error
        assert "\\ud" in error["errorMessages"][0].lower(), "the message should show the bad character escaped"
    assert control(api, "GET", "/state")["issues"] == before
    assert count(api, "project = OPS AND summary ~ CRM AND created >= -1m") == 0
    everything_renders(api)


def test_every_route_that_takes_text_refuses_unencodable_text_and_changes_nothing(api: httpx.Client) -> None:
    key = search(api, "project = OPS AND statusCategory != Done AND reporter is not EMPTY ORDER BY key", ["key"], 1)[0][
        "key"
    ]
    bad_doc = adf.from_text(f"paged {LONE}")
    # A transition the issue offers and that needs no screen: only the comment can make it fail.
    offered = api_get(api, f"{V3}/issue/{key}/transitions")["transitions"]
    transition = next(t["id"] for t in offered if not t["hasScreen"])
    writes: list[tuple[str, str, Any]] = [
        ("POST", "/_sim/incidents", {"summary": "ok", "priority": "High", "labels": [f"x{LONE}"]}),
        ("POST", "/_sim/faults", {"spec": f"rate=0.5,{LONE}"}),
        ("POST", "/_sim/permissions", {"deny": [LONE]}),
        ("POST", "/_sim/clock", {"speed": LONE}),
        ("POST", f"/_sim/issues/{key}/customer-comment", {"text": f"still broken {LONE}"}),
        ("POST", f"/_sim/issues/{key}/assign", {"username": LONE}),
        ("POST", f"/_sim/issues/{key}/status", {"status": LONE}),
        ("PUT", f"{V3}/issue/{key}", {"fields": {"summary": f"renamed {LONE}"}}),
        ("PUT", f"{V3}/issue/{key}", {"update": {"labels": [{"add": f"x{LONE}"}]}}),
        ("PUT", f"{V3}/issue/{key}/assignee", {"accountId": LONE}),
        ("POST", f"{V3}/issue/{key}/comment", {"body": bad_doc}),
        ("POST", f"/rest/api/2/issue/{key}/comment", {"body": f"paged {LONE}"}),
        (
            "POST",
            f"{V3}/issue/{key}/comment",
            {"body": adf.from_text("ok"), "properties": [{"key": "sd.public.comment", "value": {"note": LONE}}]},
        ),
        (
            "POST",
            f"{V3}/issue/{key}/transitions",
            {"transition": {"id": transition}, "update": {"comment": [{"add": {"body": bad_doc}}]}},
        ),
        ("PUT", f"{V3}/issue/{key}/properties/triage", {"note": LONE}),
        ("POST", f"{V3}/search/jql", {"jql": f'summary ~ "{LONE}"'}),
        ("POST", f"{V3}/search/approximate-count", {"jql": f'summary ~ "{LONE}"'}),
    ]
    before = site_snapshot(api, key)
    for method, path, body in writes:
        # json.dumps escapes the surrogate (ensure_ascii): the body on the wire is valid JSON, as a client sends it.
        response = raw_post(api, path, json.dumps(body).encode(), method)
        error = platform_error(response)
        assert "not valid Unicode" in " ".join([*error["errorMessages"], *error["errors"].values()]), (path, error)
    jsm = raw_post(
        api, f"/rest/servicedeskapi/request/{key}/comment", json.dumps({"body": LONE, "public": True}).encode()
    )
    assert jsm.status_code == 400, jsm.text
    assert "not valid Unicode" in jsm.json()["errorMessage"]
    assert site_snapshot(api, key) == before
    everything_renders(api)


def test_numbers_json_cannot_carry_and_runaway_nesting_are_refused(api: httpx.Client) -> None:
    key = search(api, "project = OPS ORDER BY key", ["key"], 1)[0]["key"]
    before = site_snapshot(api, key)
    for body in (
        b'{"speed": NaN}',
        b'{"advance": Infinity}',
        b'{"advance": 1e400}',  # parses to infinity
        b'{"speed": "Infinity"}',
        b'{"speed": "nan"}',
        b'{"advance": 1e300}',  # finite, but far beyond the calendar
        b'{"speed": 5, "advance": -60}',  # the good half must not apply either
    ):
        error = platform_error(raw_post(api, "/_sim/clock", body))
        assert error["errorMessages"], body
    platform_error(raw_post(api, f"{V3}/issue/{key}/properties/score", b'{"value": NaN}', "PUT"))
    platform_error(raw_post(api, "/_sim/incidents", b"[" * 50_000 + b"]" * 50_000))
    platform_error(raw_post(api, "/_sim/incidents", b'{"summary": "x", "labels": ' + b"[" * 500 + b"]" * 500 + b"}"))
    assert site_snapshot(api, key) == before
    assert api.get(f"{V3}/issue/{key}/properties/score").status_code == 404
    everything_renders(api)


def test_control_routes_refuse_values_of_the_wrong_type(api: httpx.Client) -> None:
    key = search(api, "project = OPS AND assignee is not EMPTY ORDER BY key", ["key"], 1)[0]["key"]
    before = site_snapshot(api, key)
    refused = [
        (f"/issues/{key}/assign", {"accountId": ["someone"]}),
        (f"/issues/{key}/assign", {"accountId": None, "actor": {"name": "x"}}),
        (f"/issues/{key}/status", {"status": ["Pending"]}),
        ("/incidents", {"summary": "Banner blank", "priority": "High", "labels": "consent banner"}),
        ("/incidents", {"summary": "Banner blank", "priority": "High", "labels": ["two words"]}),
        ("/incidents", {"summary": "Banner blank", "priority": "High", "description": {"type": "doc"}}),
        ("/incidents", {"summary": "Banner blank", "priority": ["High"]}),
        ("/incidents", {"summary": "x" * 256, "priority": "High"}),
        ("/incidents", {"summary": "Banner blank", "priority": "High", "parent": "OPS-99999"}),
    ]
    for path, body in refused:
        platform_error(api.post(f"/_sim{path}", json=body))
    assert site_snapshot(api, key) == before


def test_a_scheduled_change_with_bad_text_is_dropped_and_requests_keep_working(
    sim: SimServer, api: httpx.Client
) -> None:
    key = search(api, "project = OPS AND statusCategory != Done ORDER BY key", ["key"], 1)[0]["key"]
    # Scenario events are scheduled in-process (no HTTP route schedules text): that is the path to guard here.
    at = sim.state.now() + timedelta(seconds=30)
    sim.state.schedule(at, "create_incident", summary=f"CRM {LONE} down", priority_id="2")
    sim.state.schedule(at, "customer_comment", key=key, text=f"any news {LONE}")
    sim.state.schedule(at, "create_incident", summary="Dealer Portal slow", priority_id="3")
    issues = control(api, "GET", "/state")["issues"]
    comments = len(control(api, "GET", f"/issues/{key}")["comments"])
    control(api, "POST", "/clock", {"advance": 60})
    assert control(api, "GET", "/state")["issues"] == issues + 1  # only the good incident arrived
    assert len(control(api, "GET", f"/issues/{key}")["comments"]) == comments
    assert [i["fields"]["summary"] for i in search(api, "project = OPS AND created >= -2m", ["summary"])] == [
        "Dealer Portal slow"
    ]
    everything_renders(api)
