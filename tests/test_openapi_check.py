"""Self-tests of the OpenAPI response validator: Atlassian's own examples pass, broken copies fail clearly."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import openapi_check
from tests.openapi_check import NotInSpec, find_operation, validate_request_body, validate_response
from tests.shared_paths import GO_MOCKS_DIR, SPEC_EXAMPLES_DIR

BASE = "https://your-domain.atlassian.net"

# spec-examples/<spec>__<METHOD>_<path with _ for />.<status>.json -> (method, concrete path, operationId).
DOC_EXAMPLES: dict[str, tuple[str, str, str]] = {
    "platform__GET_field.200.json": ("GET", "/rest/api/3/field", "getFields"),
    "platform__GET_issue.200.json": ("GET", "/rest/api/3/issue/EX-1", "getIssue"),
    "platform__GET_issue_comment.200.json": ("GET", "/rest/api/3/issue/EX-1/comment", "getComments"),
    "platform__GET_issue_transitions.200.json": ("GET", "/rest/api/3/issue/EX-1/transitions", "getTransitions"),
    "platform__GET_myself.200.json": ("GET", "/rest/api/3/myself", "getCurrentUser"),
    "platform__GET_search_jql.200.json": (
        "GET",
        "/rest/api/3/search/jql",
        "searchAndReconsileIssuesUsingJql",
    ),
    "platform__GET_serverInfo.200.json": ("GET", "/rest/api/3/serverInfo", "getServerInfo"),
    "platform__GET_user_assignable_search.200.json": (
        "GET",
        "/rest/api/3/user/assignable/search",
        "findAssignableUsers",
    ),
    "platform__POST_issue_comment.201.json": ("POST", "/rest/api/3/issue/EX-1/comment", "addComment"),
    "platform__POST_search_approximate-count.200.json": (
        "POST",
        "/rest/api/3/search/approximate-count",
        "countIssues",
    ),
    "jsm__GET_request.200.json": ("GET", "/rest/servicedeskapi/request/SD-1", "getCustomerRequestByIdOrKey"),
    "jsm__GET_request_sla.200.json": ("GET", "/rest/servicedeskapi/request/SD-1/sla", "getSlaInformation"),
    "jsm__GET_request_sla_metric.200.json": (
        "GET",
        "/rest/servicedeskapi/request/SD-1/sla/1",
        "getSlaInformationById",
    ),
    "jsm__POST_request_comment.201.json": (
        "POST",
        "/rest/servicedeskapi/request/SD-1/comment",
        "createRequestComment",
    ),
}

REQUEST_EXAMPLES: dict[str, tuple[str, str]] = {
    "platform__POST_issue_comment.request.json": ("POST", "/rest/api/3/issue/EX-1/comment"),
    "platform__POST_issue_transitions.request.json": ("POST", "/rest/api/3/issue/EX-1/transitions"),
    "platform__PUT_issue_assignee.request.json": ("PUT", "/rest/api/3/issue/EX-1/assignee"),
    "jsm__POST_request_comment.request.json": ("POST", "/rest/servicedeskapi/request/SD-1/comment"),
}

# Doc examples a Go client keeps. Left out: jira__search-issues.json (the removed /rest/api/3/search,
# covered by the NotInSpec tests) and jira__search-fields.json (lists fields such as `issuekey` without
# the `schema` that GET /field/search declares required; the simulator does not serve that endpoint).
GO_MOCKS: dict[str, tuple[str, str, int]] = {
    "jira__find-users-assignable-to-projects.json": (
        "GET",
        "/rest/api/3/user/assignable/multiProjectSearch",
        200,
    ),
    "jira__get-issue-comments.json": ("GET", "/rest/api/3/issue/EX-1/comment", 200),
    "jira__get-issue.json": ("GET", "/rest/api/3/issue/EX-1", 200),
    "jira__get-myselft.json": ("GET", "/rest/api/3/myself", 200),
    "jira__get-transitions.json": ("GET", "/rest/api/3/issue/EX-1/transitions", 200),
    "sm__create-request-comment.json": ("POST", "/rest/servicedeskapi/request/SD-1/comment", 201),
    "sm__get-customer-request.json": ("GET", "/rest/servicedeskapi/request/SD-1", 200),
    "sm__get-customer-sla.json": ("GET", "/rest/servicedeskapi/request/SD-1/sla/1", 200),
    "sm__get-customer-slas.json": ("GET", "/rest/servicedeskapi/request/SD-1/sla", 200),
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def fake(method: str, path: str, status: int = 200, body: Any = None, **kwargs: Any) -> httpx.Response:
    request = httpx.Request(method, BASE + path)
    if body is None:
        return httpx.Response(status, request=request, **kwargs)
    return httpx.Response(status, json=body, request=request, **kwargs)


def fix_known_doc_mistakes(operation_id: str, body: Any) -> Any:
    """Atlassian's examples for these operations contradict the spec; follow the spec."""
    if operation_id == "findAssignableUsers" and isinstance(body, dict):
        # The example shows a single user; the spec (and Jira) return an array of users.
        return [body]
    if operation_id.startswith("searchAndReconsileIssuesUsingJql"):
        # The example's description is a v2-style string; v3 returns ADF (as the getIssue example shows).
        for issue in body["issues"]:
            issue["fields"]["description"] = openapi_check._minimal_adf(issue["fields"]["description"])
    return body


