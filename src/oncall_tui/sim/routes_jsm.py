"""JSM `servicedeskapi` endpoints (Cloud and Data Center): service desks, agent queues, customer requests,
their SLAs and comments.

Shapes follow Atlassian's JSM OpenAPI (PagedDTO, ServiceDeskDTO, QueueDTO, CustomerRequestDTO, CommentDTO,
SlaInformationDTO), including its error body `{"errorMessage", "i18nErrorMessage"}` rather than the platform's
`errorMessages`. Real JSM asks for the header `X-ExperimentalApi: opt-in` only on endpoints it marks
experimental; none of the endpoints served here are, so no special header is required.

Permissions as the spec states them: queues and SLAs need an agent of the service desk; a customer (a user
who is no agent, or any caller while SERVICEDESK_AGENT is withheld) sees only the requests they reported,
only their public comments, and may only comment publicly.
"""

from __future__ import annotations

import functools
import html
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim import adf
from oncall_tui.sim.http import (
    Handler,
    base_url,
    current_user,
    endpoint,
    int_param,
    json_response,
    read_json_object,
    sim_state,
)
from oncall_tui.sim.model import Comment, Issue, Project, User
from oncall_tui.sim.render import issue_json, user_json
from oncall_tui.sim.sla import date_value, sla_to_json
from oncall_tui.sim.state import SimError, SimState

API = "/rest/servicedeskapi"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
REQUEST_EXPANDS = ["participant", "status", "sla", "requestType", "serviceDesk", "attachment", "action", "comment"]
COMMENT_EXPANDS = ["attachment", "renderedBody"]
# JSM marks agent-internal comments with this entity property; the platform API shows it too.
INTERNAL_PROPERTY = "sd.public.comment"

# Request type names -> ids, as a JSM portal would number them; unknown names get a stable derived id.
REQUEST_TYPE_IDS = {
    "Report an incident": "10",
    "Get IT help": "11",
    "Request access": "12",
    "Request a data export": "13",
    "Data subject request": "14",
    "Ask a question": "15",
}

T = TypeVar("T")


