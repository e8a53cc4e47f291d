"""JSM `servicedeskapi` on the simulator, over HTTP: service desks, queues, requests, SLAs and comments.

Every response a test looks at is also checked against Atlassian's JSM OpenAPI spec.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from oncall_tui.sim import adf
from oncall_tui.sim.model import Issue
from oncall_tui.sim.scenarios import ME_ACCOUNT_ID
from oncall_tui.sim.server import SimServer
from oncall_tui.sim.state import SimState
from tests.openapi_check import validate_response

API = "/rest/servicedeskapi"


def _get(client: httpx.Client, path: str, params: dict[str, Any] | None = None, status: int = 200) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    validate_response(response)
    return response.json()


def _post_comment(client: httpx.Client, key: str, body: Any, status: int = 201) -> Any:
    response = client.post(f"{API}/request/{key}/comment", json=body)
    assert response.status_code == status, response.text
    validate_response(response)
    return response.json()


def _assert_jsm_error(body: Any) -> None:
    assert isinstance(body["errorMessage"], str) and body["errorMessage"]
    assert isinstance(body["i18nErrorMessage"]["i18nKey"], str)


def _all_pages(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Follow `_links.next` to the end, checking the PagedDTO bookkeeping on the way."""
    values: list[dict[str, Any]] = []
    body = _get(client, path, params)
    while True:
        assert body["size"] == len(body["values"]) <= body["limit"]
        assert body["start"] == len(values)
        values.extend(body["values"])
        if body["isLastPage"]:
            assert "next" not in body["_links"]
            return values
        response = client.get(body["_links"]["next"])
        validate_response(response)
        body = response.json()
        assert body["_links"]["prev"]


def _sla_of(state: SimState, issue: Issue, metric_id: str) -> Any:
    return next((r for r in state.slas(issue) if r.definition.id == metric_id), None)


def _first_response_running(state: SimState) -> Issue:
    """An open OPS request whose first-response SLA clock is running and that nobody answered yet."""
    ttfr = next(d.id for d in state.sla_definitions if d.stop_on_public_agent_comment)
    for issue in state.issues.values():
        record = _sla_of(state, issue, ttfr)
        if issue.project_key == "OPS" and record and record.ongoing and not record.ongoing.paused:
            return issue
    raise AssertionError("the default scenario has no request waiting for a first response")


def _unresolved(state: SimState, project_key: str) -> list[Issue]:
    return [i for i in state.issues.values() if i.project_key == project_key and i.resolution_id is None]


# ---- service desks ----------------------------------------------------------------------------------------


def test_service_desks_are_paged(api: httpx.Client) -> None:
    desks = _all_pages(api, f"{API}/servicedesk", {"limit": 1})
    assert [(d["id"], d["projectKey"]) for d in desks] == [("1", "OPS"), ("2", "CDH")]
    assert desks[0]["projectName"] == "IT Operations"
    assert desks[0]["_links"]["self"].endswith(f"{API}/servicedesk/1")


def test_a_service_desk_is_found_by_id_or_project_key(sim: SimServer, api: httpx.Client) -> None:
    by_id = _get(api, f"{API}/servicedesk/2")
    assert by_id["projectKey"] == "CDH"
    assert _get(api, f"{API}/servicedesk/CDH") == by_id
    assert _get(api, f"{API}/servicedesk/{sim.state.projects['CDH'].id}") == by_id
    _assert_jsm_error(_get(api, f"{API}/servicedesk/99", status=404))