def doc_example(name: str) -> Any:
    return fix_known_doc_mistakes(DOC_EXAMPLES[name][2], load(SPEC_EXAMPLES_DIR / name))


def adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def failure(response: httpx.Response) -> str:
    with pytest.raises(AssertionError) as info:
        validate_response(response)
    return str(info.value)


# ---- Atlassian's examples pass --------------------------------------------------------------------------


def test_every_response_example_is_mapped() -> None:
    on_disk = {p.name for p in SPEC_EXAMPLES_DIR.glob("*.json") if re.search(r"\.20[01]\.json$", p.name)}
    assert on_disk == set(DOC_EXAMPLES)
    requests = {p.name for p in SPEC_EXAMPLES_DIR.glob("*.request.json")}
    assert requests == set(REQUEST_EXAMPLES)


@pytest.mark.parametrize("name", sorted(DOC_EXAMPLES))
def test_doc_example_validates_against_its_operation(name: str) -> None:
    method, path, operation_id = DOC_EXAMPLES[name]
    status = int(name.split(".")[-2])
    assert find_operation(method, path).operation_id == operation_id
    validate_response(fake(method, path, status, doc_example(name)))


@pytest.mark.parametrize("name", sorted(REQUEST_EXAMPLES))
def test_request_example_validates(name: str) -> None:
    method, path = REQUEST_EXAMPLES[name]
    validate_request_body(method, path, load(SPEC_EXAMPLES_DIR / name))


@pytest.mark.parametrize("name", sorted(GO_MOCKS))
def test_go_client_copy_of_doc_example_validates(name: str) -> None:
    method, path, status = GO_MOCKS[name]
    validate_response(fake(method, path, status, load(GO_MOCKS_DIR / name)))


# Operations the simulator serves (or the app calls): the examples embedded in the spec must pass too.
SERVED_OPERATIONS = (
    "getServerInfo",
    "getCurrentUser",
    "getFields",
    "createCustomField",
    "getPriorities",
    "searchAndReconsileIssuesUsingJql",
    "searchAndReconsileIssuesUsingJqlPost",
    "countIssues",
    "getIssue",
    "getComments",
    "addComment",
    "getTransitions",
    "findAssignableUsers",
    "getServiceDesks",
    "getServiceDeskById",
    "getQueues",
    "getQueue",
    "getIssuesInQueue",
    "getCustomerRequestByIdOrKey",
    "getSlaInformation",
    "getSlaInformationById",
    "getRequestComments",
    "createRequestComment",
)


def inline_examples() -> list[tuple[str, str, str, int, Any]]:
    found = []
    for op in openapi_check.iter_operations():
        if op.operation_id not in SERVED_OPERATIONS:
            continue
        for status, response in openapi_check._operation_object(op)["responses"].items():
            example = response.get("content", {}).get("application/json", {}).get("example")
            if example is not None:
                path = re.sub(r"\{[^}]+\}", "10", op.template)
                body = json.loads(example) if isinstance(example, str) else example
                found.append((op.operation_id, op.method.upper(), path, int(status), body))
    return found


INLINE_EXAMPLES = inline_examples()


def test_every_served_operation_has_inline_examples() -> None:
    assert {example[0] for example in INLINE_EXAMPLES} == set(SERVED_OPERATIONS)


@pytest.mark.parametrize(
    ("operation_id", "method", "path", "status", "body"),
    INLINE_EXAMPLES,
    ids=[f"{e[0]}-{e[3]}" for e in INLINE_EXAMPLES],
)
def test_inline_spec_example_validates(operation_id: str, method: str, path: str, status: int, body: Any) -> None:
    validate_response(fake(method, path, status, fix_known_doc_mistakes(operation_id, copy.deepcopy(body))))


