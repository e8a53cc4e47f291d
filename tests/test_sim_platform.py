"""Jira platform REST API on the simulator, over HTTP: identity, metadata, issues and the actions on them.

Every response the specs document is checked against Atlassian's OpenAPI spec; effects of writes are read
back through the API or the simulator's own view (`/_sim/issues/{key}`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from oncall_tui.sim import adf
from oncall_tui.sim.model import Issue
from oncall_tui.sim.server import SimServer
from oncall_tui.sim.state import SimState
from tests.conftest import http_client, start_sim
from tests.openapi_check import validate_response

V3 = "/rest/api/3"
V2 = "/rest/api/2"
SLA_FIELD_TYPE = "com.atlassian.servicedesk:sd-sla-field"
UNAUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:500]}"
    )
    validate_response(response)
    return response.json() if response.content else None


def jira_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """A Jira-shaped error (`errorMessages` / `errors`), checked against the spec where the spec documents it."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:500]}"
    )
    body: dict[str, Any] = response.json()
    assert isinstance(body["errorMessages"], list)
    assert isinstance(body.get("errors", {}), dict)
    assert body["errorMessages"] or body["errors"], body
    try:
        validate_response(response)
    except AssertionError as exc:
        # Jira answers 403 for a missing project permission also where the spec lists no 403.
        if not (status == 403 and "status 403 is not documented" in str(exc)):
            raise
    return body


