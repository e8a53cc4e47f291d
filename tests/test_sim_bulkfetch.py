"""The simulator's bulk issue fetch (`POST /rest/api/{2,3}/issue/bulkfetch`, Cloud only), the control API's issue
deletion and the `times=N` fault, over HTTP. Every answer is checked against Atlassian's platform spec
(`bulkFetchIssues`: `BulkIssueResults` of `IssueBean`s) by the fixture's CheckedSimServer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from oncall_tui.sim.server import SimServer
from tests.conftest import CheckedSimServer, http_client, start_sim
from tests.openapi_check import validate_request_body, validate_response

BULK = "/rest/api/3/issue/bulkfetch"


@pytest.fixture
def cloud() -> Iterator[tuple[CheckedSimServer, httpx.Client]]:
    server = start_sim()
    with http_client(server) as client:
        yield server, client
    server.stop()


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, f"{response.request.url} -> {response.status_code}: {response.text[:300]}"
    validate_response(response)
    return response.json()


def ops_keys(sim: SimServer) -> list[str]:
    return [key for key, issue in sim.state.issues.items() if issue.project_key == "OPS"]


def test_bulk_fetch_returns_the_asked_issues_in_id_order_with_the_asked_fields(
    cloud: tuple[CheckedSimServer, httpx.Client],
) -> None:
    sim, api = cloud
    keys = ops_keys(sim)[:6]
    sim.state.issues[keys[2]].properties["oncall-tui.escalation"] = {"level": 2}
    by_id = str(sim.state.issues[keys[4]].id)
    # Keys and ids mixed, out of order, one in lower case, one twice, one that does not exist.
    wanted = [keys[3], keys[0], by_id, keys[2].lower(), keys[0], "OPS-99999"]
    body = {"issueIdsOrKeys": wanted, "fields": ["summary", "status"], "properties": ["oncall-tui.escalation"]}
    validate_request_body("POST", BULK, body)
    data = ok(api.post(BULK, json=body))
    assert [i["key"] for i in data["issues"]] == [keys[0], keys[2], keys[3], keys[4]]
    assert [int(i["id"]) for i in data["issues"]] == sorted(int(i["id"]) for i in data["issues"])
    assert all(set(i["fields"]) == {"summary", "status"} for i in data["issues"])
    assert data["issues"][1]["properties"] == {"oncall-tui.escalation": {"level": 2}}
    assert data["issues"][0]["fields"]["summary"] == sim.state.issues[keys[0]].summary
    # Not found is not an error: left out of both lists.
    assert data["issueErrors"] == []


def test_bulk_fetch_defaults_to_navigable_fields_and_serves_v2_text_bodies(
    cloud: tuple[CheckedSimServer, httpx.Client],
) -> None:
    sim, api = cloud
    key = next(k for k in ops_keys(sim) if sim.state.issues[k].description)
    v3 = ok(api.post(BULK, json={"issueIdsOrKeys": [key]}))["issues"][0]
    v2 = ok(api.post("/rest/api/2/issue/bulkfetch", json={"issueIdsOrKeys": [key], "fields": ["description"]}))
    assert {"summary", "status", "priority", "assignee"} <= set(v3["fields"])
    assert v3["fields"]["description"]["type"] == "doc"
    assert isinstance(v2["issues"][0]["fields"]["description"], str)


@pytest.mark.parametrize(
    "body",
    [
        {"issueIdsOrKeys": []},
        {"issueIdsOrKeys": [f"OPS-{n}" for n in range(1, 102)]},
        {"fields": ["summary"]},
        {"issueIdsOrKeys": "OPS-1"},
        {"issueIdsOrKeys": ["OPS-1"], "properties": ["a", "b", "c", "d", "e", "f"]},
    ],
)
def test_bulk_fetch_refuses_what_the_spec_does_not_allow(
    cloud: tuple[CheckedSimServer, httpx.Client], body: dict[str, Any]
) -> None:
    _, api = cloud
    response = api.post(BULK, json=body)
    assert response.status_code == 400, response.text
    validate_response(response)
    assert response.json()["errorMessages"]


def test_data_center_has_no_bulk_fetch() -> None:
    server = start_sim(flavour="datacenter")
    try:
        with http_client(server) as api:
            response = api.post("/rest/api/2/issue/bulkfetch", json={"issueIdsOrKeys": ["OPS-1"]})
        assert response.status_code == 404
    finally:
        server.stop()


def test_a_deleted_issue_is_gone_from_every_read(cloud: tuple[CheckedSimServer, httpx.Client]) -> None:
    sim, api = cloud
    gone, kept = ops_keys(sim)[:2]
    assert httpx.delete(f"{sim.url}/_sim/issues/{gone}", timeout=10).status_code == 204
    assert api.get(f"/rest/api/3/issue/{gone}").status_code == 404
    assert [i["key"] for i in ok(api.post(BULK, json={"issueIdsOrKeys": [gone, kept]}))["issues"]] == [kept]
    found = ok(api.post("/rest/api/3/search/jql", json={"jql": "project = OPS", "fields": ["key"], "maxResults": 5000}))
    assert kept in {i["key"] for i in found["issues"]} and gone not in {i["key"] for i in found["issues"]}
    assert httpx.delete(f"{sim.url}/_sim/issues/{gone}", timeout=10).status_code == 404


def test_times_limits_faults_to_the_first_matching_requests(cloud: tuple[CheckedSimServer, httpx.Client]) -> None:
    sim, api = cloud
    httpx.post(f"{sim.url}/_sim/faults", json={"spec": f"status=503,times=2,paths={BULK}"}, timeout=10)
    body = {"issueIdsOrKeys": ops_keys(sim)[:1]}
    assert api.get("/rest/api/3/myself").status_code == 200  # outside `paths`: not counted
    statuses = [api.post(BULK, json=body).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    state = httpx.get(f"{sim.url}/_sim/state", timeout=10).json()
    assert state["faults"]["times"] == 2