class JsmError(Exception):
    """A refusal rendered in JSM's own error shape."""

    def __init__(self, status: int, message: str, i18n_key: str, *parameters: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.i18n_key = i18n_key
        self.parameters = list(parameters)

    def response(self) -> Response:
        body = {
            "errorMessage": self.message,
            "i18nErrorMessage": {"i18nKey": self.i18n_key, "parameters": self.parameters},
        }
        return json_response(body, status=self.status)


def _jsm(handler: Handler) -> Handler:
    """`endpoint()` with JSM's error shape for everything refused, the 401 of a failed login included."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except JsmError as exc:
            return exc.response()
        except SimError as exc:
            message = "; ".join([*exc.messages, *exc.errors.values()]) or "Request failed."
            return JsmError(exc.status, message, f"sd.error.http.{exc.status}").response()

    authenticated = endpoint()(guarded)

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        response = await authenticated(request)
        if response.status_code != 401:
            return response
        # Keep the challenge headers `endpoint` set; only the body takes the JSM shape.
        unauthorized = JsmError(
            401,
            "You are not authenticated. Authentication required to perform this operation.",
            "sd.security.authentication.required",
        ).response()
        for name in ("www-authenticate", "x-seraph-loginreason"):
            if name in response.headers:
                unauthorized.headers[name] = response.headers[name]
        return unauthorized

    return wrapper


# ---- who may see what -------------------------------------------------------------------------------------


def _is_agent(state: SimState, user: User) -> bool:
    return user.agent and state.has_permission("SERVICEDESK_AGENT")


def _require_agent(state: SimState, user: User) -> None:
    if not _is_agent(state, user):
        raise JsmError(
            403,
            "You do not have permission to perform this operation: it needs an agent of the service desk.",
            "sd.agent.permission.violation",
        )


def _request_of(state: SimState, user: User, id_or_key: str, *, hidden_status: int = 403) -> Issue:
    """The customer request `id_or_key`, if it is one and the caller may see it.

    A request the caller may not see is answered `hidden_status`: the spec documents 403 for most
    operations but only 404 for listing comments.
    """
    try:
        issue = state.issue(id_or_key)
    except SimError:
        raise JsmError(404, f"The request '{id_or_key}' does not exist.", "sd.request.not.found", id_or_key) from None
    if state.project_of(issue).service_desk_id is None:
        raise JsmError(404, f"The issue '{issue.key}' is not a customer request.", "sd.request.not.found", issue.key)
    if not _is_agent(state, user) and issue.reporter != user.account_id:
        raise JsmError(
            hidden_status,
            f"You do not have permission to view the request '{issue.key}'.",
            "sd.request.permission.violation",
            issue.key,
        )
    return issue


def _tz(request: Request) -> str:
    return current_user(request).time_zone


# ---- paging ---------------------------------------------------------------------------------------------------


def _paged(
    request: Request,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    *,
    keep: Sequence[str] = (),
    embedded_path: str | None = None,
) -> dict[str, Any]:
    """A JSM PagedDTO over `items`; only the page is rendered.

    `keep` names query parameters the next/prev links repeat. An embedded page (an `expand` of a request)
    is always the first page, and its links point at the sub-resource `embedded_path`.
    """
    if embedded_path is None:
        start = int_param(request, "start", 0)
        limit = int_param(request, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
        path = request.url.path
    else:
        start, limit, path = 0, DEFAULT_LIMIT, embedded_path
    page = items[start : start + limit]
    base = base_url(request)

    def link(at: int) -> str:
        params = [(k, request.query_params[k]) for k in keep if k in request.query_params]
        return f"{base}{path}?{urlencode([*params, ('start', at), ('limit', limit)])}"

    links: dict[str, Any] = {"base": f"{base}{API}", "context": ""}
    if start + len(page) < len(items):
        links["next"] = link(start + limit)
    if start > 0:
        links["prev"] = link(max(0, start - limit))
    return {
        "_expands": [],
        "size": len(page),
        "start": start,
        "limit": limit,
        "isLastPage": start + len(page) >= len(items),
        "_links": links,
        "values": [render(item) for item in page],
    }


def _flag(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise JsmError(400, f"The parameter '{name}' must be true or false, not '{raw}'.", "sd.param.invalid", name)
    return lowered == "true"


# ---- JSON shapes --------------------------------------------------------------------------------------------


def user_dto(state: SimState, user: User | None, account_id: str, base: str) -> dict[str, Any]:
    """JSM's UserDTO: the platform user's fields with the links gathered under `_links`."""
    if user is None:
        key = "name" if state.flavour == "datacenter" else "accountId"
        return {key: account_id, "displayName": "Former user", "active": False}
    platform = user_json(state, user, base)
    data: dict[str, Any] = {}
    if state.flavour == "datacenter":
        data["name"] = user.username
        data["key"] = user.username
    else:
        data["accountId"] = user.account_id
    data["emailAddress"] = user.email
    data["displayName"] = user.display_name
    data["active"] = user.active
    data["timeZone"] = user.time_zone
    data["_links"] = {"jiraRest": platform["self"], "avatarUrls": platform["avatarUrls"], "self": platform["self"]}
    return data


def service_desk_json(project: Project, base: str) -> dict[str, Any]:
    return {
        "id": project.service_desk_id,
        "projectId": project.id,
        "projectName": project.name,
        "projectKey": project.key,
        "_links": {"self": f"{base}{API}/servicedesk/{project.service_desk_id}"},
    }


def request_type_id(name: str) -> str:
    known = REQUEST_TYPE_IDS.get(name)
    return known if known is not None else str(100 + zlib.crc32(name.encode()) % 900)


def _status_changes(issue: Issue) -> list[tuple[str, datetime]]:
    """(status id, since) for every status the request has had, oldest first."""
    changes = [event for event in issue.history if event.kind == "status"]
    first = changes[0].data.get("from", issue.status_id) if changes else issue.status_id
    out = [(str(first), issue.created)]
    out.extend((str(event.data.get("to")), event.at) for event in changes)
    return out


def _status_dto(state: SimState, status_id: str, since: datetime, tz: str) -> dict[str, Any]:
    status = state.statuses.get(status_id)
    return {
        "status": status.name if status else status_id,
        "statusCategory": status.category.upper() if status else "UNDEFINED",
        "statusDate": date_value(since, tz),
    }


def _html(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br/>") + "</p>" for p in paragraphs)


def comment_dto(state: SimState, issue: Issue, comment: Comment, base: str, tz: str) -> dict[str, Any]:
    return {
        "_expands": list(COMMENT_EXPANDS),
        "id": str(comment.id),
        "body": adf.to_text(comment.body),
        "public": comment.public,
        "author": user_dto(state, state.users.get(comment.author), comment.author, base),
        "created": date_value(comment.created, tz),
        "_links": {"self": f"{base}{API}/request/{issue.id}/comment/{comment.id}"},
    }


def _sla_dto(issue: Issue, base: str, tz: str) -> Callable[[Any], dict[str, Any]]:
    def render(record: Any) -> dict[str, Any]:
        return sla_to_json(record, self_url=f"{base}{API}/request/{issue.id}/sla/{record.definition.id}", display_tz=tz)

    return render


def _visible_comments(state: SimState, user: User, issue: Issue, *, public: bool, internal: bool) -> list[Comment]:
    if not _is_agent(state, user):
        internal = False
    return [c for c in issue.comments if (c.public and public) or (not c.public and internal)]


def customer_request_json(
    request: Request, state: SimState, issue: Issue, user: User, expand: set[str]
) -> dict[str, Any]:
    base, tz = base_url(request), _tz(request)
    project = state.project_of(issue)
    statuses = _status_changes(issue)
    values: list[dict[str, Any]] = [{"fieldId": "summary", "label": "Summary", "value": issue.summary}]
    if issue.description:
        text = adf.to_text(issue.description)
        values.append(
            {"fieldId": "description", "label": "Description", "value": text, "renderedValue": {"html": _html(text)}}
        )
    data: dict[str, Any] = {
        "_expands": list(REQUEST_EXPANDS),
        "issueId": str(issue.id),
        "issueKey": issue.key,
        "summary": issue.summary,
        "requestTypeId": request_type_id(issue.request_type),
        "serviceDeskId": project.service_desk_id,
        "createdDate": date_value(issue.created, tz),
        "reporter": user_dto(state, state.users.get(issue.reporter), issue.reporter, base),
        "requestFieldValues": values,
        "currentStatus": _status_dto(state, *statuses[-1], tz),
    }
    if "serviceDesk" in expand:
        data["serviceDesk"] = service_desk_json(project, base)
    here = f"{API}/request/{issue.id}"
    if "status" in expand:
        data["status"] = _paged(
            request, statuses, lambda change: _status_dto(state, *change, tz), embedded_path=f"{here}/status"
        )
    if "sla" in expand and _is_agent(state, user):
        # Customers never see SLAs; JSM leaves the expansion out for them rather than failing.
        data["sla"] = _paged(request, state.slas(issue), _sla_dto(issue, base, tz), embedded_path=f"{here}/sla")
    if "comment" in expand:
        visible = _visible_comments(state, user, issue, public=True, internal=True)
        data["comments"] = _paged(
            request, visible, lambda c: comment_dto(state, issue, c, base, tz), embedded_path=f"{here}/comment"
        )
    data["_links"] = {
        "jiraRest": f"{base}/rest/api/2/issue/{issue.id}",
        "web": f"{base}/servicedesk/customer/portal/{project.service_desk_id}/{issue.key}",
        "agent": f"{base}/browse/{issue.key}",
        "self": f"{base}{API}/request/{issue.id}",
    }
    return data


# ---- service desks and queues ---------------------------------------------------------------------------------


def _desks(state: SimState) -> list[Project]:
    desks = [p for p in state.projects.values() if p.service_desk_id is not None]
    return sorted(desks, key=lambda p: (len(p.service_desk_id or ""), p.service_desk_id))


def _desk(state: SimState, ident: str) -> Project:
    """A service desk by its id, or (as JSM allows) by its project's key or id."""
    desks = _desks(state)
    for match in (
        lambda p: p.service_desk_id == ident,
        lambda p: p.key.lower() == ident.lower(),
        lambda p: p.id == ident,
    ):
        for project in desks:
            if match(project):
                return project
    raise JsmError(404, f"The service desk '{ident}' does not exist.", "sd.servicedesk.not.found", ident)


@dataclass(frozen=True)
class Queue:
    id: str
    name: str
    jql: str
    fields: tuple[str, ...]


def _jql_name(name: str) -> str:
    return name if name.replace("_", "").isalnum() else '"' + name.replace('"', '\\"') + '"'


def queues_for(state: SimState, project: Project) -> list[Queue]:
    """The agent queues of a service desk, as JSM's default ITSM template sets them up.

    Queue ids are unique across the site: ten slots per service desk, in service-desk order.
    SLA clauses name the site's own metrics, so a scenario without SLAs still gets valid JQL.
    """
    position = [p.key for p in _desks(state)].index(project.key) + 1
    ttr = next((d.name for d in state.sla_definitions if not d.stop_on_public_agent_comment), None)
    ttfr = next((d.name for d in state.sla_definitions if d.stop_on_public_agent_comment), None)
    scope = f"project = {_jql_name(project.key)}"
    unresolved = f"{scope} AND resolution = Unresolved"
    by_sla = f'ORDER BY "{ttr}" ASC' if ttr else "ORDER BY created ASC"
    fields = (
        "issuetype",
        "issuekey",
        "summary",
        "status",
        "priority",
        "assignee",
        "reporter",
        "created",
        "updated",
        *(d.field_id for d in state.sla_definitions),
    )
    rows: list[tuple[int, str, str]] = [
        (1, "All open", f"{unresolved} {by_sla}"),
        (2, "Assigned to me", f"{unresolved} AND assignee = currentUser() {by_sla}"),
        (3, "Unassigned", f"{unresolved} AND assignee is EMPTY {by_sla}"),
    ]
    at_risk = []
    if ttr:
        at_risk += [f'"{ttr}" = breached()', f'"{ttr}" < remaining("1h")']
    if ttfr:
        at_risk.append(f'"{ttfr}" < remaining("15m")')
    if at_risk:
        rows.append((4, "Breached or at risk", f"{unresolved} AND ({' OR '.join(at_risk)}) {by_sla}"))
    waiting = state.status_by_name("Waiting for customer")
    if waiting is not None:
        rows.append(
            (5, "Waiting for customer", f"{scope} AND status = {_jql_name(waiting.name)} ORDER BY updated DESC")
        )
    urgent = sorted(state.priorities.values(), key=lambda p: p.rank)[:2]
    if urgent:
        names = ", ".join(_jql_name(p.name) for p in urgent)
        rows.append((6, "P1/P2", f"{unresolved} AND priority in ({names}) ORDER BY priority DESC, created ASC"))
    return [Queue(str(position * 10 + slot), name, jql, fields) for slot, name, jql in rows]


def _queue(state: SimState, project: Project, queue_id: str) -> Queue:
    for queue in queues_for(state, project):
        if queue.id == queue_id:
            return queue
    raise JsmError(
        404,
        f"The queue '{queue_id}' does not exist in service desk '{project.service_desk_id}'.",
        "sd.queue.not.found",
        queue_id,
    )


def queue_issues(state: SimState, queue: Queue, user: User) -> list[Issue]:
    from oncall_tui.sim.jql import JqlContext, JqlError, parse

    try:
        ctx = JqlContext(state=state, now=state.now(), current_user=user.account_id, time_zone=user.time_zone)
        return parse(queue.jql).compile(ctx).run(state.issues.values())
    except JqlError as exc:
        # The queues are ours; JQL they cannot run is a simulator bug, reported as JSM's 500.
        raise JsmError(500, f"Queue '{queue.name}' has invalid JQL: {exc.message}", "sd.queue.jql.invalid") from None


def queue_json(queue: Queue, project: Project, base: str, count: int | None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": queue.id, "name": queue.name, "jql": queue.jql, "fields": list(queue.fields)}
    if count is not None:
        data["issueCount"] = count
    data["_links"] = {"self": f"{base}{API}/servicedesk/{project.service_desk_id}/queue/{queue.id}"}
    return data


# ---- handlers -------------------------------------------------------------------------------------------------


@_jsm
async def list_service_desks(request: Request) -> Response:
    state, base = sim_state(request), base_url(request)
    return json_response(_paged(request, _desks(state), lambda p: service_desk_json(p, base)))


@_jsm
async def get_service_desk(request: Request) -> Response:
    state = sim_state(request)
    project = _desk(state, request.path_params["serviceDeskId"])
    return json_response(service_desk_json(project, base_url(request)))


@_jsm
async def list_queues(request: Request) -> Response:
    state, user, base = sim_state(request), current_user(request), base_url(request)
    project = _desk(state, request.path_params["serviceDeskId"])
    _require_agent(state, user)
    include_count = _flag(request, "includeCount", False)

    def render(queue: Queue) -> dict[str, Any]:
        count = len(queue_issues(state, queue, user)) if include_count else None
        return queue_json(queue, project, base, count)

    return json_response(_paged(request, queues_for(state, project), render, keep=["includeCount"]))


@_jsm
async def get_queue(request: Request) -> Response:
    state, user = sim_state(request), current_user(request)
    project = _desk(state, request.path_params["serviceDeskId"])
    _require_agent(state, user)
    queue = _queue(state, project, request.path_params["queueId"])
    count = len(queue_issues(state, queue, user)) if _flag(request, "includeCount", False) else None
    return json_response(queue_json(queue, project, base_url(request), count))


@_jsm
async def get_queue_issues(request: Request) -> Response:
    state, user, base = sim_state(request), current_user(request), base_url(request)
    project = _desk(state, request.path_params["serviceDeskId"])
    _require_agent(state, user)
    queue = _queue(state, project, request.path_params["queueId"])
    now, tz, fields = state.now(), _tz(request), list(queue.fields)

    def render(issue: Issue) -> dict[str, Any]:
        # JSM serves queue issues in the REST v2 representation on both flavours.
        return issue_json(state, issue, base, 2, fields=fields, tz=tz, now=now)

    return json_response(_paged(request, queue_issues(state, queue, user), render))


@_jsm
async def get_request(request: Request) -> Response:
    state, user = sim_state(request), current_user(request)
    issue = _request_of(state, user, request.path_params["issueIdOrKey"])
    expand = {part.strip() for raw in request.query_params.getlist("expand") for part in raw.split(",") if part.strip()}
    return json_response(customer_request_json(request, state, issue, user, expand))


@_jsm
async def list_slas(request: Request) -> Response:
    state, user = sim_state(request), current_user(request)
    issue = _request_of(state, user, request.path_params["issueIdOrKey"])
    _require_agent(state, user)
    render = _sla_dto(issue, base_url(request), _tz(request))
    return json_response(_paged(request, state.slas(issue), render))


@_jsm
async def get_sla(request: Request) -> Response:
    state, user = sim_state(request), current_user(request)
    issue = _request_of(state, user, request.path_params["issueIdOrKey"])
    _require_agent(state, user)
    metric_id = request.path_params["slaMetricId"]
    for record in state.slas(issue):
        if record.definition.id == metric_id:
            return json_response(_sla_dto(issue, base_url(request), _tz(request))(record))
    raise JsmError(
        404,
        f"The SLA metric '{metric_id}' does not exist on request '{issue.key}'.",
        "sd.sla.metric.not.found",
        metric_id,
    )


@_jsm
async def list_comments(request: Request) -> Response:
    state, user = sim_state(request), current_user(request)
    issue = _request_of(state, user, request.path_params["issueIdOrKey"], hidden_status=404)
    public = _flag(request, "public", True)
    internal = _flag(request, "internal", True)
    visible = _visible_comments(state, user, issue, public=public, internal=internal)
    base, tz = base_url(request), _tz(request)
    body = _paged(request, visible, lambda c: comment_dto(state, issue, c, base, tz), keep=["public", "internal"])
    return json_response(body)


@_jsm
async def add_comment(request: Request) -> Response:
    state, user = sim_state(request), current_user(request)
    issue = _request_of(state, user, request.path_params["issueIdOrKey"])
    if not state.has_permission("ADD_COMMENTS"):
        raise JsmError(403, "You do not have permission to add comments to this request.", "sd.comment.permission")
    payload = await read_json_object(request)
    text = payload.get("body")
    if not isinstance(text, str) or not text.strip():
        raise JsmError(400, "The comment body is required and must be text.", "sd.comment.body.required")
    public = payload.get("public")
    if not isinstance(public, bool):
        raise JsmError(400, "The field 'public' is required and must be true or false.", "sd.comment.public.required")
    if not public and not _is_agent(state, user):
        raise JsmError(403, "Customers can only add public comments.", "sd.comment.internal.customer.violation")
    comment = state.add_comment(
        issue,
        user.account_id,
        adf.from_text(text),
        public=public,
        properties={INTERNAL_PROPERTY: {"internal": not public}},
    )
    return json_response(comment_dto(state, issue, comment, base_url(request), _tz(request)), status=201)


def routes() -> list[BaseRoute]:
    request = f"{API}/request/{{issueIdOrKey}}"
    desk = f"{API}/servicedesk/{{serviceDeskId}}"
    return [
        Route(f"{API}/servicedesk", list_service_desks, methods=["GET"]),
        Route(desk, get_service_desk, methods=["GET"]),
        Route(f"{desk}/queue", list_queues, methods=["GET"]),
        Route(f"{desk}/queue/{{queueId}}", get_queue, methods=["GET"]),
        Route(f"{desk}/queue/{{queueId}}/issue", get_queue_issues, methods=["GET"]),
        Route(request, get_request, methods=["GET"]),
        Route(f"{request}/sla", list_slas, methods=["GET"]),
        Route(f"{request}/sla/{{slaMetricId}}", get_sla, methods=["GET"]),
        Route(f"{request}/comment", list_comments, methods=["GET"]),
        Route(f"{request}/comment", add_comment, methods=["POST"]),
    ]
