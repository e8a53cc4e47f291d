"""Bulk issue fetch (`POST /rest/api/{2,3}/issue/bulkfetch`, Cloud): up to 100 issues by id or key in one request.

Following the platform spec (`bulkFetchIssues`): the request is a `BulkFetchIssueRequestBean` (`issueIdsOrKeys`
required, `fields`, `expand`, `properties`, `fieldsByKeys`), the answer a `BulkIssueResults` with `issues` in
ascending id order and `issueErrors`. An id or key that matches no issue (deleted, or not visible to the caller)
is simply left out of both lists, as the spec says; `issueErrors` is for issues Jira could not load, which a
simulated site never fails to. Data Center has no such endpoint: it answers 404, as for enhanced search.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim.http import API, api_version, endpoint, json_response, read_json_object, sim_state, with_latest
from oncall_tui.sim.model import Issue
from oncall_tui.sim.render import select_fields
from oncall_tui.sim.state import SimError

# "You can request up to 100 issues."
BULK_FETCH_MAX = 100
_TOO_MANY = f"The number of issue IDs or keys requested must be between 1 and {BULK_FETCH_MAX}."


def _strings(body: dict[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SimError(400, [f"The '{name}' parameter must be a list of strings."])
    return value


def _find(request: Request, wanted: list[str]) -> list[Issue]:
    state = sim_state(request)
    found: dict[int, Issue] = {}
    for ident in wanted:
        try:
            issue = state.issue(ident.strip())
        except SimError:
            continue  # gone or hidden: left out, not an error
        found[issue.id] = issue
    return [found[issue_id] for issue_id in sorted(found)]


@endpoint()
async def bulk_fetch(request: Request) -> Response:
    from oncall_tui.sim.routes_platform import SEARCH_MAX_PROPERTIES, _render_issues

    if sim_state(request).flavour == "datacenter":
        raise SimError(404, ["Not found"])
    body = await read_json_object(request)
    wanted = _strings(body, "issueIdsOrKeys")
    if wanted is None:
        raise SimError(400, ["The 'issueIdsOrKeys' parameter is required."])
    if not 1 <= len(wanted) <= BULK_FETCH_MAX:
        raise SimError(400, [_TOO_MANY])
    fields = select_fields(_strings(body, "fields"), default=["*navigable"])
    expand = _strings(body, "expand") or []
    properties = _strings(body, "properties") or []
    if len(properties) > SEARCH_MAX_PROPERTIES:
        raise SimError(400, [f"At most {SEARCH_MAX_PROPERTIES} properties can be requested."])
    if not isinstance(body.get("fieldsByKeys", False), bool):
        raise SimError(400, ["The 'fieldsByKeys' parameter must be a boolean."])
    # With `expand=names` each IssueBean keeps its own `names`: BulkIssueResults has no answer-wide place for them.
    issues = _render_issues(request, _find(request, wanted), fields, expand, api_version(request), properties)
    return json_response({"issues": issues, "issueErrors": []})


def routes() -> list[BaseRoute]:
    return with_latest([Route(f"{API}/issue/bulkfetch", bulk_fetch, methods=["POST"])])
