"""JSM Ops alerts (pages) on the simulator over HTTP: create, de-duplicate by alias, read back, refuse.

There is no JSM Ops OpenAPI spec beside the others, so the shapes are checked here against the fields JSM Ops
documents for its Alert API (create: 202 with result/took/requestId; request status; the alert).
"""

from __future__ import annotations

from typing import Any

import httpx

from oncall_tui.sim.server import SimServer

ALERT_FIELDS = {
    "id",
    "tinyId",
    "alias",
    "message",
    "status",
    "acknowledged",
    "isSeen",
    "tags",
    "snoozed",
    "count",
    "lastOccurredAt",
    "createdAt",
    "updatedAt",
    "source",
    "owner",
    "priority",
    "responders",
    "entity",
    "description",
    "details",
}


def _ops(sim: SimServer, path: str) -> str:
    return f"/jsm/ops/api/{sim.state.cloud_id}/v1{path}"


def _recorded(sim: SimServer) -> list[dict[str, Any]]:
    response = httpx.get(f"{sim.url}/_sim/alerts", timeout=10)
    assert response.status_code == 200
    alerts: list[dict[str, Any]] = response.json()["alerts"]
    return alerts


def _team(sim: SimServer) -> Any:
    return next(t for t in sim.state.teams.values() if t.member_ids)


def test_create_alert_is_accepted_processed_and_recorded_with_the_requesting_user(
    sim: SimServer, api: httpx.Client
) -> None:
    team = _team(sim)
    me = sim.login()
    body = {
        "message": "OPS-7 escalated to L2",
        "alias": "oncall-tui:OPS-7:L2",
        "description": "Reason: database failover stuck",
        "responders": [{"id": team.id, "type": "team"}],
        "tags": ["oncall-tui", "OPS-7"],
        "details": {"issue": "OPS-7"},
        "priority": "P1",
        "note": "paged from oncall-tui",
        "source": "oncall-tui",
    }
    accepted = api.post(_ops(sim, "/alerts"), json=body)
    assert accepted.status_code == 202
    answer = accepted.json()
    assert set(answer) == {"result", "took", "requestId"}
    assert answer["result"] == "Request will be processed"
    assert isinstance(answer["took"], float)

    outcome = api.get(_ops(sim, f"/alerts/requests/{answer['requestId']}")).json()
    assert outcome["success"] is True and outcome["isSuccess"] is True and outcome["action"] == "Create"
    alert = api.get(_ops(sim, f"/alerts/{outcome['alertId']}")).json()
    assert set(alert) == ALERT_FIELDS
    assert (alert["message"], alert["alias"], alert["priority"], alert["count"]) == (
        body["message"],
        body["alias"],
        "P1",
        1,
    )
    assert alert["responders"] == [{"id": team.id, "type": "team"}]
    assert alert["details"] == {"issue": "OPS-7"} and alert["tags"] == ["oncall-tui", "OPS-7"]

    (page,) = _recorded(sim)
    me_id = next(c.account_id for c in sim.state.credentials if sim.state.users[c.account_id].email == me.email)
    assert page["requestedBy"] == me_id
    assert page["responders"] == [{"id": team.id, "type": "team", "name": team.name}]
    assert (page["alias"], page["count"], page["note"]) == (body["alias"], 1, "paged from oncall-tui")


def test_an_open_alert_with_the_same_alias_is_counted_not_created_twice(sim: SimServer, api: httpx.Client) -> None:
    team = _team(sim)
    body = {
        "message": "OPS-9 needs L2",
        "alias": "oncall-tui:OPS-9:L2",
        "responders": [{"id": team.id, "type": "team"}],
    }
    first = api.post(_ops(sim, "/alerts"), json=body).json()["requestId"]
    second = api.post(_ops(sim, "/alerts"), json=body).json()["requestId"]
    assert first != second
    one = api.get(_ops(sim, f"/alerts/requests/{first}")).json()["alertId"]
    two = api.get(_ops(sim, f"/alerts/requests/{second}")).json()["alertId"]
    assert one == two
    (page,) = _recorded(sim)
    assert page["count"] == 2
    by_alias = api.get(_ops(sim, "/alerts/oncall-tui:OPS-9:L2"), params={"identifierType": "alias"}).json()
    assert (by_alias["id"], by_alias["count"]) == (one, 2)
    # A different alias is a different alert; default priority is P3.
    other = api.post(_ops(sim, "/alerts"), json={**body, "alias": "oncall-tui:OPS-9:L3"}).json()["requestId"]
    other_id = api.get(_ops(sim, f"/alerts/requests/{other}")).json()["alertId"]
    assert other_id != one
    listed = api.get(_ops(sim, "/alerts")).json()
    assert {a["id"] for a in listed["values"]} == {one, other_id}
    assert {a["priority"] for a in listed["values"]} == {"P3"}


