"""Jira platform REST API: what other clients read about an issue beside its fields. The edit screen
(`editmeta`) and remote links (runbooks, status pages), on Cloud v2/v3 and Data Center v2 alike.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim.http import (
    API,
    api_version,
    base_url,
    endpoint,
    json_response,
    no_content,
    read_json_object,
    sim_state,
    with_latest,
)
from oncall_tui.sim.model import Issue
from oncall_tui.sim.render import editmeta_json, remote_link_json
from oncall_tui.sim.state import SimError

MAX_GLOBAL_ID = 255
_OVERRIDES = ("overrideScreenSecurity", "overrideEditableFlag")


@endpoint()
async def editmeta(request: Request) -> Response:
    state = sim_state(request)
    state.issue(request.path_params["key"])
    # The overrides are for Connect and Forge apps acting for a Jira admin; the API user is neither.
    if any(request.query_params.get(name, "").lower() == "true" for name in _OVERRIDES):
        raise SimError(403, ["Only Connect and Forge apps acting for a Jira administrator can use overrides."])
    return json_response(editmeta_json(state, base_url(request)))


# ---- remote links -----------------------------------------------------------------------------------------


def _links_json(request: Request, issue: Issue) -> list[dict[str, Any]]:
    base, version = base_url(request), api_version(request)
    return [remote_link_json(issue, link, base, version) for link in issue.remote_links]


@endpoint()
async def list_remote_links(request: Request) -> Response:
    """All of an issue's remote links (an array); with `globalId`, that one link (an object)."""
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    global_id = request.query_params.get("globalId")
    if global_id is None:
        return json_response(_links_json(request, issue))
    for link in issue.remote_links:
        if link.global_id == global_id:
            return json_response(remote_link_json(issue, link, base_url(request), api_version(request)))
    raise SimError(404, [f"No remote issue link with global id '{global_id}' exists on issue '{issue.key}'."])


@endpoint()
async def get_remote_link(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    link = state.remote_link(issue, request.path_params["link_id"])
    return json_response(remote_link_json(issue, link, base_url(request), api_version(request)))


def _check_type(container: Any, name: str, kind: type, where: str) -> None:
    value = container.get(name) if isinstance(container, dict) else None
    if value is not None and not isinstance(value, kind):
        raise SimError(400, [], {name: f"'{where}' is not valid."})


def _link_request(body: dict[str, Any]) -> dict[str, Any]:
    """The parts of a RemoteIssueLinkRequest, checked as Jira checks them; keyword arguments for the state."""
    obj = body.get("object")
    if not isinstance(obj, dict):
        raise SimError(400, [], {"object": "'object' is required."})
    missing = {name: f"'{name}' is required." for name in ("title", "url") if not _text(obj.get(name))}
    if missing:
        raise SimError(400, [], missing)
    # What the spec types inside `object` must keep its type: every client reads it back.
    _check_type(obj, "summary", str, "object.summary")
    _check_type(obj, "icon", dict, "object.icon")
    _check_type(obj, "status", dict, "object.status")
    status = obj.get("status")
    _check_type(status, "resolved", bool, "object.status.resolved")
    _check_type(status, "icon", dict, "object.status.icon")
    for where, icon in (("object.icon", obj.get("icon")), ("object.status.icon", (status or {}).get("icon"))):
        for name in ("url16x16", "title", "link"):
            _check_type(icon, name, str, f"{where}.{name}")
    for name, kind in (("globalId", str), ("relationship", str), ("application", dict)):
        _check_type(body, name, kind, name)
    application = body.get("application") or {}
    for name in ("name", "type"):
        _check_type(application, name, str, f"application.{name}")
    global_id = body.get("globalId")
    if global_id is not None and len(global_id) > MAX_GLOBAL_ID:
        raise SimError(400, [], {"globalId": f"'globalId' must be at most {MAX_GLOBAL_ID} characters."})
    return {"obj": obj, "global_id": global_id, "application": application, "relationship": body.get("relationship")}


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _require_linking(request: Request, *, edit: bool = False) -> None:
    state = sim_state(request)
    state.require("LINK_ISSUES", "You do not have permission to link issues in this project.")
    if edit:
        state.require("EDIT_ISSUES", "You do not have permission to edit issues in this project.")


@endpoint()
async def create_remote_link(request: Request) -> Response:
    """Create a link, or update the one with the same `globalId` (200 then, 201 for a new one)."""
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    _require_linking(request)
    link, created = state.save_remote_link(issue, **_link_request(await read_json_object(request)))
    body = remote_link_json(issue, link, base_url(request), api_version(request))
    return json_response({"id": body["id"], "self": body["self"]}, status=201 if created else 200)


@endpoint()
async def update_remote_link(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    link = state.remote_link(issue, request.path_params["link_id"])
    _require_linking(request)
    state.save_remote_link(issue, link=link, **_link_request(await read_json_object(request)))
    return no_content()


@endpoint()
async def delete_remote_link(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    link = state.remote_link(issue, request.path_params["link_id"])
    _require_linking(request, edit=True)
    state.delete_remote_link(issue, link)
    return no_content()


def routes() -> list[BaseRoute]:
    issue = f"{API}/issue/{{key}}"
    return with_latest(
        [
            Route(f"{issue}/editmeta", editmeta, methods=["GET"]),
            Route(f"{issue}/remotelink", list_remote_links, methods=["GET"]),
            Route(f"{issue}/remotelink", create_remote_link, methods=["POST"]),
            Route(f"{issue}/remotelink/{{link_id}}", get_remote_link, methods=["GET"]),
            Route(f"{issue}/remotelink/{{link_id}}", update_remote_link, methods=["PUT"]),
            Route(f"{issue}/remotelink/{{link_id}}", delete_remote_link, methods=["DELETE"]),
        ]
    )