def test_assignable_users_doc_example_as_printed_fails_because_the_spec_says_array() -> None:
    single = load(SPEC_EXAMPLES_DIR / "platform__GET_user_assignable_search.200.json")
    message = failure(fake("GET", "/rest/api/3/user/assignable/search", 200, single))
    assert "findAssignableUsers" in message
    assert "at $: value is not of type 'array'" in message


def test_search_doc_example_string_description_is_caught_by_the_adf_supplement() -> None:
    raw = load(SPEC_EXAMPLES_DIR / "platform__GET_search_jql.200.json")
    message = failure(fake("GET", "/rest/api/3/search/jql", 200, raw))
    assert "$.issues[0].fields.description" in message
    assert "'object'" in message


# ---- broken copies fail with a useful message -----------------------------------------------------------


def search_example() -> dict[str, Any]:
    return doc_example("platform__GET_search_jql.200.json")  # type: ignore[no-any-return]


def test_issues_as_string_fails() -> None:
    body = search_example()
    body["issues"] = "EX-1, EX-2"
    message = failure(fake("POST", "/rest/api/3/search/jql", 200, body))
    assert "searchAndReconsileIssuesUsingJqlPost" in message
    assert "-> 200" in message
    assert "at $.issues: value is not of type 'array'" in message
    assert "'EX-1, EX-2'" in message


def test_is_last_as_string_fails() -> None:
    body = search_example()
    body["isLast"] = "yes"
    message = failure(fake("GET", "/rest/api/3/search/jql", 200, body))
    assert "at $.isLast: value is not of type 'boolean'" in message
    assert "'yes'" in message


def test_missing_required_field_fails() -> None:
    body = doc_example("platform__GET_issue_transitions.200.json")
    del body["transitions"][1]["fields"]["colour"]["operations"]
    message = failure(fake("GET", "/rest/api/3/issue/EX-1/transitions", 200, body))
    assert "getTransitions" in message
    assert "at $.transitions[1].fields.colour: 'operations' is a required property" in message


def test_unknown_property_on_closed_schema_fails() -> None:
    body = doc_example("platform__GET_serverInfo.200.json")
    body["defaultLocal"] = {"locale": "en_AU"}  # a typo of the allowed quirk must not slip through
    message = failure(fake("GET", "/rest/api/3/serverInfo", 200, body))
    assert "'defaultLocal' was unexpected" in message


def test_null_where_the_spec_does_not_allow_it_fails() -> None:
    body = doc_example("platform__GET_myself.200.json")
    body["displayName"] = None
    message = failure(fake("GET", "/rest/api/3/myself", 200, body))
    assert message.count("at $.displayName: null, but the schema (type 'string') is not nullable") == 1


def test_nullable_field_accepts_null() -> None:
    issue = doc_example("platform__GET_issue.200.json")
    issue["fields"]["assignee"] = None
    issue["fields"]["description"] = None
    validate_response(fake("GET", "/rest/api/3/issue/EX-1", 200, issue))


def test_supplemented_issue_field_with_wrong_shape_fails() -> None:
    issue = doc_example("platform__GET_issue.200.json")
    issue["fields"]["status"] = "Open"
    issue["fields"]["assignee"] = {"accountId": "abc", "username": "bob"}
    message = failure(fake("GET", "/rest/api/3/issue/EX-1", 200, issue))
    assert "at $.fields.status: value is not of type 'object'" in message
    assert "at $.fields.assignee: Additional properties are not allowed ('username' was unexpected)" in message


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2020-03-31T16:43:50.000+0000", True),  # Jira's own offset style
        ("2020-03-31T16:43:50.000+01:00", True),
        ("2020-03-31T16:43:50Z", True),
        ("31/03/2020 16:43", False),
        ("2020-03-31", False),
    ],
)
def test_date_time_format(value: str, ok: bool) -> None:
    body = doc_example("platform__GET_serverInfo.200.json")
    body["serverTime"] = value
    response = fake("GET", "/rest/api/3/serverInfo", 200, body)
    if ok:
        validate_response(response)
    else:
        assert "at $.serverTime" in failure(response)


def test_int32_overflow_fails() -> None:
    body = doc_example("platform__GET_serverInfo.200.json")
    body["buildNumber"] = 2**31
    assert "at $.buildNumber" in failure(fake("GET", "/rest/api/3/serverInfo", 200, body))


def test_relative_uri_fails_where_the_spec_says_uri() -> None:
    body = doc_example("jsm__GET_request_sla_metric.200.json")
    assert body["_links"]["self"].startswith("https://")
    body["_links"]["self"] = "/rest/servicedeskapi/request/SD-1/sla/1"
    message = failure(fake("GET", "/rest/servicedeskapi/request/SD-1/sla/1", 200, body))
    assert "at $._links.self" in message


