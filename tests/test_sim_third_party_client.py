"""A third-party Jira client (pycontribs `jira`) drives the simulator with no special cases on either side.

Every effect is checked through the simulator's own view (`/_sim/issues/{key}`), and the expected search
result is computed straight from the simulator's state, not through its JQL engine.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jira import JIRA, JIRAError
from jira.resources import Issue, User

from oncall_tui.sim.server import SimServer
from oncall_tui.sim.state import SimState

OPEN_OPS_JQL = "project = OPS AND statusCategory != Done ORDER BY priority DESC"
PAGE = 10  # smaller than the open-incident count, so the client must follow the server's paging
# check_update is already off by default in 3.10; stated so the client never reaches out to PyPI.
NO_UPDATE_CHECK = {"check_update": False}


def _cloud_client(sim: SimServer) -> JIRA:
    login = sim.login()
    return JIRA(
        server=login.url,
        basic_auth=(login.email, login.token),
        options=dict(NO_UPDATE_CHECK),
        get_server_info=True,
        max_retries=0,
        timeout=10,
    )


def _dc_client(sim: SimServer) -> JIRA:
    login = sim.login()
    return JIRA(
        server=login.url,
        token_auth=login.token,
        options=dict(NO_UPDATE_CHECK),
        get_server_info=True,
        max_retries=0,
        timeout=10,
        default_batch_sizes={Issue: PAGE},
    )


def _sim_view(sim: SimServer, key: str) -> dict[str, Any]:
    response = httpx.get(f"{sim.url}/_sim/issues/{key}", timeout=10)
    response.raise_for_status()
    view: dict[str, Any] = response.json()
    return view


def _open_ops_keys(state: SimState) -> set[str]:
    return {
        issue.key
        for issue in state.issues.values()
        if issue.project_key == "OPS" and state.statuses[issue.status_id].category != "done"
    }


def _check_listing(state: SimState, issues: list[Issue]) -> list[str]:
    keys = [issue.key for issue in issues]
    assert len(keys) == len(set(keys)), "an issue came back on two pages"
    assert set(keys) == _open_ops_keys(state)
    # Priority DESC puts the most urgent (rank 1) first.
    ranks = [state.priorities[state.issue(key).priority_id].rank for key in keys]
    assert ranks == sorted(ranks)
    for issue in issues:
        assert issue.fields.status.statusCategory.key != "done"
        assert issue.fields.priority.name == state.priorities[state.issue(issue.key).priority_id].name
    return keys


def _pick_resolvable(client: JIRA, keys: list[str]) -> str:
    for key in keys:
        if any(t["name"] == "Resolve" for t in client.transitions(key)):
            return key
    raise AssertionError("no open incident offers the Resolve transition")


def _assign_comment_resolve(
    client: JIRA, sim: SimServer, key: str, *, me: str, candidates: list[User], user_ref: str
) -> None:
    """The shared journey; `user_ref` names the attribute the client uses to designate the assignee."""
    state = sim.state
    before = _sim_view(sim, key)
    target = next(u for u in candidates if _account_id(state, u) not in (before["assignee"], me))
    target_id = _account_id(state, target)

    assert client.assign_issue(key, getattr(target, user_ref)) is True
    assert _sim_view(sim, key)["assignee"] == target_id

    text = "Übernommen: checking the EU load balancer now."
    comment = client.add_comment(key, text)
    assert comment.body == text
    seen = _sim_view(sim, key)["comments"]
    assert len(seen) == len(before["comments"]) + 1
    assert seen[-1]["id"] == int(comment.id)
    assert seen[-1]["text"] == text
    assert seen[-1]["author"] == me
    assert seen[-1]["public"] is True
    assert comment.id in [c.id for c in client.comments(key)]

    transitions = client.transitions(key, expand="transitions.fields")
    resolve = next(t for t in transitions if t["name"] == "Resolve")
    resolution_field = resolve["fields"]["resolution"]
    assert resolution_field["required"] is True
    assert "Fixed" in [v["name"] for v in resolution_field["allowedValues"]]

    with pytest.raises(JIRAError) as refused:
        client.transition_issue(key, resolve["id"])
    assert refused.value.status_code == 400
    assert _sim_view(sim, key)["status"] == before["status"]

    # By name: the client looks the id up through GET transitions itself.
    client.transition_issue(key, "Resolve", fields={"resolution": {"name": "Fixed"}})
    after = _sim_view(sim, key)
    assert after["status"] == resolve["to"]["name"]
    assert after["statusCategory"] == "done"
    assert after["resolution"] == "Fixed"
    assert after["assignee"] == target_id

    issue = client.issue(key)
    assert issue.fields.status.name == after["status"]
    assert issue.fields.resolution.name == "Fixed"
    assert _account_id(state, issue.fields.assignee) == target_id
    assert comment.id in [c.id for c in issue.fields.comment.comments]


def _account_id(state: SimState, user: User) -> str:
    account_id = getattr(user, "accountId", None)
    if account_id is not None:
        return str(account_id)
    found = state.user_by_username(user.name)
    assert found is not None, f"the simulator does not know user {user.name!r}"
    return found.account_id


def _cloud_open_incidents(client: JIRA) -> tuple[list[Issue], int]:
    issues: list[Issue] = []
    token: str | None = None
    pages = 0
    while True:
        page = client.enhanced_search_issues(
            OPEN_OPS_JQL, nextPageToken=token, maxResults=PAGE, fields="priority,status"
        )
        assert not isinstance(page, dict)
        issues.extend(page)
        pages += 1
        token = page.nextPageToken
        if not token:
            return issues, pages


def test_cloud_client_sees_the_simulators_open_incidents(sim: SimServer) -> None:
    client = _cloud_client(sim)
    assert client.deploymentType == "Cloud"
    issues, pages = _cloud_open_incidents(client)
    assert pages > 1
    _check_listing(sim.state, issues)


def test_cloud_client_assigns_comments_and_resolves(sim: SimServer) -> None:
    client = _cloud_client(sim)
    me = client.myself()["accountId"]
    issues, _ = _cloud_open_incidents(client)
    key = _pick_resolvable(client, [issue.key for issue in issues])
    candidates = list(client.search_assignable_users_for_issues(query="a", issueKey=key))
    # The client resolves an e-mail to an accountId via /user/search before it PUTs the assignee.
    _assign_comment_resolve(client, sim, key, me=me, candidates=candidates, user_ref="emailAddress")
    assert key not in [issue.key for issue in _cloud_open_incidents(client)[0]]


def test_datacenter_client_sees_the_simulators_open_incidents(dc_sim: SimServer) -> None:
    client = _dc_client(dc_sim)
    assert client.deploymentType == "Server"
    issues = client.search_issues(OPEN_OPS_JQL, maxResults=False, fields="priority,status")
    assert not isinstance(issues, dict)
    assert issues.total == len(_open_ops_keys(dc_sim.state))
    _check_listing(dc_sim.state, list(issues))


def test_datacenter_client_assigns_comments_and_resolves(dc_sim: SimServer) -> None:
    client = _dc_client(dc_sim)
    me_name = client.myself()["name"]
    me = dc_sim.state.user_by_username(me_name)
    assert me is not None
    issues = client.search_issues(OPEN_OPS_JQL, maxResults=False, fields="priority")
    assert not isinstance(issues, dict)
    key = _pick_resolvable(client, [issue.key for issue in issues])
    candidates = list(client.search_assignable_users_for_issues(username="a", issueKey=key))
    _assign_comment_resolve(client, dc_sim, key, me=me.account_id, candidates=candidates, user_ref="name")
    remaining = client.search_issues(OPEN_OPS_JQL, maxResults=False, fields="status")
    assert key not in [issue.key for issue in remaining]
