"""Jira platform REST API: projects. The list, the paged search Cloud clients start with, one project, and the
statuses of a project's issue types.

Data Center has `GET /project`, `/project/{key}` and `/project/{key}/statuses` but no `/project/search`: its
project resource takes `search` for a project key and answers 404, and so does the simulator.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim.http import API, api_version, base_url, endpoint, int_param, json_response, sim_state, with_latest
from oncall_tui.sim.model import Project
from oncall_tui.sim.render import (
    project_description,
    project_issue_types_json,
    project_listing_json,
    status_json,
    user_json,
)
from oncall_tui.sim.state import SimError, SimState

SEARCH_MAX_RESULTS = 100
MAX_FILTER_VALUES = 50
PROJECT_TYPES = ("business", "service_desk", "software")
SEARCH_ACTIONS = ("view", "browse", "edit", "create")
PROJECT_STATUSES = ("live", "archived", "deleted")


def _no_project(ref: str) -> SimError:
    return SimError(404, [f"No project could be found with key '{ref}'."])


def find_project(state: SimState, ref: str) -> Project:
    """A project by key or id; 404 in Jira's words otherwise (or when the caller may not browse projects)."""
    key = ref.upper()
    project = state.projects.get(key) or next((p for p in state.projects.values() if p.id == ref), None)
    if project is None or not state.has_permission("BROWSE_PROJECTS"):
        raise _no_project(ref)
    return project


def _expand(request: Request) -> list[str]:
    return [part.strip() for part in request.query_params.get("expand", "").split(",") if part.strip()]


def _visible(state: SimState) -> list[Project]:
    return list(state.projects.values()) if state.has_permission("BROWSE_PROJECTS") else []


@endpoint()
async def list_projects(request: Request) -> Response:
    """GET /project: every visible project (deprecated on Cloud in favour of /project/search, still served)."""
    state = sim_state(request)
    base, version, expand = base_url(request), api_version(request), _expand(request)
    projects = sorted(_visible(state), key=lambda p: p.key)
    recent = request.query_params.get("recent")
    if recent:
        projects = projects[: int_param(request, "recent", len(projects), minimum=0)]
    return json_response([project_listing_json(state, p, base, version, expand) for p in projects])


def _repeated(request: Request, name: str) -> list[str]:
    """A list parameter: repeated (`keys=A&keys=B`, as the spec says) or comma-separated (as clients send)."""
    values = [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()]
    if len(values) > MAX_FILTER_VALUES:
        raise SimError(400, [f"Up to {MAX_FILTER_VALUES} values can be provided for '{name}'."])
    return values


def _one_of(name: str, allowed: tuple[str, ...], values: list[str]) -> list[str]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise SimError(400, [f"Invalid value '{bad[0]}' for '{name}'. Valid values are: {', '.join(allowed)}."])
    return values


def _search_filter(request: Request, state: SimState) -> list[Project]:
    params = request.query_params
    projects = _visible(state)
    ids = _repeated(request, "id")
    if any(not i.isdigit() for i in ids):
        raise SimError(400, ["The 'id' parameter must be a list of numbers."])
    if ids:
        projects = [p for p in projects if p.id in ids]
    keys = {k.upper() for k in _repeated(request, "keys")}
    if keys:
        projects = [p for p in projects if p.key in keys]
    query = params.get("query", "").strip().lower()
    if query:
        projects = [p for p in projects if query in p.key.lower() or query in p.name.lower()]
    type_keys = _one_of("typeKey", PROJECT_TYPES, _repeated(request, "typeKey"))
    if type_keys and "service_desk" not in type_keys:
        projects = []  # every simulated project is a service desk
    if params.get("categoryId"):
        int_param(request, "categoryId", 0)
        projects = []  # the site has no project categories
    _one_of("action", SEARCH_ACTIONS, _repeated(request, "action"))
    statuses = _one_of("status", PROJECT_STATUSES, _repeated(request, "status")) or ["live"]
    return projects if "live" in statuses else []


