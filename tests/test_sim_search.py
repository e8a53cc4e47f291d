"""Issue search on the simulator, over HTTP: Cloud's enhanced `/search/jql`, the removed `/search`, DC paging.

Every response the specs document is checked against Atlassian's OpenAPI spec; SLA field values also
against JSM's `SlaInformationDTO`, the schema of the same value in GET /request/{key}/sla.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from oncall_tui.sim import adf
from oncall_tui.sim.server import SimServer
from tests.conftest import http_client, start_sim
from tests.openapi_check import NotInSpec, find_operation, validate_response, validate_schema
from tests.shared_paths import SPEC_EXAMPLES_DIR

V3 = "/rest/api/3"
V2 = "/rest/api/2"
UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
SEARCH_REMOVED = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."
SLA_FIELDS = ("customfield_10030", "customfield_10031")
ALL_ISSUES = "project in (OPS, CDH) ORDER BY key ASC"


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, (
        f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:500]}"
    )
    validate_response(response)
    return response.json()


def bad_request(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, f"{response.request.url} -> {response.status_code}: {response.text[:300]}"
    validate_response(response)
    messages: list[str] = response.json()["errorMessages"]
    assert messages
    return messages


def search(client: httpx.Client, method: str, version: str = V3, **params: Any) -> Any:
    path = f"{version}/search/jql"
    if method == "GET":
        return ok(client.get(path, params=params))
    return ok(client.post(path, json=params))


def page_through(client: httpx.Client, method: str, jql: str, page_size: int, **extra: Any) -> list[dict[str, Any]]:
    """Follow nextPageToken to the end, checking each page's bookkeeping."""
    issues: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(1000):
        params: dict[str, Any] = {"jql": jql, "maxResults": page_size, **extra}
        if token:
            params["nextPageToken"] = token
        body = search(client, method, **params)
        assert len(body["issues"]) <= page_size
        issues += body["issues"]
        if body["isLast"]:
            assert "nextPageToken" not in body
            return issues
        assert body["issues"], "a page that is not the last one is empty"
        token = body["nextPageToken"]
    raise AssertionError("paging never ended")


def count(client: httpx.Client, jql: str) -> int:
    number: int = ok(client.post(f"{V3}/search/approximate-count", json={"jql": jql}))["count"]
    return number


@pytest.fixture(scope="module")
def large_api() -> Iterator[httpx.Client]:
    server = start_sim(scenario="large")
    with http_client(server) as client:
        yield client
    server.stop()


# ---- fields and expand -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("version", [V3, V2])
def test_default_fields_are_the_id_only(api_ro: httpx.Client, method: str, version: str) -> None:
    body = search(api_ro, method, version, jql="project = OPS", maxResults=3)
    assert len(body["issues"]) == 3
    for issue in body["issues"]:
        assert issue["id"] and not issue.get("fields"), issue


def test_fields_list_selects_fields(api_ro: httpx.Client) -> None:
    got = search(api_ro, "GET", jql="project = OPS", fields="summary,priority", maxResults=3)
    posted = search(api_ro, "POST", jql="project = OPS", fields=["summary", "priority"], maxResults=3)
    assert got == posted
    assert all(set(i["fields"]) == {"summary", "priority"} for i in got["issues"])


def test_navigable_fields_include_sla_fields_but_not_comments(api_ro: httpx.Client) -> None:
    body = search(api_ro, "POST", jql="project = OPS", fields=["*navigable"], maxResults=3)
    for issue in body["issues"]:
        assert {"summary", "status", "assignee", "priority", *SLA_FIELDS} <= set(issue["fields"])
        assert "comment" not in issue["fields"]
    with_comments = search(api_ro, "POST", jql="project = OPS", fields=["*navigable", "comment"], maxResults=3)
    assert all("comment" in i["fields"] for i in with_comments["issues"])


def test_expand_names(api_ro: httpx.Client) -> None:
    expected = {"summary": "Summary", "customfield_10030": "Time to resolution"}
    got = search(api_ro, "GET", jql="project = OPS", fields="summary,customfield_10030", expand="names")
    assert got["names"] == expected
    posted = search(api_ro, "POST", jql="project = OPS", fields=["summary", "customfield_10030"], expand="names")
    assert posted["names"] == expected
    assert "names" not in search(api_ro, "GET", jql="project = OPS", fields="summary")


def test_expand_as_a_list_is_refused(api_ro: httpx.Client) -> None:
    request = {"jql": "project = OPS", "expand": ["names"]}
    assert "expand" in bad_request(api_ro.post(f"{V3}/search/jql", json=request))[0]


