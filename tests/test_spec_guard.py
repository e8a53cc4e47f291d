"""The guard that checks every simulator answer at stop: it must catch a wrong answer and let Jira-shaped
undocumented errors through."""

from __future__ import annotations

import json

import httpx
import pytest

from oncall_tui.sim.observe import Exchange
from tests.conftest import spec_problems, start_sim


def exchange(path: str, status: int, body: object, method: str = "GET") -> Exchange:
    return Exchange(method, path, "", status, [("content-type", "application/json")], json.dumps(body).encode())


def test_a_wrong_answer_is_reported() -> None:
    bad = exchange("/rest/api/3/search/jql", 200, {"issues": "not a list", "isLast": "yes"})
    problems = spec_problems("http://127.0.0.1:1", [bad])
    assert len(problems) == 1 and "search/jql" in problems[0]


def test_undocumented_error_status_needs_jira_error_shape() -> None:
    shaped = exchange("/rest/api/3/issue/OPS-1/comment", 403, {"errorMessages": ["No permission"]}, "POST")
    unshaped = exchange("/rest/api/3/issue/OPS-1/comment", 403, {"oops": 1}, "POST")
    assert spec_problems("http://127.0.0.1:1", [shaped]) == []
    assert len(spec_problems("http://127.0.0.1:1", [unshaped])) == 1


def test_a_served_simulator_records_what_it_answered() -> None:
    server = start_sim()
    try:
        httpx.get(f"{server.url}/rest/api/3/serverInfo", timeout=10)
        assert [(e.method, e.path, e.status) for e in server.exchanges] == [("GET", "/rest/api/3/serverInfo", 200)]
    finally:
        server.stop()


def test_stop_fails_when_an_answer_breaks_the_spec() -> None:
    server = start_sim()
    server.exchanges.append(exchange("/rest/api/3/myself", 200, {"accountId": 5}))
    with pytest.raises(AssertionError, match="do not match Atlassian's specs"):
        server.stop()