def test_long_values_are_truncated_in_the_message() -> None:
    body = search_example()
    body["issues"] = "x" * 50_000
    message = failure(fake("GET", "/rest/api/3/search/jql", 200, body))
    assert len(message) < 1000
    assert "…" in message


def test_many_errors_are_capped() -> None:
    body = search_example()
    body["issues"] = [{"id": n, "key": n} for n in range(30)]
    message = failure(fake("GET", "/rest/api/3/search/jql", 200, body))
    assert "... and 52 more" in message


# ---- status codes and bodies ------------------------------------------------------------------------------


def test_undocumented_status_fails() -> None:
    message = failure(fake("GET", "/rest/api/3/issue/EX-1", 500, {"errorMessages": ["boom"]}))
    assert "getIssue" in message
    assert "status 500 is not documented (documented: 200, 401, 404)" in message


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limit_and_unavailable_are_accepted_everywhere(status: int) -> None:
    validate_response(fake("GET", "/rest/api/3/issue/EX-1", status, {"errorMessages": ["slow down"]}))


def test_documented_status_without_schema_accepts_any_body() -> None:
    validate_response(fake("GET", "/rest/api/3/issue/EX-1", 404, {"errorMessages": ["Issue does not exist"]}))


def test_jsm_error_body_is_checked_against_error_response() -> None:
    path = "/rest/servicedeskapi/request/SD-1/sla"
    validate_response(fake("GET", path, 404, {"errorMessage": "No request"}))
    message = failure(fake("GET", path, 404, {"errorMessage": 404}))
    assert "getSlaInformation [" in message
    assert "-> 404" in message
    assert "at $.errorMessage" in message


def test_non_json_content_type_fails() -> None:
    response = fake("GET", "/rest/api/3/myself", 200, content=b"<html>login</html>")
    response.headers["content-type"] = "text/html"
    assert "expected a JSON body, got content-type 'text/html'" in failure(response)


def test_204_must_be_empty() -> None:
    validate_response(fake("POST", "/rest/api/3/issue/EX-1/transitions", 204))
    message = failure(fake("POST", "/rest/api/3/issue/EX-1/transitions", 204, {"ok": True}))
    assert "204 response has a body" in message


# ---- paths -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_sim/clock"),
        ("POST", "/_sim/faults"),
        ("GET", "/rest/api/2/search"),
        ("POST", "/rest/api/2/search"),
        ("GET", "/rest/api/3/search"),
        ("GET", "/jsm/ops/api/cloud-1/v1/schedules/abc/on-calls"),
        ("GET", "/rest/api/3/no-such-resource"),
        ("DELETE", "/rest/api/3/myself"),
        ("GET", "/rest/api/latest/myself"),
    ],
)
def test_paths_outside_the_specs_raise_not_in_spec(method: str, path: str) -> None:
    with pytest.raises(NotInSpec):
        validate_response(fake(method, path, 200, {"anything": True}))
    with pytest.raises(NotInSpec):
        validate_request_body(method, path, None)


def test_not_in_spec_names_the_documented_methods() -> None:
    with pytest.raises(NotInSpec, match="documents only GET for this path"):
        find_operation("DELETE", "/rest/api/3/myself")


def test_not_in_spec_is_not_an_assertion_error() -> None:
    # Callers catch it to decide; pytest.raises(AssertionError) must not swallow it.
    assert not issubclass(NotInSpec, AssertionError)


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", "/rest/api/3/search/jql", "searchAndReconsileIssuesUsingJql"),
        ("POST", "/rest/api/3/search/jql", "searchAndReconsileIssuesUsingJqlPost"),
        ("GET", "/rest/api/3/priority/search", "searchPriorities"),
        ("GET", "/rest/api/3/priority/3", "getPriority"),
        ("GET", "/rest/api/3/field/search", "getFieldsPaginated"),
        ("GET", "/rest/api/3/issue/OPS-12/comment/", "getComments"),
        ("GET", "/rest/api/2/issue/OPS-12", "getIssue"),
        ("GET", "/rest/servicedeskapi/request/OPS-12/sla/7", "getSlaInformationById"),
        ("GET", "/rest/servicedeskapi/servicedesk", "getServiceDesks"),
    ],
)
def test_literal_segments_win_over_templates(method: str, path: str, operation_id: str) -> None:
    assert find_operation(method, path).operation_id == operation_id