def test_responders_may_be_named_by_name_or_username(sim: SimServer, api: httpx.Client) -> None:
    team = _team(sim)
    schedule = next(iter(sim.state.schedules.values()))
    user = sim.state.users[team.member_ids[0]]
    responders = [
        {"name": team.name, "type": "team"},
        {"name": schedule.name, "type": "schedule"},
        {"username": user.username, "type": "user"},
    ]
    request_id = api.post(_ops(sim, "/alerts"), json={"message": "m", "responders": responders}).json()["requestId"]
    assert api.get(_ops(sim, f"/alerts/requests/{request_id}")).json()["success"] is True
    (page,) = _recorded(sim)
    assert [(r["id"], r["type"]) for r in page["responders"]] == [
        (team.id, "team"),
        (schedule.id, "schedule"),
        (user.account_id, "user"),
    ]


def test_an_unknown_responder_is_a_failed_request_and_no_alert(sim: SimServer, api: httpx.Client) -> None:
    body = {"message": "m", "responders": [{"id": "no-such-team", "type": "team"}]}
    accepted = api.post(_ops(sim, "/alerts"), json=body)
    assert accepted.status_code == 202
    outcome = api.get(_ops(sim, f"/alerts/requests/{accepted.json()['requestId']}")).json()
    assert outcome["success"] is False and "no-such-team" in outcome["status"] and "alertId" not in outcome
    assert _recorded(sim) == []


def test_bad_bodies_are_refused_in_the_ops_error_shape(sim: SimServer, api: httpx.Client) -> None:
    bad: list[Any] = [
        {},
        {"message": ""},
        {"message": "x" * 131},
        {"message": "m", "alias": "a" * 513},
        {"message": "m", "description": "d" * 15001},
        {"message": "m", "priority": "P0"},
        {"message": "m", "responders": [{"id": "x", "type": "group"}]},
        {"message": "m", "responders": [{"type": "team"}]},
        {"message": "m", "details": {"n": 1}},
        {"message": "m", "tags": "one"},
    ]
    for body in bad:
        response = api.post(_ops(sim, "/alerts"), json=body)
        assert response.status_code == 422, body
        assert isinstance(response.json()["message"], str) and response.json()["message"]
    broken = api.post(_ops(sim, "/alerts"), content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and "message" in broken.json()
    assert api.post(_ops(sim, "/alerts"), json={"message": "x" * 130}).status_code == 202
    assert len(_recorded(sim)) == 1


def test_unknown_requests_and_alerts_are_404(sim: SimServer, api: httpx.Client) -> None:
    assert api.get(_ops(sim, "/alerts/requests/nope")).status_code == 404
    assert api.get(_ops(sim, "/alerts/nope")).status_code == 404
    assert api.get(_ops(sim, "/alerts/nope"), params={"identifierType": "alias"}).status_code == 404
    assert api.get(_ops(sim, "/alerts/nope"), params={"identifierType": "weird"}).status_code == 422


def test_alerts_need_auth_and_cloud(sim: SimServer, dc_sim: SimServer, dc_api: httpx.Client) -> None:
    assert httpx.post(f"{sim.url}{_ops(sim, '/alerts')}", json={"message": "m"}, timeout=10).status_code == 401
    assert dc_api.post(f"/jsm/ops/api/{dc_sim.state.cloud_id}/v1/alerts", json={"message": "m"}).status_code == 404
    assert _recorded(sim) == []