def adf_doc(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def sim_view(client: httpx.Client, key: str) -> dict[str, Any]:
    response = client.get(f"/_sim/issues/{key}")
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


def pick(state: SimState, wanted: Callable[[Issue], bool], what: str) -> Issue:
    for issue in state.issues.values():
        if wanted(issue):
            return issue
    raise AssertionError(f"the scenario has no {what}")


def is_open(state: SimState, issue: Issue) -> bool:
    return issue.project_key == "OPS" and state.statuses[issue.status_id].category != "done"


def basic(email: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()}


class Site:
    """A Cloud simulator shared by this module's writing tests: each test claims issues no other test uses."""

    def __init__(self, server: SimServer, client: httpx.Client) -> None:
        self.server = server
        self.state = server.state
        self.api = client
        self._taken: set[str] = set()

    def claim(self, wanted: Callable[[Issue], bool], what: str) -> Issue:
        issue = pick(self.state, lambda i: i.key not in self._taken and wanted(i), what)
        self._taken.add(issue.key)
        return issue

    def any_issue(self) -> str:
        return self.claim(lambda i: i.project_key == "OPS", "unclaimed OPS issue").key


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    server = start_sim()
    with http_client(server) as client:
        yield Site(server, client)
    server.stop()


@pytest.fixture(scope="module")
def dc_shared() -> Iterator[SimServer]:
    server = start_sim(flavour="datacenter")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dc_api_shared(dc_shared: SimServer) -> Iterator[httpx.Client]:
    with http_client(dc_shared) as client:
        yield client


# ---- identity and metadata ---------------------------------------------------------------------------------


def test_server_info_is_anonymous_and_says_cloud(sim_ro: SimServer) -> None:
    body = ok(httpx.get(f"{sim_ro.url}{V3}/serverInfo", timeout=10))
    assert body["deploymentType"] == "Cloud"
    assert body["baseUrl"] == sim_ro.url
    assert body["versionNumbers"][0] >= 1000


def test_server_info_on_data_center_says_server(dc_shared: SimServer) -> None:
    body = ok(httpx.get(f"{dc_shared.url}{V2}/serverInfo", timeout=10))
    assert body["deploymentType"] == "Server"
    assert body["versionNumbers"][:2] == [int(p) for p in body["version"].split(".")[:2]]


def test_myself_on_cloud_has_an_account_id(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    login = sim_ro.login()
    me = ok(api_ro.get(f"{V3}/myself"))
    assert me["accountId"] == sim_ro.state.credentials[0].account_id
    assert me["emailAddress"] == login.email
    assert "name" not in me and "key" not in me
    assert ok(api_ro.get(f"{V2}/myself"))["accountId"] == me["accountId"]


def test_myself_on_data_center_has_name_and_key(dc_shared: SimServer, dc_api_shared: httpx.Client) -> None:
    me = ok(dc_api_shared.get(f"{V2}/myself"))
    assert me["name"] == me["key"] == dc_shared.login().username
    assert "accountId" not in me


def test_data_center_has_no_rest_v3(dc_api_shared: httpx.Client) -> None:
    for path in ("/myself", "/serverInfo", "/search/jql", "/issue/OPS-1"):
        assert dc_api_shared.get(V3 + path).status_code == 404, path


def test_sla_fields_are_found_by_their_schema(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    fields = ok(api_ro.get(f"{V3}/field"))
    sla = {f["id"]: f for f in fields if f.get("schema", {}).get("custom") == SLA_FIELD_TYPE}
    expected = {d.field_id: d.name for d in sim_ro.state.sla_definitions}
    assert {fid: f["name"] for fid, f in sla.items()} == expected
    for fid, field in sla.items():
        assert field["custom"] is True
        assert field["schema"]["type"] == "sd-servicelevelagreement"
        assert f"cf[{field['schema']['customId']}]" in field["clauseNames"]
        assert fid == f"customfield_{field['schema']['customId']}"
    assert len({f["id"] for f in fields}) == len(fields)


def test_navigable_fields_are_what_search_returns_for_navigable(api_ro: httpx.Client) -> None:
    fields = ok(api_ro.get(f"{V3}/field"))
    navigable = {f["id"] for f in fields if f["navigable"]}
    # `parent` is navigable but, as in Jira, only issues that have a parent carry it.
    system_navigable = {f["id"] for f in fields if f["navigable"] and not f["custom"]} - {"parent"}
    params = {"jql": "project = OPS", "fields": "*navigable", "maxResults": "5"}
    for issue in ok(api_ro.get(f"{V3}/search/jql", params=params))["issues"]:
        returned = set(issue["fields"])
        assert returned <= navigable, returned - navigable
        assert system_navigable <= returned, system_navigable - returned
        assert "comment" not in returned


def test_expand_names_uses_the_field_names(api_ro: httpx.Client) -> None:
    names_by_id = {f["id"]: f["name"] for f in ok(api_ro.get(f"{V3}/field"))}
    issue = ok(api_ro.get(f"{V3}/issue/OPS-2", params={"expand": "names"}))
    assert issue["names"], "expand=names returned no names"
    assert set(issue["names"]) == set(issue["fields"])
    for fid, name in issue["names"].items():
        assert name == names_by_id[fid], fid


def test_priorities_come_most_urgent_first(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    body = ok(api_ro.get(f"{V3}/priority"))
    expected = sorted(sim_ro.state.priorities.values(), key=lambda p: p.rank)
    assert [(p["id"], p["name"]) for p in body] == [(p.id, p.name) for p in expected]


def test_mypermissions(api_ro: httpx.Client) -> None:
    body = ok(api_ro.get(f"{V3}/mypermissions", params={"permissions": "EDIT_ISSUES,ASSIGN_ISSUES"}))
    assert set(body["permissions"]) == {"EDIT_ISSUES", "ASSIGN_ISSUES"}
    assert all(p["havePermission"] is True for p in body["permissions"].values())
    assert "required" in jira_error(api_ro.get(f"{V3}/mypermissions"), 400)["errorMessages"][0]
    bad = jira_error(api_ro.get(f"{V3}/mypermissions", params={"permissions": "FLY"}), 400)
    assert "FLY" in bad["errorMessages"][0]


def test_project(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    body = ok(api_ro.get(f"{V3}/project/OPS"))
    project = sim_ro.state.projects["OPS"]
    assert (body["id"], body["key"], body["name"]) == (project.id, "OPS", project.name)
    assert [c["name"] for c in body["components"]] == [c.name for c in project.components]
    assert body["lead"]["accountId"] == project.lead
    assert ok(api_ro.get(f"{V3}/project/{project.id}"))["key"] == "OPS"
    assert "NOPE" in jira_error(api_ro.get(f"{V3}/project/NOPE"), 404)["errorMessages"][0]


# ---- reading issues ---------------------------------------------------------------------------------------


def test_get_issue_with_chosen_fields_and_expands(api_ro: httpx.Client) -> None:
    issue = ok(api_ro.get(f"{V3}/issue/OPS-3", params={"fields": "summary,status", "expand": "names,transitions"}))
    assert set(issue["fields"]) == {"summary", "status"}
    assert issue["names"] == {"summary": "Summary", "status": "Status"}
    transitions = ok(api_ro.get(f"{V3}/issue/OPS-3/transitions"))["transitions"]
    assert [t["id"] for t in issue["transitions"]] == [t["id"] for t in transitions]
    assert issue["fields"]["status"]["name"] not in {t["to"]["name"] for t in transitions}


def test_get_issue_by_id_and_unknown_issue(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    issue = sim_ro.state.issues["OPS-4"]
    assert ok(api_ro.get(f"{V3}/issue/{issue.id}", params={"fields": "summary"}))["key"] == "OPS-4"
    body = jira_error(api_ro.get(f"{V3}/issue/OPS-99999"), 404)
    assert "does not exist" in body["errorMessages"][0]


def test_rich_text_is_adf_in_v3_and_text_in_v2(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    issue = pick(sim_ro.state, lambda i: bool(i.description and i.comments), "issue with description and comments")
    v3 = ok(api_ro.get(f"{V3}/issue/{issue.key}", params={"fields": "description,comment"}))["fields"]
    v2 = ok(api_ro.get(f"{V2}/issue/{issue.key}", params={"fields": "description,comment"}))["fields"]
    assert v3["description"]["type"] == "doc"
    assert isinstance(v2["description"], str) and v2["description"] == adf.to_text(v3["description"])
    v3_bodies = [c["body"] for c in v3["comment"]["comments"]]
    v2_bodies = [c["body"] for c in v2["comment"]["comments"]]
    assert all(b["type"] == "doc" for b in v3_bodies)
    assert v2_bodies == [adf.to_text(b) for b in v3_bodies]


# ---- editing issues ---------------------------------------------------------------------------------------


def _priority_of(client: httpx.Client, key: str) -> str:
    fields = ok(client.get(f"{V3}/issue/{key}", params={"fields": "priority"}))["fields"]
    return str(fields["priority"]["name"])


def test_edit_priority_by_id_by_name_and_by_update(site: Site) -> None:
    api, key = site.api, site.any_issue()
    by_name = {p.name: p.id for p in site.state.priorities.values()}
    ok(api.put(f"{V3}/issue/{key}", json={"fields": {"priority": {"id": by_name["Lowest"]}}}), 204)
    assert _priority_of(api, key) == "Lowest"
    ok(api.put(f"{V3}/issue/{key}", json={"fields": {"priority": {"name": "Highest"}}}), 204)
    assert _priority_of(api, key) == "Highest"
    ok(api.put(f"{V2}/issue/{key}", json={"update": {"priority": [{"set": {"name": "Low"}}]}}), 204)
    assert _priority_of(api, key) == "Low"
    body = jira_error(api.put(f"{V3}/issue/{key}", json={"fields": {"priority": {"name": "Urgentest"}}}), 400)
    assert "priority" in body["errors"]
    assert _priority_of(api, key) == "Low"


def test_edit_labels_set_add_remove(site: Site) -> None:
    api, key = site.api, site.any_issue()
    ok(api.put(f"{V3}/issue/{key}", json={"fields": {"labels": ["alpha", "beta"]}}), 204)
    assert sim_view(api, key)["labels"] == ["alpha", "beta"]
    update = {"labels": [{"add": "gamma"}, {"remove": "alpha"}]}
    ok(api.put(f"{V3}/issue/{key}", json={"update": update}), 204)
    assert sim_view(api, key)["labels"] == ["beta", "gamma"]
    ok(api.put(f"{V3}/issue/{key}", json={"update": {"labels": [{"set": ["delta"]}]}}), 204)
    fields = ok(api.get(f"{V3}/issue/{key}", params={"fields": "labels"}))["fields"]
    assert fields["labels"] == ["delta"]


def test_edit_refuses_unknown_fields_and_changes_nothing_on_error(site: Site) -> None:
    api, key = site.api, site.any_issue()
    before = sim_view(api, key)
    body = jira_error(api.put(f"{V3}/issue/{key}", json={"fields": {"customfield_99999": "x"}}), 400)
    assert "customfield_99999" in body["errors"]
    # A valid priority (and summary) beside an invalid label: Jira refuses the whole edit.
    other = "Lowest" if before["priority"] != "Lowest" else "Highest"
    edit = {
        "fields": {"priority": {"name": other}, "summary": "Changed"},
        "update": {"labels": [{"add": "has space"}]},
    }
    assert "labels" in jira_error(api.put(f"{V3}/issue/{key}", json=edit), 400)["errors"]
    after = sim_view(api, key)
    assert after == before


def test_edit_with_return_issue(site: Site) -> None:
    api, key = site.api, site.any_issue()
    response = api.put(f"{V3}/issue/{key}", params={"returnIssue": "true"}, json={"fields": {"summary": "Renamed"}})
    body = ok(response, 200)
    assert body["key"] == key
    assert body["fields"]["summary"] == "Renamed"
    assert sim_view(api, key)["summary"] == "Renamed"


# ---- assignee -----------------------------------------------------------------------------------------------


def _assignee(client: httpx.Client, key: str, version: str = V3) -> dict[str, Any] | None:
    fields = ok(client.get(f"{version}/issue/{key}", params={"fields": "assignee"}))["fields"]
    assignee: dict[str, Any] | None = fields["assignee"]
    return assignee


def test_assign_on_cloud(site: Site) -> None:
    api, state = site.api, site.state
    issue = site.claim(
        lambda i: is_open(state, i) and bool(i.component_ids) and i.assignee is not None,
        "open assigned OPS issue with a component",
    )
    other = next(u for u in state.users.values() if u.agent and u.active and u.account_id != issue.assignee)
    ok(api.put(f"{V3}/issue/{issue.key}/assignee", json={"accountId": other.account_id}), 204)
    assignee = _assignee(api, issue.key)
    assert assignee is not None and assignee["accountId"] == other.account_id
    ok(api.put(f"{V3}/issue/{issue.key}/assignee", json={"accountId": None}), 204)
    assert _assignee(api, issue.key) is None
    ok(api.put(f"{V3}/issue/{issue.key}/assignee", json={"accountId": "-1"}), 204)
    leads = {c.id: c.lead for c in state.projects["OPS"].components}
    assert sim_view(api, issue.key)["assignee"] == leads[issue.component_ids[0]]
    jira_error(api.put(f"{V3}/issue/{issue.key}/assignee", json={"accountId": "000000000000000000000000"}), 404)
    customer = next(u for u in state.users.values() if not u.agent)
    body = jira_error(api.put(f"{V3}/issue/{issue.key}/assignee", json={"accountId": customer.account_id}), 400)
    assert "assignee" in body["errors"]


def test_assign_on_data_center_by_name(dc_shared: SimServer, dc_api_shared: httpx.Client) -> None:
    # The only write to the module's shared Data Center site.
    state, dc_api = dc_shared.state, dc_api_shared
    issue = pick(state, lambda i: is_open(state, i), "open OPS issue")
    other = next(u for u in state.users.values() if u.agent and u.active and u.account_id != issue.assignee)
    ok(dc_api.put(f"{V2}/issue/{issue.key}/assignee", json={"name": other.username}), 204)
    assignee = _assignee(dc_api, issue.key, V2)
    assert assignee is not None and assignee["name"] == other.username and "accountId" not in assignee
    body = jira_error(dc_api.put(f"{V2}/issue/{issue.key}/assignee", json={"accountId": other.account_id}), 400)
    assert "assignee" in body["errors"]


# ---- comments -----------------------------------------------------------------------------------------------


def test_add_comments_v3_adf_and_v2_text(site: Site) -> None:
    api, key = site.api, site.any_issue()
    created = ok(api.post(f"{V3}/issue/{key}/comment", json={"body": adf_doc("Paged the DB team")}), 201)
    assert created["jsdPublic"] is True
    ok(api.post(f"{V2}/issue/{key}/comment", json={"body": "Plain *wiki* text"}), 201)
    comments = ok(api.get(f"{V3}/issue/{key}/comment"))["comments"]
    assert [adf.to_text(c["body"]) for c in comments[-2:]] == ["Paged the DB team", "Plain *wiki* text"]
    assert comments[-2]["id"] == created["id"]
    v2 = ok(api.get(f"{V2}/issue/{key}/comment"))["comments"]
    assert v2[-1]["body"] == "Plain *wiki* text"


def test_comment_body_must_match_the_api_version(site: Site) -> None:
    api, key = site.api, site.any_issue()
    before = len(sim_view(api, key)["comments"])
    assert "comment" in jira_error(api.post(f"{V3}/issue/{key}/comment", json={"body": "text"}), 400)["errors"]
    jira_error(api.post(f"{V2}/issue/{key}/comment", json={"body": adf_doc("x")}), 400)
    jira_error(api.post(f"{V3}/issue/{key}/comment", json={"body": {"type": "doc", "version": 1, "content": []}}), 400)
    assert len(sim_view(api, key)["comments"]) == before


def test_internal_comment_via_property(site: Site) -> None:
    api, key = site.api, site.any_issue()
    internal = [{"key": "sd.public.comment", "value": {"internal": True}}]
    created = ok(api.post(f"{V3}/issue/{key}/comment", json={"body": adf_doc("Internal"), "properties": internal}), 201)
    assert created["jsdPublic"] is False
    ok(api.post(f"{V2}/issue/{key}/comment", json={"body": "Internal too", "properties": internal}), 201)
    assert [c["public"] for c in sim_view(api, key)["comments"][-2:]] == [False, False]
    listed = ok(api.get(f"{V3}/issue/{key}/comment", params={"expand": "properties"}))["comments"]
    assert listed[-1]["properties"] == internal
    assert listed[-1]["jsdPublic"] is False
    plain = ok(api.get(f"{V3}/issue/{key}/comment"))["comments"]
    assert "properties" not in plain[-1]


def test_comments_order_and_paging(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    api = api_ro
    issue = pick(sim_ro.state, lambda i: len(i.comments) >= 3, "issue with three comments")
    all_comments = ok(api.get(f"{V3}/issue/{issue.key}/comment"))
    ids = [c["id"] for c in all_comments["comments"]]
    assert all_comments["total"] == len(ids) >= 3
    created = [c["created"] for c in all_comments["comments"]]
    assert created == sorted(created)
    newest_first = ok(api.get(f"{V3}/issue/{issue.key}/comment", params={"orderBy": "-created"}))
    assert [c["id"] for c in newest_first["comments"]] == ids[::-1]
    paged: list[str] = []
    while len(paged) < len(ids):
        page = ok(api.get(f"{V3}/issue/{issue.key}/comment", params={"startAt": len(paged), "maxResults": 2}))
        assert page["startAt"] == len(paged) and page["total"] == len(ids)
        assert 0 < len(page["comments"]) <= 2
        paged += [c["id"] for c in page["comments"]]
    assert paged == ids


# ---- transitions --------------------------------------------------------------------------------------------


def test_transition_fields_show_resolution_required_on_resolve(api_ro: httpx.Client, sim_ro: SimServer) -> None:
    state = sim_ro.state
    issue = pick(state, lambda i: is_open(state, i), "open OPS issue")
    body = ok(api_ro.get(f"{V3}/issue/{issue.key}/transitions", params={"expand": "transitions.fields"}))
    by_name = {t["name"]: t for t in body["transitions"]}
    resolution = by_name["Resolve"]["fields"]["resolution"]
    assert resolution["required"] is True
    assert {v["name"] for v in resolution["allowedValues"]} == {r.name for r in state.resolutions.values()}
    assert by_name["Resolve"]["to"]["statusCategory"]["key"] == "done"
    without = ok(api_ro.get(f"{V3}/issue/{issue.key}/transitions"))["transitions"]
    assert all("fields" not in t for t in without)


def test_resolve_needs_a_resolution_and_can_comment(site: Site) -> None:
    api, state = site.api, site.state
    issue = site.claim(lambda i: is_open(state, i), "open OPS issue")
    transitions = ok(api.get(f"{V3}/issue/{issue.key}/transitions"))["transitions"]
    resolve = next(t["id"] for t in transitions if t["name"] == "Resolve")
    body = jira_error(api.post(f"{V3}/issue/{issue.key}/transitions", json={"transition": {"id": resolve}}), 400)
    assert "resolution" in body["errors"]
    assert sim_view(api, issue.key)["statusCategory"] != "done"
    request = {
        "transition": {"id": resolve},
        "fields": {"resolution": {"name": "Fixed"}},
        "update": {"comment": [{"add": {"body": adf_doc("Rolled back CRM 2.15.0")}}]},
    }
    ok(api.post(f"{V3}/issue/{issue.key}/transitions", json=request), 204)
    fields = ok(api.get(f"{V3}/issue/{issue.key}", params={"fields": "status,resolution,comment"}))["fields"]
    assert fields["status"]["name"] == "Resolved"
    assert fields["resolution"]["name"] == "Fixed"
    assert adf.to_text(fields["comment"]["comments"][-1]["body"]) == "Rolled back CRM 2.15.0"


def test_transition_with_v2_comment_and_invalid_ids(site: Site) -> None:
    api, state = site.api, site.state
    issue = site.claim(lambda i: state.statuses[i.status_id].name == "Open", "issue in status Open")
    body = jira_error(api.post(f"{V3}/issue/{issue.key}/transitions", json={"transition": {"id": "999"}}), 400)
    assert "999" in body["errorMessages"][0]
    jira_error(api.post(f"{V3}/issue/{issue.key}/transitions", json={"fields": {}}), 400)
    transitions = ok(api.get(f"{V2}/issue/{issue.key}/transitions"))["transitions"]
    start = next(t["id"] for t in transitions if t["name"] == "Start progress")
    request = {"transition": {"id": start}, "update": {"comment": [{"add": {"body": "On it"}}]}}
    ok(api.post(f"{V2}/issue/{issue.key}/transitions", json=request), 204)
    view = sim_view(api, issue.key)
    assert view["status"] == "In Progress"
    assert view["comments"][-1]["text"] == "On it"


# ---- users ----------------------------------------------------------------------------------------------------


def test_assignable_users_match_prefix_ignoring_case_and_accents(api_ro: httpx.Client) -> None:
    for query in ("jurg", "JÜRG", "weiss"):
        users = ok(api_ro.get(f"{V3}/user/assignable/search", params={"issueKey": "OPS-1", "query": query}))
        assert [u["displayName"] for u in users] == ["Jürgen Weiß"], query
    everyone = ok(api_ro.get(f"{V3}/user/assignable/search", params={"project": "OPS", "maxResults": 1000}))
    assert everyone and all(u["accountType"] == "atlassian" and u["active"] for u in everyone)
    assert ok(api_ro.get(f"{V3}/user/assignable/search", params={"project": "OPS", "query": "dieter"})) == []


def test_assignable_users_need_an_issue_or_project(api_ro: httpx.Client) -> None:
    body = jira_error(api_ro.get(f"{V3}/user/assignable/search", params={"query": "jurg"}), 400)
    assert "issueKey" in body["errorMessages"][0]
    jira_error(api_ro.get(f"{V3}/user/assignable/search", params={"project": "NOPE"}), 404)
    jira_error(api_ro.get(f"{V3}/user/assignable/search", params={"issueKey": "OPS-99999"}), 404)


def test_user_lookup(sim_ro: SimServer, api_ro: httpx.Client) -> None:
    inactive = next(u for u in sim_ro.state.users.values() if not u.active)
    user = ok(api_ro.get(f"{V3}/user", params={"accountId": inactive.account_id}))
    assert (user["displayName"], user["active"]) == (inactive.display_name, False)
    jira_error(api_ro.get(f"{V3}/user", params={"accountId": "000000000000000000000000"}), 404)


def test_user_lookup_on_data_center(dc_api_shared: httpx.Client) -> None:
    assert ok(dc_api_shared.get(f"{V2}/user", params={"username": "jweiss"}))["displayName"] == "Jürgen Weiß"
    jira_error(dc_api_shared.get(f"{V2}/user", params={"username": "nobody"}), 404)


# ---- issue properties ----------------------------------------------------------------------------------------


def test_issue_property_lifecycle(site: Site) -> None:
    api, key = site.api, site.any_issue()
    path = f"{V3}/issue/{key}/properties/oncall.triage"
    ok(api.put(path, json={"step": 1}), 201)
    ok(api.put(path, json={"step": 2}), 200)
    assert ok(api.get(path)) == {"key": "oncall.triage", "value": {"step": 2}}
    assert sim_view(api, key)["properties"] == {"oncall.triage": {"step": 2}}
    keys = ok(api.get(f"{V3}/issue/{key}/properties"))["keys"]
    assert [k["key"] for k in keys] == ["oncall.triage"]
    ok(api.delete(path), 204)
    assert "oncall.triage" in jira_error(api.get(path), 404)["errorMessages"][0]
    assert ok(api.get(f"{V3}/issue/{key}/properties"))["keys"] == []
    jira_error(api.delete(path), 404)


# ---- authentication and permissions ------------------------------------------------------------------------------


def test_cloud_rejects_missing_wrong_and_bearer_credentials(sim_ro: SimServer) -> None:
    login = sim_ro.login()
    attempts: list[dict[str, str]] = [
        {},
        basic(login.email, "wrong-token"),
        basic("someone.else@example.com", login.token),
        {"Authorization": f"Bearer {login.token}"},
        {"Authorization": "Basic not-base64!"},
    ]
    for headers in attempts:
        response = httpx.get(f"{sim_ro.url}{V3}/myself", headers=headers, timeout=10)
        assert jira_error(response, 401)["errorMessages"] == [UNAUTHENTICATED], headers
        assert response.headers["www-authenticate"].startswith("Basic"), headers
    ok(httpx.get(f"{sim_ro.url}{V3}/myself", headers=basic(login.email.upper(), login.token), timeout=10))


def test_data_center_rejects_basic_and_wrong_tokens(dc_shared: SimServer) -> None:
    login = dc_shared.login()
    for headers in ({}, basic(login.email, login.token), {"Authorization": "Bearer wrong"}):
        response = httpx.get(f"{dc_shared.url}{V2}/myself", headers=headers, timeout=10)
        jira_error(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer"), headers


WRITES: list[tuple[str, str, str, Any]] = [
    ("EDIT_ISSUES", "PUT", "", {"fields": {"labels": ["x"]}}),
    ("ASSIGN_ISSUES", "PUT", "/assignee", {"accountId": None}),
    ("ADD_COMMENTS", "POST", "/comment", {"body": adf_doc("hi")}),
    ("TRANSITION_ISSUES", "POST", "/transitions", {"transition": {"id": "11"}}),
    ("EDIT_ISSUES", "PUT", "/properties/p", {"v": 1}),
    ("EDIT_ISSUES", "DELETE", "/properties/p", None),
]


def test_each_write_is_forbidden_without_its_permission(sim: SimServer, api: httpx.Client) -> None:
    state = sim.state
    key = pick(state, lambda i: state.statuses[i.status_id].name == "Open" and i.assignee is not None, "Open issue").key
    ok(api.put(f"{V3}/issue/{key}/properties/p", json={"v": 0}), 201)
    before = sim_view(api, key)
    denied = sorted({p for p, *_ in WRITES})
    assert api.post("/_sim/permissions", json={"deny": denied}).status_code == 200
    query = {"permissions": ",".join([*denied, "BROWSE_PROJECTS"])}
    have = {k: p["havePermission"] for k, p in ok(api.get(f"{V3}/mypermissions", params=query))["permissions"].items()}
    assert have == {**dict.fromkeys(denied, False), "BROWSE_PROJECTS": True}
    for permission, method, suffix, body in WRITES:
        assert api.post("/_sim/permissions", json={"deny": [permission]}).status_code == 200
        error = jira_error(api.request(method, f"{V3}/issue/{key}{suffix}", json=body), 403)
        assert "permission" in error["errorMessages"][0], (method, suffix)
    assert sim_view(api, key) == before
    # The same writes go through once allowed again: the 403s were the permissions' doing.
    assert api.post("/_sim/permissions", json={"deny": []}).status_code == 200
    for _, method, suffix, body in WRITES:
        response = api.request(method, f"{V3}/issue/{key}{suffix}", json=body)
        assert response.is_success, (method, suffix, response.text)
        validate_response(response)


def test_server_info_rejects_wrong_credentials_but_serves_anonymous_callers(sim_ro) -> None:
    import httpx

    anonymous = httpx.get(f"{sim_ro.url}/rest/api/3/serverInfo", timeout=10)
    assert anonymous.status_code == 200
    wrong = httpx.get(f"{sim_ro.url}/rest/api/3/serverInfo", auth=("anna.schmidt@example.com", "nope"), timeout=10)
    assert wrong.status_code == 401
