"""Smoke fidelity: the simulator's main read endpoints answer what Atlassian's OpenAPI specs describe."""

from __future__ import annotations

import httpx
import pytest

from tests.openapi_check import validate_request_body, validate_response

ISSUE_FIELDS = "summary,status,priority,assignee,reporter,issuetype,project,created,updated,description,labels"


def ok(response: httpx.Response) -> httpx.Response:
    # A documented error (e.g. getIssue's 404, which has no schema) would pass validation: insist on success.
    assert response.is_success, (
        f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:500]}"
    )
    validate_response(response)
    return response


@pytest.fixture(scope="module")
def incident_key(api_ro: httpx.Client) -> str:
    params = {"jql": "project = OPS ORDER BY key ASC", "maxResults": "1", "fields": "summary"}
    issues = ok(api_ro.get("/rest/api/3/search/jql", params=params)).json()["issues"]
    assert issues, "the default scenario has no OPS incident"
    return str(issues[0]["key"])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/rest/api/3/serverInfo", {}),
        ("/rest/api/3/myself", {}),
        ("/rest/api/3/field", {}),
        ("/rest/api/3/priority", {}),
        ("/rest/servicedeskapi/servicedesk", {}),
    ],
)
def test_site_endpoints_match_spec(api_ro: httpx.Client, path: str, params: dict[str, str]) -> None:
    ok(api_ro.get(path, params=params))


def test_search_jql_get_matches_spec(api_ro: httpx.Client) -> None:
    params = {"jql": "project = OPS ORDER BY created DESC", "maxResults": "50", "fields": ISSUE_FIELDS}
    body = ok(api_ro.get("/rest/api/3/search/jql", params=params)).json()
    assert body["issues"], "the search found nothing, so no issue shape was checked"


def test_search_jql_post_with_fields_matches_spec(api_ro: httpx.Client) -> None:
    request = {"jql": "project = OPS ORDER BY created DESC", "maxResults": 50, "fields": ISSUE_FIELDS.split(",")}
    validate_request_body("POST", "/rest/api/3/search/jql", request)
    body = ok(api_ro.post("/rest/api/3/search/jql", json=request)).json()
    assert body["issues"], "the search found nothing, so no issue shape was checked"


@pytest.mark.parametrize(
    ("template", "params"),
    [
        ("/rest/api/3/issue/{key}", {}),
        ("/rest/api/3/issue/{key}", {"fields": ISSUE_FIELDS}),
        ("/rest/api/2/issue/{key}", {}),
        ("/rest/api/3/issue/{key}/comment", {}),
        ("/rest/api/3/issue/{key}/transitions", {}),
        ("/rest/api/3/issue/{key}/transitions", {"expand": "transitions.fields"}),
        ("/rest/api/3/user/assignable/search", {"issueKey": "{key}"}),
        ("/rest/servicedeskapi/request/{key}/sla", {}),
    ],
)
def test_issue_endpoints_match_spec(
    api_ro: httpx.Client, incident_key: str, template: str, params: dict[str, str]
) -> None:
    path = template.replace("{key}", incident_key)
    ok(api_ro.get(path, params={k: v.replace("{key}", incident_key) for k, v in params.items()}))
