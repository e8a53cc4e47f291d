"""What other Jira clients ask for at start (issue 7, item 31), over HTTP against the simulator: paged project
search, a project's statuses, an issue's edit screen and remote links, and JQL on `parent`.

Every answer is checked against Atlassian's platform spec (here and again by `CheckedSimServer` when the site
stops). One exception, made in the open: GET .../remotelink without `globalId` answers an array (as Jira does,
as the spec's own example shows, and as every client reads it) while the spec's schema for that response is a
single RemoteIssueLink, which is what the same operation answers with `globalId`. Those list answers are
checked item by item against RemoteIssueLink instead (`check_link_lists`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jira import JIRA

from oncall_tui.sim.scenarios.outage import MAJOR_INCIDENT_SUMMARY
from oncall_tui.sim.state import SimState
from tests.conftest import CheckedSimServer, http_client, start_sim
from tests.openapi_check import validate_response, validate_schema

V3 = "/rest/api/3"
V2 = "/rest/api/2"


def check_link_lists(server: CheckedSimServer) -> None:
    """Validate every remote-link list the server answered item by item, then leave the rest to the fixture."""
    kept = []
    for exchange in server.exchanges:
        is_list = (
            exchange.method == "GET"
            and exchange.path.endswith("/remotelink")
            and exchange.status == 200
            and "globalId=" not in exchange.query
        )
        if not is_list:
            kept.append(exchange)
            continue
        items = json.loads(exchange.body)
        assert isinstance(items, list), f"{exchange.path}: expected an array of remote links, got {items!r}"
        for item in items:
            validate_schema("RemoteIssueLink", item, spec="platform")
    server.exchanges[:] = kept


def serve(**kwargs: Any) -> Iterator[tuple[CheckedSimServer, httpx.Client]]:
    server = start_sim(**kwargs)
    with http_client(server) as client:
        yield server, client
    check_link_lists(server)
    server.stop()


@pytest.fixture(scope="module")
def cloud() -> Iterator[tuple[CheckedSimServer, httpx.Client]]:
    """Read-only use: the default Cloud site."""
    yield from serve()


@pytest.fixture(scope="module")
def dc() -> Iterator[tuple[CheckedSimServer, httpx.Client]]:
    """Read-only use: the default Data Center site."""
    yield from serve(flavour="datacenter")


@pytest.fixture
def fresh() -> Iterator[tuple[CheckedSimServer, httpx.Client]]:
    yield from serve()


@pytest.fixture(scope="module")
def outage() -> Iterator[tuple[CheckedSimServer, httpx.Client]]:
    """The outage site ten simulated minutes in: the burst of customer incidents has arrived."""
    for server, client in serve(scenario="outage"):
        assert client.post("/_sim/clock", json={"advance": 600}).status_code == 200
        yield server, client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url} -> {response.status_code}: {response.text[:400]}"
    request = response.request
    link_list = (
        request.method == "GET" and request.url.path.endswith("/remotelink") and "globalId" not in request.url.params
    )
    if not link_list:  # those are checked item by item when the site stops (check_link_lists)
        validate_response(response)
    return response.json() if response.content else None


def refused(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.url} -> {response.status_code}: {response.text[:400]}"
    body: dict[str, Any] = response.json()
    assert isinstance(body["errorMessages"], list) and isinstance(body.get("errors", {}), dict), body
    assert body["errorMessages"] or body["errors"], body
    return body


# ---- project search --------------------------------------------------------------------------------------------


def test_project_search_pages_with_next_page_links(cloud: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = cloud
    first = ok(api.get(f"{V3}/project/search", params={"maxResults": 1}))
    assert (first["startAt"], first["maxResults"], first["total"], first["isLast"]) == (0, 1, 2, False)
    assert first["self"].startswith(server.url) and "startAt=0" in first["self"]
    # The next page is a URL the client follows as it is.
    second = ok(api.get(first["nextPage"]))
    assert (second["startAt"], second["isLast"]) == (1, True)
    assert "nextPage" not in second
    keys = [p["key"] for p in first["values"] + second["values"]]
    assert keys == sorted(server.state.projects)
    one = first["values"][0]
    assert one["self"] == f"{server.url}{V3}/project/{one['id']}"
    assert ok(api.get(one["self"]))["key"] == one["key"]
    capped = ok(api.get(f"{V3}/project/search", params={"maxResults": 500}))
    assert capped["maxResults"] == 100 and capped["isLast"] is True
    past_the_end = ok(api.get(f"{V3}/project/search", params={"startAt": 10}))
    assert (past_the_end["values"], past_the_end["total"], past_the_end["isLast"]) == ([], 2, True)


def test_project_search_filters_and_orders(cloud: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = cloud
    state = server.state

    def keys(**params: Any) -> list[str]:
        return [p["key"] for p in ok(api.get(f"{V3}/project/search", params=params))["values"]]

    cdh, ops = state.projects["CDH"], state.projects["OPS"]
    assert keys(query="customer DATA") == ["CDH"]  # a name, case-insensitive
    assert keys(query="op") == ["OPS"]  # part of a key
    assert keys(query="nothing like it") == []
    assert keys(keys=["OPS"]) == ["OPS"]
    assert keys(keys=["OPS", "CDH"]) == ["CDH", "OPS"]
    assert keys(id=[cdh.id]) == ["CDH"]
    assert keys(typeKey="service_desk") == ["CDH", "OPS"]
    assert keys(typeKey="software") == []
    assert keys(orderBy="-key") == ["OPS", "CDH"]
    assert keys(orderBy="name") == sorted(["CDH", "OPS"], key=lambda k: state.projects[k].name.casefold())
    by_count = sorted(["CDH", "OPS"], key=lambda k: sum(i.project_key == k for i in state.issues.values()))
    assert keys(orderBy="-issueCount") == by_count[::-1]
    assert keys(status="archived") == []
    for bad in ({"orderBy": "colour"}, {"typeKey": "spaceship"}, {"id": "OPS"}, {"action": "fly"}):
        refused(api.get(f"{V3}/project/search", params=bad), 400)
    assert ops.key in keys(action="browse")


def test_project_search_expands_what_it_is_asked_for(cloud: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = cloud
    state = server.state
    plain = ok(api.get(f"{V3}/project/search", params={"keys": "OPS"}))["values"][0]
    assert not {"lead", "description", "insight", "issueTypes"} & set(plain)
    params = {"keys": "OPS", "expand": "description,lead,insight,issueTypes"}
    ops = ok(api.get(f"{V3}/project/search", params=params))["values"][0]
    project = state.projects["OPS"]
    assert ops["lead"]["accountId"] == project.lead
    assert ops["lead"]["displayName"] == state.users[project.lead].display_name
    assert ops["description"]
    assert ops["insight"]["totalIssueCount"] == sum(i.project_key == "OPS" for i in state.issues.values())
    assert [t["name"] for t in ops["issueTypes"]] == [t.name for t in state.issue_types.values()]


def test_project_list_and_search_by_flavour(
    cloud: tuple[CheckedSimServer, httpx.Client], dc: tuple[CheckedSimServer, httpx.Client]
) -> None:
    _, api = cloud
    _, dc_api = dc
    for client, path in ((api, f"{V3}/project"), (api, f"{V2}/project"), (dc_api, f"{V2}/project")):
        listed = ok(client.get(path, params={"expand": "lead"}))
        assert [p["key"] for p in listed] == ["CDH", "OPS"], path
        assert all("lead" in p for p in listed), path
    # Data Center has no /project/search: its project resource takes "search" for a key.
    assert "search" in refused(dc_api.get(f"{V2}/project/search"), 404)["errorMessages"][0]
    refused(dc_api.get(f"{V3}/project/search"), 404)
    assert ok(api.get(f"{V2}/project/search"))["total"] == 2


# ---- project statuses --------------------------------------------------------------------------------------------


def workflow_statuses(state: SimState) -> set[str]:
    """Every status the workflow's transitions start from or lead to.

    Not only those reachable by transitions: JSM's automation moves a waiting request to "Waiting for
    support" when the customer answers, and the workflow has transitions out of it.
    """
    return {state.initial_status_id()} | {
        sid for t in state.transitions for sid in (t.to_status_id, *t.from_status_ids)
    }


@pytest.mark.parametrize(("flavour", "version"), [("cloud", V3), ("cloud", V2), ("datacenter", V2)])
def test_project_statuses_are_the_workflows(
    flavour: str,
    version: str,
    cloud: tuple[CheckedSimServer, httpx.Client],
    dc: tuple[CheckedSimServer, httpx.Client],
) -> None:
    server, api = cloud if flavour == "cloud" else dc
    state = server.state
    by_type = ok(api.get(f"{version}/project/OPS/statuses"))
    assert [t["name"] for t in by_type] == [t.name for t in state.issue_types.values()]
    expected = workflow_statuses(state)
    for issue_type in by_type:
        assert issue_type["subtask"] is False
        names = [s["name"] for s in issue_type["statuses"]]
        assert len(names) == len(set(names))
        assert {s["id"] for s in issue_type["statuses"]} == expected
        assert {"Open", "Waiting for customer", "Resolved"} <= set(names)
        assert {s["statusCategory"]["key"] for s in issue_type["statuses"]} == {"new", "indeterminate", "done"}
    # Every status an issue is in shows up: a client can map any issue's status to a column.
    assert {i.status_id for i in state.issues.values()} <= expected
    assert ok(api.get(f"{version}/project/{state.projects['CDH'].id}/statuses"))
    assert "NOPE" in refused(api.get(f"{version}/project/NOPE/statuses"), 404)["errorMessages"][0]


# ---- edit screen ----------------------------------------------------------------------------------------------------


def test_editmeta_offers_what_an_edit_really_accepts(fresh: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = fresh
    key = next(k for k, i in server.state.issues.items() if i.project_key == "OPS")
    meta = ok(api.get(f"{V3}/issue/{key}/editmeta"))["fields"]
    assert set(meta) == {"summary", "priority", "labels"}
    assert meta["summary"]["required"] is True
    priorities = ok(api.get(f"{V3}/priority"))
    assert [v["id"] for v in meta["priority"]["allowedValues"]] == [p["id"] for p in priorities]
    assert meta["labels"]["operations"] == ["add", "set", "remove"]
    # Each operation offered works on the issue; a field not offered is refused.
    lowest = meta["priority"]["allowedValues"][-1]
    assert (
        api.put(f"{V3}/issue/{key}", json={"update": {"priority": [{"set": {"id": lowest["id"]}}]}}).status_code == 204
    )
    assert (
        api.put(f"{V3}/issue/{key}", json={"update": {"summary": [{"set": "Händler-Login langsam"}]}}).status_code
        == 204
    )
    assert api.put(f"{V3}/issue/{key}", json={"update": {"labels": [{"add": "editmeta"}]}}).status_code == 204
    issue = ok(api.get(f"{V3}/issue/{key}", params={"fields": "priority,summary,labels"}))["fields"]
    assert (issue["priority"]["id"], issue["summary"]) == (lowest["id"], "Händler-Login langsam")
    assert "editmeta" in issue["labels"]
    assert refused(api.put(f"{V3}/issue/{key}", json={"fields": {"duedate": "2026-03-03"}}), 400)["errors"]
    # Also on v2 and as an issue expand; nothing is editable without the permission.
    assert set(ok(api.get(f"{V2}/issue/{key}/editmeta"))["fields"]) == set(meta)
    assert set(ok(api.get(f"{V3}/issue/{key}", params={"expand": "editmeta"}))["editmeta"]["fields"]) == set(meta)
    assert api.post("/_sim/permissions", json={"deny": ["EDIT_ISSUES"]}).status_code == 200
    assert ok(api.get(f"{V3}/issue/{key}/editmeta")) == {"fields": {}}
    assert api.get(f"{V3}/issue/{key}/editmeta", params={"overrideEditableFlag": "true"}).status_code == 403
    refused(api.get(f"{V3}/issue/OPS-99999/editmeta"), 404)


def test_editmeta_on_data_center(dc: tuple[CheckedSimServer, httpx.Client]) -> None:
    _, api = dc
    assert set(ok(api.get(f"{V2}/issue/OPS-1/editmeta"))["fields"]) == {"summary", "priority", "labels"}
    refused(api.get(f"{V3}/issue/OPS-1/editmeta"), 404)


# ---- remote links --------------------------------------------------------------------------------------------------


def major_incident(state: SimState) -> str:
    return next(i.key for i in state.issues.values() if i.summary == MAJOR_INCIDENT_SUMMARY)


def test_the_major_incident_links_its_runbook_status_page_and_bridge(
    outage: tuple[CheckedSimServer, httpx.Client],
) -> None:
    server, api = outage
    key = major_incident(server.state)
    links = ok(api.get(f"{V3}/issue/{key}/remotelink"))
    titles = [link["object"]["title"] for link in links]
    assert titles[0] == "Runbook: CRM Platform"
    assert any(t.startswith("Status page:") for t in titles) and any("bridge" in t for t in titles)
    for link in links:
        assert link["object"]["url"].startswith("https://")
        assert link["self"].startswith(server.url)
        assert ok(api.get(link["self"])) == link
    status_page = next(link for link in links if link["application"].get("name") == "Statuspage")
    assert status_page["object"]["status"]["resolved"] is False
    one = ok(api.get(f"{V3}/issue/{key}/remotelink", params={"globalId": status_page["globalId"]}))
    assert one == status_page
    assert ok(api.get(f"{V2}/issue/{key}/remotelink")) == [
        {**link, "self": link["self"].replace("/rest/api/3/", "/rest/api/2/")} for link in links
    ]
    refused(api.get(f"{V3}/issue/{key}/remotelink", params={"globalId": "system=nope&id=1"}), 404)
    # Burst incidents (created by the scenario as time ran) carry none.
    burst = next(i.key for i in server.state.issues.values() if i.parent_id is not None)
    assert ok(api.get(f"{V3}/issue/{burst}/remotelink")) == []


def test_open_highest_incidents_carry_their_service_runbook(cloud: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = cloud
    state = server.state
    jql = "project = OPS AND priority = Highest AND statusCategory != Done"
    response = api.post(f"{V3}/search/jql", json={"jql": jql, "fields": ["components"], "maxResults": 100})
    found = ok(response)["issues"]
    assert found
    for issue in found:
        links = ok(api.get(f"{V3}/issue/{issue['key']}/remotelink"))
        service = issue["fields"]["components"][0]["name"]
        assert [link["object"]["title"] for link in links] == [f"Runbook: {service}"]
        assert links[0]["application"] == {"name": "Confluence", "type": "com.atlassian.confluence"}
    done = next(i.key for i in state.issues.values() if state.statuses[i.status_id].category == "done")
    assert ok(api.get(f"{V3}/issue/{done}/remotelink")) == []


def test_remote_links_are_created_updated_and_deleted(fresh: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = fresh
    key, other = [k for k, i in server.state.issues.items() if i.project_key == "OPS" and not i.remote_links][:2]
    link = {
        "globalId": "system=https://grafana.example.com&id=crm-latency",
        "application": {"name": "Grafana", "type": "com.grafana"},
        "relationship": "monitored by",
        "object": {"url": "https://grafana.example.com/d/crm-latency", "title": "CRM latency (p99)"},
    }
    created = ok(api.post(f"{V3}/issue/{key}/remotelink", json=link), 201)
    assert set(created) == {"id", "self"}
    assert ok(api.get(created["self"]))["object"]["title"] == "CRM latency (p99)"
    # The same globalId updates the link in place; what the update leaves out is gone.
    update = {"globalId": link["globalId"], "object": {"url": link["object"]["url"], "title": "CRM latency"}}
    updated = ok(api.post(f"{V3}/issue/{key}/remotelink", json=update), 200)
    assert updated["id"] == created["id"]
    [stored] = ok(api.get(f"{V3}/issue/{key}/remotelink"))
    assert stored["object"]["title"] == "CRM latency" and "relationship" not in stored
    assert stored["application"] == {}
    simple = ok(
        api.post(f"{V2}/issue/{key}/remotelink", json={"object": {"url": "https://x.example", "title": "x"}}), 201
    )
    assert simple["id"] != created["id"]
    assert len(ok(api.get(f"{V3}/issue/{key}/remotelink"))) == 2
    put = {"object": {"url": "https://wiki.example.com/p/1", "title": "Postmortem draft"}, "relationship": "links to"}
    assert api.put(f"{V3}/issue/{key}/remotelink/{simple['id']}", json=put).status_code == 204
    assert ok(api.get(f"{V3}/issue/{key}/remotelink/{simple['id']}"))["object"]["title"] == "Postmortem draft"
    assert api.delete(f"{V3}/issue/{key}/remotelink/{simple['id']}").status_code == 204
    refused(api.get(f"{V3}/issue/{key}/remotelink/{simple['id']}"), 404)
    assert [lk["id"] for lk in ok(api.get(f"{V3}/issue/{key}/remotelink"))] == [created["id"]]
    # Another issue's link, a bad id, a link without title or url.
    refused(api.get(f"{V3}/issue/{other}/remotelink/{created['id']}"), 400)
    refused(api.get(f"{V3}/issue/{key}/remotelink/abc"), 400)
    bad = refused(api.post(f"{V3}/issue/{key}/remotelink", json={"object": {"summary": "no title"}}), 400)
    assert set(bad["errors"]) == {"title", "url"}
    refused(api.post(f"{V3}/issue/{key}/remotelink", json={"globalId": "x"}), 400)
    bad_status = {"object": {"url": "https://x.example", "title": "x", "status": {"resolved": "no"}}}
    refused(api.post(f"{V3}/issue/{key}/remotelink", json=bad_status), 400)
    refused(api.post(f"{V3}/issue/{key}/remotelink", json={**link, "globalId": "g" * 256}), 400)
    # Linking needs LINK_ISSUES; nothing changes while it is withheld.
    assert api.post("/_sim/permissions", json={"deny": ["LINK_ISSUES"]}).status_code == 200
    assert api.post(f"{V3}/issue/{key}/remotelink", json=link).status_code == 403
    assert api.delete(f"{V3}/issue/{key}/remotelink/{created['id']}").status_code == 403
    assert [lk["id"] for lk in ok(api.get(f"{V3}/issue/{key}/remotelink"))] == [created["id"]]


# ---- JQL on parent ---------------------------------------------------------------------------------------------------


def search_keys(api: httpx.Client, jql: str, version: str = V3) -> list[str]:
    if version == V3:
        body = {"jql": jql, "fields": ["key"], "maxResults": 100}
        return [i["key"] for i in ok(api.post(f"{V3}/search/jql", json=body))["issues"]]
    response = api.post(f"{V2}/search", json={"jql": jql, "maxResults": 1000})
    assert response.status_code == 200, response.text
    return [i["key"] for i in response.json()["issues"]]


def test_parent_jql_finds_the_burst_under_the_major_incident(outage: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = outage
    state = server.state
    major = major_incident(state)
    major_id = state.issues[major].id
    # Independent of the JQL engine: the customer incidents the burst raised in the last ten minutes.
    burst = {
        i.key
        for i in state.issues.values()
        if "customer-impact" in i.labels and i.key != major and (state.now() - i.created).total_seconds() <= 600
    }
    assert len(burst) >= 20
    under = search_keys(api, f"parent = {major}")
    assert set(under) == burst and len(under) == len(burst)
    assert set(search_keys(api, f"parent = {major_id}")) == burst
    assert set(search_keys(api, f"parent in ({major}, OPS-1)")) == burst
    assert set(search_keys(api, "parent is not EMPTY")) == burst
    assert (
        set(search_keys(api, "project = OPS AND parent is EMPTY"))
        == {k for k, i in state.issues.items() if i.project_key == "OPS"} - burst
    )
    assert search_keys(api, f"parent != {major}") == []
    assert set(search_keys(api, f"project = OPS AND NOT parent = {major} AND labels = customer-impact")) == set()
    # The child shows its parent, as Jira's short form.
    child = next(iter(burst))
    fields = ok(api.get(f"{V3}/issue/{child}", params={"fields": "parent,summary"}))["fields"]
    assert fields["parent"]["key"] == major and fields["parent"]["id"] == str(major_id)
    assert fields["parent"]["fields"]["summary"] == MAJOR_INCIDENT_SUMMARY
    assert fields["parent"]["fields"]["priority"]["name"] == "Highest"
    assert "parent" not in ok(api.get(f"{V3}/issue/{major}", params={"fields": "*all"}))["fields"]
    assert api.get(f"/_sim/issues/{child}").json()["parent"] == major


def test_parent_jql_on_a_site_without_parents(cloud: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = cloud
    ops = sorted((k for k, i in server.state.issues.items() if i.project_key == "OPS"), key=lambda k: int(k[4:]))
    assert search_keys(api, f"parent = {ops[11]}") == []
    assert search_keys(api, f"parent in ({ops[0]}, {ops[1]})") == []
    assert search_keys(api, "parent is not EMPTY") == []
    assert len(search_keys(api, "project = OPS AND parent is EMPTY")) == len(ops)
    for jql, wording in (
        ("parent = OPS-99999", "An issue with key 'OPS-99999' does not exist for field 'parent'."),
        ("parent > OPS-1", "The operator '>' is not supported by the 'parent' field."),
        ("project = OPS ORDER BY parent", "Not able to sort using field 'parent'."),
        # Fields the simulator does not know keep Jira's 400.
        ("parentt = OPS-1", "Field 'parentt' does not exist or you do not have permission to view it."),
    ):
        response = api.post(f"{V3}/search/jql", json={"jql": jql})
        assert refused(response, 400)["errorMessages"] == [wording], jql
    fields = ok(api.get(f"{V3}/field"))
    parent = next(f for f in fields if f["id"] == "parent")
    assert parent["navigable"] is True and parent["clauseNames"] == ["parent"]


def test_a_drill_incident_under_a_parent_is_found_on_data_center(fresh: tuple[CheckedSimServer, httpx.Client]) -> None:
    server, api = fresh
    major = next(k for k, i in server.state.issues.items() if i.project_key == "OPS")
    request = {"summary": "Händlerportal: Kundensuche 503", "priority": "High", "parent": major}
    child = api.post("/_sim/incidents", json=request)
    assert child.status_code == 201, child.text
    assert search_keys(api, f"parent = {major}") == [child.json()["key"]]
    dc = start_sim(flavour="datacenter")
    try:
        with http_client(dc) as dc_api:
            assert dc_api.post("/_sim/incidents", json=request).status_code == 201
            assert len(search_keys(dc_api, f"parent = {major}", V2)) == 1
            assert len(search_keys(dc_api, "parent is EMPTY", V2)) == len(dc.state.issues) - 1
    finally:
        dc.stop()
    refused(api.post("/_sim/incidents", json={**request, "parent": "OPS-99999"}), 400)


# ---- a third-party client --------------------------------------------------------------------------------------------


def test_the_jira_library_reads_projects_editmeta_and_remote_links(
    fresh: tuple[CheckedSimServer, httpx.Client],
) -> None:
    server, _ = fresh
    login = server.login()
    client = JIRA(
        server=login.url,
        basic_auth=(login.email, login.token),
        options={"check_update": False},
        get_server_info=True,
        max_retries=0,
        timeout=10,
    )
    assert [p.key for p in client.projects()] == ["CDH", "OPS"]
    key = next(i.key for i in server.state.issues.values() if i.remote_links)
    meta = client.editmeta(key)["fields"]
    assert "Highest" in [v["name"] for v in meta["priority"]["allowedValues"]]
    links = client.remote_links(key)
    assert [link.object.title for link in links] == [lk.obj["title"] for lk in server.state.issue(key).remote_links]
    added = client.add_simple_link(key, {"url": "https://status.example.com/incidents/1", "title": "Status page"})
    again = client.remote_link(key, added.id)
    assert again.object.title == "Status page"
    again.delete()
    assert [link.id for link in client.remote_links(key)] == [link.id for link in links]