def test_rich_text_is_adf_in_v3_and_text_in_v2(api_ro: httpx.Client) -> None:
    params = {"jql": "project = OPS AND description is not EMPTY", "fields": "description,comment", "maxResults": 5}
    v3 = search(api_ro, "GET", V3, **params)["issues"]
    v2 = search(api_ro, "GET", V2, **params)["issues"]
    assert [i["key"] for i in v3] == [i["key"] for i in v2] and v3
    for new, old in zip(v3, v2, strict=True):
        assert new["fields"]["description"]["type"] == "doc"
        assert old["fields"]["description"] == adf.to_text(new["fields"]["description"])
        old_bodies = [c["body"] for c in old["fields"]["comment"]["comments"]]
        assert old_bodies == [adf.to_text(c["body"]) for c in new["fields"]["comment"]["comments"]]


# ---- SLA fields ----------------------------------------------------------------------------------------------


def test_sla_fields_are_jsm_sla_values(api_ro: httpx.Client) -> None:
    body = search(api_ro, "POST", jql="project = OPS ORDER BY key ASC", fields=list(SLA_FIELDS), maxResults=100)
    seen = 0
    for issue in body["issues"]:
        slas = ok(api_ro.get(f"/rest/servicedeskapi/request/{issue['key']}/sla"))["values"] if seen < 3 else None
        for field_id in SLA_FIELDS:
            value = issue["fields"][field_id]
            if value is None:
                continue
            validate_schema("SlaInformationDTO", value, spec="jsm")
            if slas is not None:
                assert value in slas, (issue["key"], field_id)
        seen += 1
    ongoing = [
        issue["fields"]["customfield_10030"]["ongoingCycle"]
        for issue in body["issues"]
        if issue["fields"]["customfield_10030"] and "ongoingCycle" in issue["fields"]["customfield_10030"]
    ]
    assert ongoing, "no running time-to-resolution SLA in the default scenario"
    for cycle in ongoing:
        assert cycle["remainingTime"]["millis"] == cycle["goalDuration"]["millis"] - cycle["elapsedTime"]["millis"]


def test_validate_schema_checks_sla_values() -> None:
    example = json.loads((SPEC_EXAMPLES_DIR / "jsm__GET_request_sla.200.json").read_text(encoding="utf-8"))
    value = example["values"][0]
    validate_schema("SlaInformationDTO", value)
    broken = copy.deepcopy(value)
    broken["ongoingCycle"]["remainingTime"]["millis"] = "2h"
    with pytest.raises(AssertionError, match=r"ongoingCycle\.remainingTime\.millis"):
        validate_schema("SlaInformationDTO", broken)
    with pytest.raises(AssertionError, match="surplus"):
        validate_schema("SlaInformationDTO", {**value, "surplus": 1})
    with pytest.raises(LookupError, match="NoSuchSchema"):
        validate_schema("NoSuchSchema", value)


# ---- maxResults and paging --------------------------------------------------------------------------------------


def test_max_results_caps(large_api: httpx.Client) -> None:
    jql = "project = OPS"
    assert count(large_api, jql) > 5000
    with_fields = search(large_api, "POST", jql=jql, fields=["summary"], maxResults=1000)
    assert len(with_fields["issues"]) == 100 and with_fields["isLast"] is False
    ids_only = search(large_api, "POST", jql=jql, maxResults=6000)
    assert len(ids_only["issues"]) == 5000 and ids_only["isLast"] is False
    keys_only = search(large_api, "GET", jql=jql, fields="key", maxResults=6000)
    assert len(keys_only["issues"]) == 5000
    assert len(search(large_api, "GET", jql=jql)["issues"]) == 50


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_paging_reaches_the_end_without_duplicates_or_gaps(api_ro: httpx.Client, method: str) -> None:
    paged = [i["key"] for i in page_through(api_ro, method, ALL_ISSUES, 20, fields=["key"])]
    assert len(paged) > 2 * 20, "too few issues to need several pages"
    assert len(set(paged)) == len(paged)
    assert len(paged) == count(api_ro, ALL_ISSUES)
    one_page = search(api_ro, "POST", jql=ALL_ISSUES, fields=["key"], maxResults=5000)
    assert one_page["isLast"] is True
    assert paged == [i["key"] for i in one_page["issues"]]