def test_every_spec_operation_is_found_from_a_concrete_path() -> None:
    operations = list(openapi_check.iter_operations())
    assert len(operations) > 500
    for op in operations:
        concrete = re.sub(r"\{[^}]+\}", "Zq9", op.template)
        if op.operation_id in openapi_check._REMOVED_FROM_CLOUD:
            with pytest.raises(NotInSpec):
                find_operation(op.method, concrete)
            continue
        found = find_operation(op.method, concrete)
        assert (found.template, found.operation_id) == (op.template, op.operation_id)


# ---- v2 vs v3 ----------------------------------------------------------------------------------------------


def issue_with_plain_text() -> dict[str, Any]:
    issue = doc_example("platform__GET_issue.200.json")
    issue["fields"]["description"] = "Main order flow broken"
    issue["fields"]["environment"] = "prod"
    issue["fields"]["status"] = {"name": "Open", "description": "plain in v2 and v3 alike"}
    return issue  # type: ignore[no-any-return]


def test_v2_issue_with_string_description_passes() -> None:
    validate_response(fake("GET", "/rest/api/2/issue/EX-1", 200, issue_with_plain_text()))


def test_v3_issue_with_string_description_fails() -> None:
    message = failure(fake("GET", "/rest/api/3/issue/EX-1", 200, issue_with_plain_text()))
    assert "at $.fields.description: value is not of type 'object'" in message
    assert "at $.fields.environment" in message


def test_v2_comment_page_with_string_bodies_passes_and_v3_fails() -> None:
    page = doc_example("platform__GET_issue_comment.200.json")
    for comment in page["comments"]:
        comment["body"] = "Looks fixed."
    validate_response(fake("GET", "/rest/api/2/issue/EX-1/comment", 200, page))
    message = failure(fake("GET", "/rest/api/3/issue/EX-1/comment", 200, page))
    assert "at $.comments[0].body: value is not of type 'object'" in message


def test_v2_is_still_checked_outside_the_adf_fields() -> None:
    body = search_example()
    body["isLast"] = "yes"
    message = failure(fake("GET", "/rest/api/2/search/jql", 200, body))
    assert "v2 request checked against v3" in message
    assert "at $.isLast" in message


def test_v2_comment_request_with_string_body_passes_and_v3_fails() -> None:
    validate_request_body("POST", "/rest/api/2/issue/EX-1/comment", {"body": "Rolling back."})
    with pytest.raises(AssertionError, match=r"at \$\.body"):
        validate_request_body("POST", "/rest/api/3/issue/EX-1/comment", {"body": "Rolling back."})


def test_adf_doc_must_be_a_doc() -> None:
    comment = doc_example("platform__POST_issue_comment.201.json")
    comment["body"] = {"type": "paragraph", "content": []}
    message = failure(fake("POST", "/rest/api/3/issue/EX-1/comment", 201, comment))
    assert "at $.body" in message
    assert "'version' is a required property" in message


# ---- request bodies ----------------------------------------------------------------------------------------


def test_search_request_body() -> None:
    good = {"jql": "project = OPS", "fields": ["summary", "status"], "maxResults": 50}
    validate_request_body("POST", "/rest/api/3/search/jql", good)
    with pytest.raises(AssertionError, match=r"at \$\.maxResults"):
        validate_request_body("POST", "/rest/api/3/search/jql", {**good, "maxResults": "50"})
    with pytest.raises(AssertionError, match="'startAt' was unexpected"):
        validate_request_body("POST", "/rest/api/3/search/jql", {**good, "startAt": 0})


def test_read_only_property_in_a_request_fails() -> None:
    with pytest.raises(AssertionError, match=r"at \$\.id: Tried to write read-only property"):
        validate_request_body("POST", "/rest/api/3/issue/EX-1/comment", {"id": "1", "body": adf("x")})


def test_body_for_an_operation_without_one_fails() -> None:
    with pytest.raises(AssertionError, match="takes no request body"):
        validate_request_body("GET", "/rest/api/3/myself", {"x": 1})
    validate_request_body("GET", "/rest/api/3/myself", None)


# ---- caching --------------------------------------------------------------------------------------------


def test_specs_are_loaded_and_indexed_once() -> None:
    validate_response(fake("GET", "/rest/api/3/myself", 200, doc_example("platform__GET_myself.200.json")))
    validate_response(
        fake("GET", "/rest/servicedeskapi/request/SD-1/sla", 200, doc_example("jsm__GET_request_sla.200.json"))
    )
    assert openapi_check._route_index.cache_info().misses == 1
    assert openapi_check._load_spec.cache_info().misses == 2