def _order(request: Request, state: SimState, projects: list[Project]) -> list[Project]:
    raw = request.query_params.get("orderBy") or "key"
    descending = raw.startswith("-")
    name = raw.lstrip("+-")
    issues: dict[str, list[Any]] = {p.key: [] for p in projects}
    for issue in state.issues.values():
        if issue.project_key in issues:
            issues[issue.project_key].append(issue)

    def owner(p: Project) -> str:
        lead = state.users.get(p.lead)
        return lead.display_name.casefold() if lead else ""

    sort_keys: dict[str, Any] = {
        "key": lambda p: p.key,
        "name": lambda p: p.name.casefold(),
        "owner": owner,
        "issueCount": lambda p: len(issues[p.key]),
        "lastIssueUpdatedDate": lambda p: max((i.updated for i in issues[p.key]), default=state.now()),
        "lastIssueUpdatedTime": lambda p: max((i.updated for i in issues[p.key]), default=state.now()),
        # No categories, and nothing archived or deleted: these order like the key.
        "category": lambda p: p.key,
        "archivedDate": lambda p: p.key,
        "deletedDate": lambda p: p.key,
    }
    if name not in sort_keys:
        raise SimError(400, [f"Invalid 'orderBy' value '{raw}'."])
    ordered = sorted(projects, key=lambda p: p.key)  # ties in key order
    return sorted(ordered, key=sort_keys[name], reverse=descending)


def _page_url(request: Request, start_at: int, max_results: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("startAt", "maxResults")]
    params += [("startAt", str(start_at)), ("maxResults", str(max_results))]
    return f"{base_url(request)}{request.url.path}?{urlencode(params)}"


@endpoint()
async def search_projects(request: Request) -> Response:
    state = sim_state(request)
    if state.flavour == "datacenter":
        raise _no_project("search")
    start_at = int_param(request, "startAt", 0)
    # More than 100 is not an error: Jira quietly answers with 100.
    max_results = int_param(request, "maxResults", 50, maximum=SEARCH_MAX_RESULTS)
    matches = _order(request, state, _search_filter(request, state))
    page = matches[start_at : start_at + max_results]
    base, version, expand = base_url(request), api_version(request), _expand(request)
    is_last = start_at + len(page) >= len(matches)
    body: dict[str, Any] = {
        "self": _page_url(request, start_at, max_results),
        "maxResults": max_results,
        "startAt": start_at,
        "total": len(matches),
        "isLast": is_last,
        "values": [project_listing_json(state, p, base, version, expand) for p in page],
    }
    if not is_last:
        body["nextPage"] = _page_url(request, start_at + max_results, max_results)
    return json_response(body)


@endpoint()
async def get_project(request: Request) -> Response:
    state = sim_state(request)
    base = base_url(request)
    proj = find_project(state, request.path_params["key"])
    lead = state.users.get(proj.lead)
    components = []
    for comp in proj.components:
        entry: dict[str, Any] = {
            "self": f"{base}/rest/api/2/component/{comp.id}",
            "id": comp.id,
            "name": comp.name,
            "description": comp.description,
            "assigneeType": "COMPONENT_LEAD" if comp.lead else "PROJECT_DEFAULT",
            "isAssigneeTypeValid": True,
            "project": proj.key,
            "projectId": int(proj.id),
        }
        comp_lead = state.users.get(comp.lead) if comp.lead else None
        if comp_lead:
            entry["lead"] = user_json(state, comp_lead, base)
        components.append(entry)
    return json_response(
        {
            "self": f"{base}/rest/api/{api_version(request)}/project/{proj.id}",
            "id": proj.id,
            "key": proj.key,
            "name": proj.name,
            "description": project_description(proj),
            "lead": user_json(state, lead, base) if lead else None,
            "components": components,
            "issueTypes": project_issue_types_json(state, base),
            "assigneeType": "UNASSIGNED",
            "projectTypeKey": "service_desk",
            "simplified": False,
            "style": "classic",
            "isPrivate": False,
        }
    )


@endpoint()
async def project_statuses(request: Request) -> Response:
    """Each issue type with the statuses its workflow can reach (one workflow serves every type here)."""
    state = sim_state(request)
    find_project(state, request.path_params["key"])
    base, version = base_url(request), api_version(request)
    statuses = [status_json(state.statuses[sid], base) for sid in state.workflow_status_ids()]
    return json_response(
        [
            {
                "self": f"{base}/rest/api/{version}/issueType/{t.id}",
                "id": t.id,
                "name": t.name,
                "subtask": False,
                "statuses": statuses,
            }
            for t in state.issue_types.values()
        ]
    )


def routes() -> list[BaseRoute]:
    return with_latest(
        [
            Route(f"{API}/project", list_projects, methods=["GET"]),
            # Before `project/{key}`, which would take "search" for a key.
            Route(f"{API}/project/search", search_projects, methods=["GET"]),
            Route(f"{API}/project/{{key}}", get_project, methods=["GET"]),
            Route(f"{API}/project/{{key}}/statuses", project_statuses, methods=["GET"]),
        ]
    )