def test_a_page_token_only_fits_its_query(api_ro: httpx.Client) -> None:
    first = search(api_ro, "GET", jql=ALL_ISSUES, maxResults=5)
    token = first["nextPageToken"]
    second = search(api_ro, "GET", jql=ALL_ISSUES, maxResults=5, nextPageToken=token)
    assert not {i["id"] for i in first["issues"]} & {i["id"] for i in second["issues"]}
    other = {"jql": "project = OPS ORDER BY key ASC", "maxResults": 5, "nextPageToken": token}
    assert "token" in bad_request(api_ro.get(f"{V3}/search/jql", params=other))[0]
    assert "token" in bad_request(api_ro.post(f"{V3}/search/jql", json={**other, "nextPageToken": "garbage"}))[0]


# ---- JQL errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jql", ["", "   ", "ORDER BY key DESC", "order by created"])
def test_unbounded_jql_is_refused(api_ro: httpx.Client, jql: str) -> None:
    assert bad_request(api_ro.get(f"{V3}/search/jql", params={"jql": jql})) == [UNBOUNDED]
    assert bad_request(api_ro.post(f"{V2}/search/jql", json={"jql": jql})) == [UNBOUNDED]


@pytest.mark.parametrize(
    ("jql", "named"),
    [
        ("project = OPS AND", "end of the query"),
        ("colour = red", "colour"),
        ("project = OPS AND priority = Urgentest", "Urgentest"),
        ('project = OPS AND "Time to resolution" = sprinting()', "sprinting"),
        ("project = OPS ORDER BY", "character 23"),
    ],
)
def test_invalid_jql_names_the_problem(api_ro: httpx.Client, jql: str, named: str) -> None:
    messages = bad_request(api_ro.post(f"{V3}/search/jql", json={"jql": jql}))
    assert named.lower() in " ".join(messages).lower(), messages


# ---- the removed /search and Data Center's /search -----------------------------------------------------------------


@pytest.mark.parametrize("version", [V3, V2])
def test_old_search_is_gone_on_cloud(api_ro: httpx.Client, version: str) -> None:
    for response in (
        api_ro.get(f"{version}/search", params={"jql": "project = OPS"}),
        api_ro.post(f"{version}/search", json={"jql": "project = OPS"}),
    ):
        assert response.status_code == 410
        assert response.json()["errorMessages"][0].startswith(SEARCH_REMOVED)
        with pytest.raises(NotInSpec):  # the spec still lists it; it cannot say what a 410 looks like
            find_operation(response.request.method, response.request.url.path)


@pytest.fixture(scope="module")
def dc_server() -> Iterator[SimServer]:
    server = start_sim(flavour="datacenter")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dc_client(dc_server: SimServer) -> Iterator[httpx.Client]:
    with http_client(dc_server) as client:
        yield client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_data_center_search_pages_with_start_at_and_total(dc_client: httpx.Client, method: str) -> None:
    keys: list[str] = []
    total = None
    while total is None or len(keys) < total:
        params = {"jql": ALL_ISSUES, "startAt": len(keys), "maxResults": 20, "fields": "summary,status"}
        if method == "GET":
            response = dc_client.get(f"{V2}/search", params=params)
        else:
            response = dc_client.post(f"{V2}/search", json={**params, "fields": ["summary", "status"]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["startAt"] == len(keys) and body["maxResults"] == 20
        assert total in (None, body["total"])
        total = body["total"]
        assert body["issues"] or len(keys) == total
        assert all(set(i["fields"]) == {"summary", "status"} for i in body["issues"])
        keys += [i["key"] for i in body["issues"]]
    assert len(keys) == len(set(keys)) == total > 2 * 20
    past_the_end = dc_client.get(f"{V2}/search", params={"jql": ALL_ISSUES, "startAt": total}).json()
    assert past_the_end["issues"] == [] and past_the_end["total"] == total


def test_data_center_search_defaults_and_bad_offsets(dc_client: httpx.Client) -> None:
    body = dc_client.get(f"{V2}/search", params={"jql": "project = OPS", "maxResults": 2}).json()
    assert {"summary", "status", "customfield_10030"} <= set(body["issues"][0]["fields"])
    assert isinstance(body["issues"][0]["fields"]["description"], (str, type(None)))
    negative = dc_client.get(f"{V2}/search", params={"jql": "project = OPS", "startAt": -3, "maxResults": 2})
    assert negative.status_code == 200 and negative.json()["startAt"] == 0
    for bad in (
        dc_client.get(f"{V2}/search", params={"startAt": "abc"}),
        dc_client.post(f"{V2}/search", json={"startAt": "x"}),
    ):
        assert bad.status_code == 400, bad.text
        assert "startAt" in bad.json()["errorMessages"][0]
    assert dc_client.get(f"{V3}/search/jql", params={"jql": "project = OPS"}).status_code == 404