def test_servicedeskapi_needs_auth(sim: SimServer) -> None:
    response = httpx.get(f"{sim.url}{API}/servicedesk", timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    validate_response(response)
    _assert_jsm_error(response.json())


# ---- queues -----------------------------------------------------------------------------------------------


def test_queue_counts_match_the_issues_each_queue_serves(api: httpx.Client) -> None:
    queues = _get(api, f"{API}/servicedesk/1/queue", {"includeCount": "true"})["values"]
    assert {q["name"] for q in queues} >= {"All open", "Assigned to me", "Unassigned", "P1/P2"}
    for queue in queues:
        issues = _all_pages(api, f"{API}/servicedesk/1/queue/{queue['id']}/issue", {"limit": 7})
        assert queue["issueCount"] == len(issues), queue["name"]
        assert len({i["key"] for i in issues}) == len(issues)
    without = _get(api, f"{API}/servicedesk/1/queue")["values"]
    assert all("issueCount" not in q for q in without)
    assert [q["id"] for q in without] == [q["id"] for q in queues]


def test_queues_select_what_their_names_promise(sim: SimServer, api: httpx.Client) -> None:
    state = sim.state
    queues = {q["name"]: q for q in _get(api, f"{API}/servicedesk/1/queue")["values"]}

    def issues(name: str) -> list[dict[str, Any]]:
        return _get(api, f"{API}/servicedesk/1/queue/{queues[name]['id']}/issue", {"limit": 100})["values"]

    open_keys = {i.key for i in _unresolved(state, "OPS")}
    assert {i["key"] for i in issues("All open")} == open_keys
    mine = issues("Assigned to me")
    assert mine and {i["key"] for i in mine} == {
        i.key for i in _unresolved(state, "OPS") if i.assignee == ME_ACCOUNT_ID
    }
    assert all(i["fields"]["assignee"]["accountId"] == ME_ACCOUNT_ID for i in mine)
    unassigned = issues("Unassigned")
    assert unassigned and all(i["fields"]["assignee"] is None for i in unassigned)
    urgent = issues("P1/P2")
    assert urgent and {i["fields"]["priority"]["name"] for i in urgent} <= {"Highest", "High"}
    waiting = issues("Waiting for customer")
    assert waiting and {i["fields"]["status"]["name"] for i in waiting} == {"Waiting for customer"}
    at_risk = issues("Breached or at risk")
    assert at_risk
    for issue in at_risk:
        ttr = issue["fields"]["customfield_10030"]["ongoingCycle"]["remainingTime"]["millis"]
        ttfr = (issue["fields"].get("customfield_10031") or {}).get("ongoingCycle")
        assert ttr < 3_600_000 or (ttfr and ttfr["remainingTime"]["millis"] < 900_000)
    # Queue columns come back as fields, SLAs included; `issuekey` is a column, not a field.
    first = issues("All open")[0]
    assert set(first["fields"]) == set(queues["All open"]["fields"]) - {"issuekey"}


def test_queue_issues_are_paged_in_queue_order(api: httpx.Client) -> None:
    whole = _get(api, f"{API}/servicedesk/1/queue/11/issue", {"limit": 100})
    assert whole["isLastPage"] and "next" not in whole["_links"]
    paged = _all_pages(api, f"{API}/servicedesk/1/queue/11/issue", {"limit": 4})
    assert [i["key"] for i in paged] == [i["key"] for i in whole["values"]]
    beyond = _get(api, f"{API}/servicedesk/1/queue/11/issue", {"start": 500})
    assert beyond["values"] == [] and beyond["isLastPage"]


def test_a_queue_can_be_read_on_its_own(api: httpx.Client) -> None:
    listed = _get(api, f"{API}/servicedesk/2/queue", {"includeCount": "true"})["values"][0]
    assert _get(api, f"{API}/servicedesk/2/queue/{listed['id']}", {"includeCount": "true"}) == listed
    assert "issueCount" not in _get(api, f"{API}/servicedesk/2/queue/{listed['id']}")


def test_queue_404s(api: httpx.Client) -> None:
    desk_two_queue = _get(api, f"{API}/servicedesk/2/queue")["values"][0]["id"]
    for path in (
        f"{API}/servicedesk/1/queue/999",
        f"{API}/servicedesk/1/queue/{desk_two_queue}",  # a queue of another service desk
        f"{API}/servicedesk/1/queue/999/issue",
        f"{API}/servicedesk/42/queue",
    ):
        _assert_jsm_error(_get(api, path, status=404))


# ---- permissions ------------------------------------------------------------------------------------------


def test_without_the_agent_permission_queues_and_slas_are_forbidden(sim: SimServer, api: httpx.Client) -> None:
    someone_elses = next(i for i in sim.state.issues.values() if i.reporter != ME_ACCOUNT_ID)
    assert _get(api, f"{API}/request/{someone_elses.key}/sla")["values"]
    sim.state.denied_permissions.add("SERVICEDESK_AGENT")
    for path in (
        f"{API}/servicedesk/1/queue",
        f"{API}/servicedesk/1/queue/11",
        f"{API}/servicedesk/1/queue/11/issue",
        f"{API}/request/{someone_elses.key}",  # a customer sees only their own requests
        f"{API}/request/{someone_elses.key}/sla",
    ):
        _assert_jsm_error(_get(api, path, status=403))
    # Listing comments documents no 403: a request the caller may not see is not found.
    _assert_jsm_error(_get(api, f"{API}/request/{someone_elses.key}/comment", status=404))
    assert len(_get(api, f"{API}/servicedesk")["values"]) == 2  # the portals stay visible


def test_a_customer_sees_and_writes_only_public_comments_on_own_requests(sim: SimServer, api: httpx.Client) -> None:
    state = sim.state
    mine = state.add_issue(
        project_key="OPS", summary="Mein Drucker druckt nicht", priority_id="3", reporter=ME_ACCOUNT_ID,
        created=state.now(),
    )  # fmt: skip
    _post_comment(api, mine.key, {"body": "Agent note: printer queue stuck", "public": False})
    _post_comment(api, mine.key, {"body": "We are on it.", "public": True})
    state.denied_permissions.add("SERVICEDESK_AGENT")

    visible = _get(api, f"{API}/request/{mine.key}/comment")["values"]
    assert [c["body"] for c in visible] == ["We are on it."]
    assert _get(api, f"{API}/request/{mine.key}/comment", {"public": "false"})["values"] == []
    _assert_jsm_error(_post_comment(api, mine.key, {"body": "psst", "public": False}, status=403))
    assert _post_comment(api, mine.key, {"body": "Danke!", "public": True})["public"] is True
    request = _get(api, f"{API}/request/{mine.key}", {"expand": "sla,comment"})
    assert "sla" not in request
    assert [c["body"] for c in request["comments"]["values"]] == ["We are on it.", "Danke!"]
    _assert_jsm_error(_get(api, f"{API}/request/{mine.key}/sla", status=403))


def test_without_add_comments_permission_posting_is_forbidden(sim: SimServer, api: httpx.Client) -> None:
    issue = next(iter(sim.state.issues.values()))
    before = len(issue.comments)
    sim.state.denied_permissions.add("ADD_COMMENTS")
    _assert_jsm_error(_post_comment(api, issue.key, {"body": "hello", "public": True}, status=403))
    assert len(issue.comments) == before


# ---- customer requests ------------------------------------------------------------------------------------


def test_a_customer_request_describes_the_issue(sim: SimServer, api: httpx.Client) -> None:
    state = sim.state
    issue = next(i for i in state.issues.values() if i.project_key == "CDH" and i.description)
    body = _get(api, f"{API}/request/{issue.key}")
    assert (body["issueId"], body["issueKey"], body["serviceDeskId"]) == (str(issue.id), issue.key, "2")
    assert body["createdDate"]["epochMillis"] == int(issue.created.timestamp() * 1000)
    assert body["reporter"]["accountId"] == issue.reporter
    assert body["reporter"]["displayName"] == state.users[issue.reporter].display_name
    status = state.statuses[issue.status_id]
    assert body["currentStatus"]["status"] == status.name
    assert body["currentStatus"]["statusCategory"] == status.category.upper()
    fields = {f["fieldId"]: f for f in body["requestFieldValues"]}
    assert fields["summary"]["value"] == issue.summary
    assert fields["description"]["value"] == adf.to_text(issue.description)
    assert body["_links"]["agent"].endswith(f"/browse/{issue.key}")
    assert _get(api, f"{API}/request/{issue.id}") == body
    assert "sla" not in body and "serviceDesk" not in body


def test_request_expansions(sim: SimServer, api: httpx.Client) -> None:
    state = sim.state
    issue = next(i for i in state.issues.values() if any(e.kind == "status" for e in i.history))
    body = _get(api, f"{API}/request/{issue.key}", {"expand": ["sla", "serviceDesk,status"]})
    assert body["serviceDesk"]["projectKey"] == issue.project_key
    assert [s["name"] for s in body["sla"]["values"]] == [r.definition.name for r in state.slas(issue)]
    changes = [e for e in issue.history if e.kind == "status"]
    history = body["status"]["values"]
    assert len(history) == len(changes) + 1
    assert history[-1] == body["currentStatus"]
    assert history[0]["status"] == state.statuses[changes[0].data["from"]].name


def test_unknown_requests_are_404(api: httpx.Client) -> None:
    for path in ("/request/OPS-99999", "/request/NOPE-1/sla", "/request/99999999/comment"):
        _assert_jsm_error(_get(api, API + path, status=404))


# ---- SLAs -------------------------------------------------------------------------------------------------


def test_sla_values_are_those_of_the_sla_engine(sim: SimServer, api: httpx.Client) -> None:
    state = sim.state
    issue = _first_response_running(state)
    values = _get(api, f"{API}/request/{issue.key}/sla")["values"]
    records = state.slas(issue)
    assert [v["id"] for v in values] == [r.definition.id for r in records]
    for value, record in zip(values, records, strict=True):
        assert value["name"] == record.definition.name
        assert len(value["completedCycles"]) == len(record.completed)
        if record.ongoing is None:
            assert "ongoingCycle" not in value
            continue
        ongoing = value["ongoingCycle"]
        assert ongoing["remainingTime"]["millis"] == record.ongoing.remaining_ms
        assert ongoing["elapsedTime"]["millis"] == record.ongoing.elapsed_ms
        assert (ongoing["breached"], ongoing["paused"]) == (record.ongoing.breached, record.ongoing.paused)
        single = _get(api, f"{API}/request/{issue.key}/sla/{record.definition.id}")
        assert single == value


def test_sla_pages_and_unknown_metrics(api: httpx.Client, sim: SimServer) -> None:
    issue = _first_response_running(sim.state)
    page = _get(api, f"{API}/request/{issue.key}/sla", {"limit": 1})
    assert page["size"] == 1 and not page["isLastPage"] and "start=1" in page["_links"]["next"]
    both = _all_pages(api, f"{API}/request/{issue.key}/sla", {"limit": 1})
    assert len(both) == len(sim.state.slas(issue))
    _assert_jsm_error(_get(api, f"{API}/request/{issue.key}/sla/999", status=404))


def test_a_running_sla_counts_down_as_the_clock_advances(sim: SimServer, api: httpx.Client) -> None:
    issue = _first_response_running(sim.state)
    metric = next(d.id for d in sim.state.sla_definitions if d.stop_on_public_agent_comment)
    before = _get(api, f"{API}/request/{issue.key}/sla/{metric}")["ongoingCycle"]
    sim.state.clock.advance(60)
    after = _get(api, f"{API}/request/{issue.key}/sla/{metric}")["ongoingCycle"]
    record = _sla_of(sim.state, issue, metric)
    assert after["remainingTime"]["millis"] == record.ongoing.remaining_ms
    assert after["elapsedTime"]["millis"] >= before["elapsedTime"]["millis"]
    if before["withinCalendarHours"] and after["withinCalendarHours"]:
        assert after["elapsedTime"]["millis"] - before["elapsedTime"]["millis"] == 60_000


# ---- comments ---------------------------------------------------------------------------------------------


def test_comment_round_trip_public_and_internal(sim: SimServer, api: httpx.Client) -> None:
    state = sim.state
    issue = _first_response_running(state)
    ttfr = next(d.id for d in state.sla_definitions if d.stop_on_public_agent_comment)
    text = "Erste Zeile – Grüße aus Köln\n\nZweiter Absatz"

    internal = _post_comment(api, issue.key, {"body": text, "public": False})
    assert (internal["body"], internal["public"]) == (text, False)
    assert internal["author"]["accountId"] == ME_ACCOUNT_ID
    assert internal["_links"]["self"].endswith(f"/request/{issue.id}/comment/{internal['id']}")
    stored = next(c for c in issue.comments if str(c.id) == internal["id"])
    assert stored.body == adf.from_text(text)
    assert _sla_of(state, issue, ttfr).ongoing is not None  # an internal note is no first response

    public = _post_comment(api, issue.key, {"body": "Wir schauen es uns an.", "public": True})
    assert public["public"] is True
    record = _sla_of(state, issue, ttfr)
    assert record.ongoing is None and len(record.completed) == 1  # the public reply stopped the clock
    sla = _get(api, f"{API}/request/{issue.key}/sla/{ttfr}")
    assert "ongoingCycle" not in sla and len(sla["completedCycles"]) == 1

    def ids(params: dict[str, Any]) -> list[str]:
        return [c["id"] for c in _get(api, f"{API}/request/{issue.key}/comment", params)["values"]]

    assert ids({})[-2:] == [internal["id"], public["id"]]
    assert internal["id"] not in ids({"internal": "false"}) and public["id"] in ids({"internal": "false"})
    assert ids({"public": "false"})[-1:] == [internal["id"]] and public["id"] not in ids({"public": "false"})
    assert ids({"public": "false", "internal": "false"}) == []

    # The platform API agrees: jsdPublic and the sd.public.comment property.
    platform = api.get(f"/rest/api/3/issue/{issue.key}/comment", params={"expand": "properties"})
    assert platform.status_code == 200
    by_id = {c["id"]: c for c in platform.json()["comments"]}
    assert by_id[internal["id"]]["jsdPublic"] is False
    assert by_id[public["id"]]["jsdPublic"] is True
    props = {p["key"]: p["value"] for p in by_id[internal["id"]]["properties"]}
    assert props["sd.public.comment"] == {"internal": True}


def test_comment_bodies_are_checked(sim: SimServer, api: httpx.Client) -> None:
    issue = next(iter(sim.state.issues.values()))
    before = len(issue.comments)
    for body in (
        {"body": "no visibility given"},
        {"body": "not a boolean", "public": "yes"},
        {"body": "   ", "public": True},
        {"body": adf.from_text("ADF is for the platform API"), "public": True},
        {"public": True},
    ):
        _assert_jsm_error(_post_comment(api, issue.key, body, status=400))
    response = api.post(
        f"{API}/request/{issue.key}/comment", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    _assert_jsm_error(response.json())
    assert len(issue.comments) == before


def test_comments_are_paged(sim: SimServer, api: httpx.Client) -> None:
    issue = next(iter(sim.state.issues.values()))
    for n in range(3):
        _post_comment(api, issue.key, {"body": f"update {n}", "public": n != 1})
    everything = _all_pages(api, f"{API}/request/{issue.key}/comment", {"limit": 2})
    assert [c["body"] for c in everything[-3:]] == ["update 0", "update 1", "update 2"]
    assert len(everything) == len(issue.comments)
    # Filters survive paging: the next link repeats them.
    public_only = _all_pages(api, f"{API}/request/{issue.key}/comment", {"limit": 1, "internal": "false"})
    assert all(c["public"] for c in public_only)
    assert len(public_only) == sum(1 for c in issue.comments if c.public)


@pytest.mark.parametrize("flag", ["public", "internal"])
def test_comment_filters_must_be_booleans(sim: SimServer, api: httpx.Client, flag: str) -> None:
    issue = next(iter(sim.state.issues.values()))
    response = api.get(f"{API}/request/{issue.key}/comment", params={flag: "sometimes"})
    assert response.status_code == 400
    _assert_jsm_error(response.json())


# ---- Data Center ------------------------------------------------------------------------------------------


def test_data_center_serves_the_same_api_with_username_users(dc_sim: SimServer, dc_api: httpx.Client) -> None:
    assert [d["projectKey"] for d in dc_api.get(f"{API}/servicedesk").json()["values"]] == ["OPS", "CDH"]
    issue = next(iter(dc_sim.state.issues.values()))
    request = dc_api.get(f"{API}/request/{issue.key}").json()
    assert request["reporter"]["name"] == dc_sim.state.users[issue.reporter].username
    assert "accountId" not in request["reporter"]
    created = dc_api.post(f"{API}/request/{issue.key}/comment", json={"body": "DC note", "public": False})
    assert created.status_code == 201
    assert created.json()["author"]["key"] == dc_sim.state.users[ME_ACCOUNT_ID].username
    assert issue.comments[-1].public is False
