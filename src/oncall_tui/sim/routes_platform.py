"""Jira platform REST API: identity, metadata, search, issues and the actions on them.

Cloud serves v3 (ADF bodies) and v2 (text bodies) side by side; Data Center serves v2 only, with
`startAt`/`total` search paging and usernames instead of account ids.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import unicodedata
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim import adf
from oncall_tui.sim.http import (
    API,
    api_version,
    base_url,
    current_user,
    endpoint,
    int_param,
    json_response,
    no_content,
    parse_json_body,
    read_json_object,
    sim_state,
    with_latest,
)
from oncall_tui.sim.model import Issue, User
from oncall_tui.sim.render import (
    EDITABLE_FIELDS,
    PARENT_FIELD,
    SYSTEM_FIELDS,
    comment_json,
    issue_json,
    jira_datetime,
    myself_json,
    priority_json,
    select_fields,
    transition_fields_json,
    transition_json,
    user_json,
)
from oncall_tui.sim.state import SimError, SimState

CLOUD_VERSION = ("1001.0.0-SNAPSHOT", [1001, 0, 0], 100287)
DC_VERSION = ("9.12.15", [9, 12, 15], 9120015)

# Enhanced search: up to 5000 per page when only ids/keys are asked for, 100 otherwise.
SEARCH_MAX_IDS = 5000
SEARCH_MAX_FIELDS = 100
DC_SEARCH_MAX = 1000
SEARCH_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration "
    "guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."


def _user_tz(request: Request) -> str:
    user = current_user(request)
    return user.time_zone if user else "UTC"


# ---- identity and metadata ----------------------------------------------------------------------------


@endpoint(auth=False)
async def server_info(request: Request) -> Response:
    state = sim_state(request)
    version, numbers, build = CLOUD_VERSION if state.flavour == "cloud" else DC_VERSION
    now = state.now()
    tz = _user_tz(request) if request.state.user else "UTC"
    data: dict[str, Any] = {
        "baseUrl": base_url(request),
        "version": version,
        "versionNumbers": numbers,
        "deploymentType": "Cloud" if state.flavour == "cloud" else "Server",
        "buildNumber": build,
        "buildDate": "2026-11-02T00:00:00.000+0000",
        "serverTime": jira_datetime(now, tz),
        "scmInfo": "1f5b6c0e2d3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c",
        "serverTitle": state.server_title,
    }
    if state.flavour == "cloud":
        data["defaultLocale"] = {"locale": "en_US"}
        data["serverTimeZone"] = "Etc/UTC"
    return json_response(data)


@endpoint()
async def myself(request: Request) -> Response:
    state = sim_state(request)
    return json_response(myself_json(state, current_user(request), base_url(request), api_version(request)))


@endpoint()
async def fields(request: Request) -> Response:
    state = sim_state(request)
    out: list[dict[str, Any]] = []
    for fid, name, ftype, items, navigable in SYSTEM_FIELDS:
        schema: dict[str, Any] = {"type": ftype, "system": fid}
        if items:
            schema["items"] = items
        out.append(
            {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": False,
                "orderable": fid not in ("created", "updated", "creator", "resolutiondate"),
                "navigable": navigable,
                "searchable": True,
                "clauseNames": [fid] if fid != "issuetype" else ["issuetype", "type"],
                "schema": schema,
            }
        )
    for definition in state.sla_definitions:
        custom_id = int(definition.field_id.rsplit("_", 1)[-1])
        out.append(
            {
                "id": definition.field_id,
                "key": definition.field_id,
                "name": definition.name,
                "untranslatedName": definition.name,
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{custom_id}]", definition.name],
                "schema": {
                    "type": "sd-servicelevelagreement",
                    "custom": "com.atlassian.servicedesk:sd-sla-field",
                    "customId": custom_id,
                },
            }
        )
    out.append(dict(PARENT_FIELD))
    out.append(
        {
            "id": "customfield_10010",
            "key": "customfield_10010",
            "name": "Request Type",
            "untranslatedName": "Request Type",
            "custom": True,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": ["cf[10010]", "Request Type"],
            "schema": {
                "type": "sd-customerrequesttype",
                "custom": "com.atlassian.servicedesk:vp-origin",
                "customId": 10010,
            },
        }
    )
    return json_response(out)


@endpoint()
async def priorities(request: Request) -> Response:
    state = sim_state(request)
    base = base_url(request)
    ordered = sorted(state.priorities.values(), key=lambda p: p.rank)
    return json_response([priority_json(p, base) for p in ordered])


@endpoint()
async def my_permissions(request: Request) -> Response:
    state = sim_state(request)
    requested = request.query_params.get("permissions")
    if state.flavour == "cloud" and not requested:
        raise SimError(400, ["The 'permissions' query parameter is required."])
    from oncall_tui.sim.state import ALL_PERMISSIONS

    keys = [k.strip() for k in (requested or ",".join(ALL_PERMISSIONS)).split(",") if k.strip()]
    unknown = [k for k in keys if k not in ALL_PERMISSIONS]
    if unknown:
        raise SimError(400, [f"Unrecognized permission keys: {', '.join(unknown)}."])
    perms = {
        key: {
            "id": str(10 + i),
            "key": key,
            "name": key.replace("_", " ").title(),
            "type": "PROJECT",
            "description": f"Ability to {key.lower().replace('_', ' ')}.",
            "havePermission": state.has_permission(key),
        }
        for i, key in enumerate(keys)
    }
    return json_response({"permissions": perms})


# ---- search ---------------------------------------------------------------------------------------------


def _run_jql(request: Request, jql: str, *, bounded: bool) -> list[Issue]:
    from oncall_tui.sim.jql import JqlContext, JqlError, parse

    state = sim_state(request)
    user = current_user(request)
    try:
        query = parse(jql)
        if bounded and not query.is_bounded():
            raise SimError(400, [UNBOUNDED])
        ctx = JqlContext(state=state, now=state.now(), current_user=user.account_id, time_zone=user.time_zone)
        query.validate(ctx)
        return query.filter(state.issues.values(), ctx)
    except JqlError as exc:
        raise SimError(400, [exc.message]) from None


def _page_token(offset: int, jql: str) -> str:
    digest = hashlib.sha1(jql.encode(), usedforsecurity=False).hexdigest()[:8]
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": digest}).encode()).decode().rstrip("=")


def _read_page_token(token: str, jql: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = int(data["o"])
        same_query = data["q"] == hashlib.sha1(jql.encode(), usedforsecurity=False).hexdigest()[:8]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise SimError(400, ["The provided next page token is invalid or expired."]) from None
    if not same_query or offset < 0:
        raise SimError(400, ["The provided next page token is invalid or expired."])
    return offset


def _split_csv(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def _search_query_params(request: Request) -> dict[str, Any]:
    # Jira takes `fields` comma-separated and/or repeated ("Multiple `fields` parameters can be included").
    params: dict[str, Any] = dict(request.query_params)
    repeated = request.query_params.getlist("fields")
    if len(repeated) > 1:
        params["fields"] = ",".join(repeated)
    return params


def _as_list(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _split_csv(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise SimError(400, [f"The '{name}' parameter must be a list of strings."])


def _max_results(raw: Any, fields: list[str], cap_fields: int, cap_ids: int) -> int:
    if raw is None or raw == "":
        return 50
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SimError(400, [f"The 'maxResults' parameter must be a number, got '{raw}'."]) from None
    ids_only = all(f in ("id", "key") for f in fields)
    return max(0, min(value, cap_ids if ids_only else cap_fields))


# Jira returns at most this many entity properties per issue in a search ("properties": up to 5 keys).
SEARCH_MAX_PROPERTIES = 5


def _search_properties(params: dict[str, Any]) -> list[str]:
    wanted = _as_list(params.get("properties"), "properties") or []
    if len(wanted) > SEARCH_MAX_PROPERTIES:
        raise SimError(400, [f"At most {SEARCH_MAX_PROPERTIES} properties can be requested."])
    return wanted


def _render_issues(
    request: Request,
    issues: list[Issue],
    fields: list[str],
    expand: list[str],
    version: int,
    properties: list[str] | None = None,
) -> list[dict[str, Any]]:
    state = sim_state(request)
    base = base_url(request)
    tz = _user_tz(request)
    now = state.now()
    out = []
    for issue in issues:
        data = issue_json(state, issue, base, version, fields=fields, tz=tz, now=now, expand=expand, comment_cap=20)
        if properties:
            data["properties"] = {k: issue.properties[k] for k in properties if k in issue.properties}
        out.append(data)
    return out


async def _enhanced_search(request: Request, params: dict[str, Any]) -> Response:
    if sim_state(request).flavour == "datacenter":
        # Enhanced search is Cloud's; Data Center 9.x has only /rest/api/2/search.
        raise SimError(404, ["Not found"])
    jql = params.get("jql") or ""
    if not isinstance(jql, str):
        raise SimError(400, ["The 'jql' parameter must be a string."])
    requested_fields = _as_list(params.get("fields"), "fields")
    chosen = select_fields(requested_fields, default=["id"])
    expand_raw = params.get("expand")
    if expand_raw is not None and not isinstance(expand_raw, str):
        raise SimError(400, ["The 'expand' parameter must be a comma-separated string."])
    expand = _split_csv(expand_raw) or []
    properties = _search_properties(params)
    max_results = _max_results(params.get("maxResults"), chosen, SEARCH_MAX_FIELDS, SEARCH_MAX_IDS)
    if not jql.strip():
        raise SimError(400, [UNBOUNDED])
    matches = _run_jql(request, jql, bounded=True)
    token = params.get("nextPageToken")
    offset = _read_page_token(token, jql) if token else 0
    page = matches[offset : offset + max_results]
    end = offset + len(page)
    version = api_version(request)
    body: dict[str, Any] = {"issues": _render_issues(request, page, chosen, expand, version, properties)}
    if end < len(matches):
        body["nextPageToken"] = _page_token(end, jql)
        body["isLast"] = False
    else:
        body["isLast"] = True
    if "names" in expand:
        names: dict[str, str] = {}
        for item in body["issues"]:
            names.update(item.pop("names", {}))
        body["names"] = names
    return json_response(body)


@endpoint()
async def search_jql_get(request: Request) -> Response:
    return await _enhanced_search(request, _search_query_params(request))


@endpoint()
async def search_jql_post(request: Request) -> Response:
    return await _enhanced_search(request, await read_json_object(request))


@endpoint()
async def approximate_count(request: Request) -> Response:
    body = await read_json_object(request)
    jql = body.get("jql")
    if not isinstance(jql, str) or not jql.strip():
        raise SimError(400, [UNBOUNDED])
    return json_response({"count": len(_run_jql(request, jql, bounded=True))})


def _start_at(raw: Any) -> int:
    """`startAt` from the query string or a JSON body; a negative offset counts as 0, as in Jira."""
    if raw is None or raw == "":
        return 0
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SimError(400, [f"The 'startAt' parameter must be a number, got '{raw}'."]) from None
    return max(0, value)


async def _legacy_search(request: Request, params: dict[str, Any]) -> Response:
    state = sim_state(request)
    if state.flavour == "cloud":
        return json_response({"errorMessages": [SEARCH_REMOVED], "errors": {}}, status=410)
    jql = params.get("jql") or ""
    chosen = select_fields(_as_list(params.get("fields"), "fields"), default=["*navigable"])
    expand = _as_list(params.get("expand"), "expand") or []
    properties = _search_properties(params)
    start_at = _start_at(params.get("startAt"))
    max_results = _max_results(params.get("maxResults"), chosen, DC_SEARCH_MAX, DC_SEARCH_MAX)
    # Data Center accepts an empty JQL (all issues the user can see).
    matches = _run_jql(request, jql, bounded=False) if jql.strip() else list(state.issues.values())
    page = matches[start_at : start_at + max_results]
    return json_response(
        {
            "expand": "schema,names",
            "startAt": start_at,
            "maxResults": max_results,
            "total": len(matches),
            "issues": _render_issues(request, page, chosen, expand, 2, properties),
        }
    )


@endpoint()
async def legacy_search_get(request: Request) -> Response:
    return await _legacy_search(request, _search_query_params(request))


@endpoint()
async def legacy_search_post(request: Request) -> Response:
    state = sim_state(request)
    if state.flavour == "cloud":
        return json_response({"errorMessages": [SEARCH_REMOVED], "errors": {}}, status=410)
    return await _legacy_search(request, await read_json_object(request))


# ---- issues -------------------------------------------------------------------------------------------


@endpoint()
async def get_issue(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    chosen = select_fields(_split_csv(request.query_params.get("fields")), default=["*all"])
    expand = _split_csv(request.query_params.get("expand")) or []
    body = issue_json(
        state,
        issue,
        base_url(request),
        api_version(request),
        fields=chosen,
        tz=_user_tz(request),
        now=state.now(),
        expand=expand,
    )
    props = _split_csv(request.query_params.get("properties"))
    if props:
        body["properties"] = {k: issue.properties[k] for k in props if k in issue.properties}
    return json_response(body)


def _priority_from(state: SimState, value: Any) -> str:
    if isinstance(value, dict):
        if "id" in value and str(value["id"]) in state.priorities:
            return str(value["id"])
        if "name" in value and isinstance(value["name"], str):
            found = state.priority_by_name(value["name"])
            if found:
                return found.id
    raise SimError(400, [], {"priority": "Specify the Priority (id or name) in the correct format"})


_UNSET: Any = object()


def _new_value(field_values: dict[str, Any], updates: dict[str, Any], name: str) -> Any:
    """What an edit sets a single-value field to: `fields.<name>`, or `update.<name>: [{"set": value}]`."""
    value = field_values.get(name, _UNSET)
    ops = updates.get(name, [])
    if not isinstance(ops, list):
        raise SimError(400, [], {name: f"Field '{name}': 'update' takes a list of operations."})
    for op in ops:
        if not isinstance(op, dict) or set(op) != {"set"}:
            raise SimError(400, [], {name: f"Field '{name}' supports only the 'set' operation."})
        value = op["set"]
    return value


@endpoint()
async def edit_issue(request: Request) -> Response:
    state = sim_state(request)
    user = current_user(request)
    issue = state.issue(request.path_params["key"])
    state.require("EDIT_ISSUES", "You do not have permission to edit issues in this project.")
    body = await read_json_object(request)
    field_values = body.get("fields") or {}
    updates = body.get("update") or {}
    if not isinstance(field_values, dict) or not isinstance(updates, dict):
        raise SimError(400, ["'fields' and 'update' must be objects."])
    settable = {fid for fid, *_ in EDITABLE_FIELDS}
    bad = {
        k: f"Field '{k}' cannot be set. It is not on the appropriate screen, or unknown."
        for k in [*field_values, *updates]
        if k not in settable
    }
    if bad:
        raise SimError(400, [], bad)
    now = state.now()
    # Check every change before making any: Jira refuses an edit as a whole.
    priority = _new_value(field_values, updates, "priority")
    priority_id = _priority_from(state, priority) if priority is not _UNSET else None
    summary = _new_value(field_values, updates, "summary")
    if summary is not _UNSET and (not isinstance(summary, str) or not summary.strip() or len(summary) > 255):
        raise SimError(400, [], {"summary": "You must specify a summary of the issue (at most 255 chars)."})
    labels = list(issue.labels)
    if "labels" in field_values:
        if not isinstance(field_values["labels"], list):
            raise SimError(400, [], {"labels": "Labels must be a list of strings."})
        labels = [str(x) for x in field_values["labels"]]
    for op in updates.get("labels", []) if isinstance(updates.get("labels"), list) else []:
        if not isinstance(op, dict):
            continue
        if "add" in op and op["add"] not in labels:
            labels.append(str(op["add"]))
        if "remove" in op and op["remove"] in labels:
            labels.remove(op["remove"])
        if "set" in op and isinstance(op["set"], list):
            labels = [str(x) for x in op["set"]]
    # Labels first: set_labels checks them as it applies them, and the other changes are checked already.
    if labels != issue.labels:
        state.set_labels(issue, labels, user.account_id, at=now)
    if priority_id is not None:
        state.set_priority(issue, priority_id, user.account_id, at=now)
    if isinstance(summary, str):
        state.set_summary(issue, summary, at=now)
    if request.query_params.get("returnIssue") == "true":
        return json_response(
            issue_json(
                state,
                issue,
                base_url(request),
                api_version(request),
                fields=select_fields(None, default=["*all"]),
                tz=_user_tz(request),
                now=now,
            )
        )
    return no_content()


def _resolve_user_ref(state: SimState, body: dict[str, Any]) -> tuple[bool, str | None]:
    """The assignee in a PUT body: (given, account id or None). Cloud uses accountId, DC uses name."""
    key = "accountId" if state.flavour == "cloud" else "name"
    if key not in body:
        raise SimError(400, [], {"assignee": f"Specify the assignee by '{key}'."})
    ref = body[key]
    if ref is None:
        return True, None
    if not isinstance(ref, str):
        raise SimError(400, [], {"assignee": f"'{key}' must be a string or null."})
    if ref == "-1":
        return True, "-1"
    if state.flavour == "cloud":
        return True, ref
    user = state.user_by_username(ref)
    if user is None:
        raise SimError(400, [], {"assignee": f"User '{ref}' does not exist."})
    return True, user.account_id


@endpoint()
async def assign(request: Request) -> Response:
    state = sim_state(request)
    user = current_user(request)
    issue = state.issue(request.path_params["key"])
    state.require("ASSIGN_ISSUES", "You do not have permission to assign issues in this project.")
    _, target = _resolve_user_ref(state, await read_json_object(request))
    if target == "-1":
        component_leads = [c.lead for c in state.project_of(issue).components if c.id in issue.component_ids and c.lead]
        target = component_leads[0] if component_leads else None
    if target is not None and target not in state.users:
        raise SimError(404, [f"User '{target}' does not exist."])
    state.assign(issue, target, user.account_id)
    return no_content()


# ---- comments -------------------------------------------------------------------------------------------


def _is_internal(properties: Any) -> bool:
    if not isinstance(properties, list):
        return False
    for prop in properties:
        if isinstance(prop, dict) and prop.get("key") == "sd.public.comment":
            value = prop.get("value")
            if isinstance(value, dict) and value.get("internal") in (True, "true"):
                return True
    return False


@endpoint()
async def list_comments(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    start_at = int_param(request, "startAt", 0)
    max_results = int_param(request, "maxResults", 100, maximum=5000)
    ordered = list(issue.comments)
    if request.query_params.get("orderBy", "").lstrip("+") == "-created":
        ordered.reverse()
    page = ordered[start_at : start_at + max_results]
    base, version, tz = base_url(request), api_version(request), _user_tz(request)
    expand = _split_csv(request.query_params.get("expand")) or []
    comments = []
    for comment in page:
        data = comment_json(state, issue, comment, base, version, tz)
        if "properties" in expand:
            data["properties"] = [{"key": k, "value": v} for k, v in comment.properties.items()]
        comments.append(data)
    return json_response(
        {"startAt": start_at, "maxResults": max_results, "total": len(issue.comments), "comments": comments}
    )


@endpoint()
async def add_comment(request: Request) -> Response:
    state = sim_state(request)
    user = current_user(request)
    issue = state.issue(request.path_params["key"])
    state.require("ADD_COMMENTS", "You do not have permission to add comments to this issue.")
    body = await read_json_object(request)
    version = api_version(request)
    raw = body.get("body")
    if version == 3:
        if not adf.is_adf_doc(raw) or not raw["content"]:
            raise SimError(400, [], {"comment": "Comment body is not valid! (expected an ADF document)"})
        doc = raw
    else:
        if not isinstance(raw, str) or not raw.strip():
            raise SimError(400, [], {"comment": "Comment body can not be empty!"})
        doc = adf.from_text(raw)
    internal = _is_internal(body.get("properties"))
    properties = {
        p["key"]: p.get("value")
        for p in body.get("properties") or []
        if isinstance(p, dict) and isinstance(p.get("key"), str)
    }
    comment = state.add_comment(issue, user.account_id, doc, public=not internal, properties=properties)
    data = comment_json(state, issue, comment, base_url(request), version, _user_tz(request))
    if properties:
        data["properties"] = [{"key": k, "value": v} for k, v in properties.items()]
    return json_response(data, status=201)


# ---- transitions ----------------------------------------------------------------------------------------


@endpoint()
async def get_transitions(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    base = base_url(request)
    with_fields = "transitions.fields" in (_split_csv(request.query_params.get("expand")) or [])
    out = []
    for transition in state.available_transitions(issue):
        data = transition_json(state, transition, base)
        if with_fields:
            data["fields"] = transition_fields_json(state, transition, base)
        out.append(data)
    return json_response({"expand": "transitions", "transitions": out})


@endpoint()
async def do_transition(request: Request) -> Response:
    state = sim_state(request)
    user = current_user(request)
    issue = state.issue(request.path_params["key"])
    state.require("TRANSITION_ISSUES", "You do not have permission to transition this issue.")
    body = await read_json_object(request)
    transition = body.get("transition")
    if not isinstance(transition, dict) or "id" not in transition:
        raise SimError(400, ["Missing 'transition' identifier"])
    resolution_id = None
    field_values = body.get("fields") or {}
    if isinstance(field_values, dict) and "resolution" in field_values:
        res = field_values["resolution"]
        if isinstance(res, dict) and "id" in res:
            resolution_id = str(res["id"])
        elif isinstance(res, dict) and isinstance(res.get("name"), str):
            match = [r.id for r in state.resolutions.values() if r.name.lower() == res["name"].lower()]
            if not match:
                raise SimError(400, [], {"resolution": f"Resolution '{res['name']}' is not valid."})
            resolution_id = match[0]
        else:
            raise SimError(400, [], {"resolution": "Specify the resolution by id or name."})
    version = api_version(request)
    comment_doc = None
    update = body.get("update") or {}
    if isinstance(update, dict):
        for op in update.get("comment") or []:
            if isinstance(op, dict) and isinstance(op.get("add"), dict):
                raw = op["add"].get("body")
                if version == 3 and adf.is_adf_doc(raw):
                    comment_doc = raw
                elif version == 2 and isinstance(raw, str) and raw.strip():
                    comment_doc = adf.from_text(raw)
                else:
                    raise SimError(400, [], {"comment": "Comment body is not valid!"})
    now = state.now()
    state.transition(issue, str(transition["id"]), user.account_id, resolution_id=resolution_id, at=now)
    if comment_doc is not None:
        state.add_comment(issue, user.account_id, comment_doc, public=True, at=now)
    return no_content()


# ---- users ----------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _user_matches(user: User, query: str) -> bool:
    if not query:
        return True
    needle = _fold(query)
    words = [_fold(w) for w in [*user.display_name.split(), user.email, user.username]]
    return any(w.startswith(needle) for w in words) or _fold(user.display_name).startswith(needle)


@endpoint()
async def assignable_users(request: Request) -> Response:
    state = sim_state(request)
    params = request.query_params
    issue_ref = params.get("issueKey") or params.get("issueId")
    project_ref = params.get("project")
    if not issue_ref and not project_ref:
        raise SimError(400, ["The 'project', 'issueKey' or 'issueId' parameter must be provided."])
    if issue_ref:
        state.issue(issue_ref)
    elif project_ref and project_ref.upper() not in state.projects:
        raise SimError(404, [f"No project could be found with key '{project_ref}'."])
    query = params.get("query") or params.get("username") or ""
    start_at = int_param(request, "startAt", 0)
    max_results = int_param(request, "maxResults", 50, maximum=1000)
    base = base_url(request)
    matches = [
        u
        for u in sorted(state.users.values(), key=lambda u: _fold(u.display_name))
        if u.agent and u.active and _user_matches(u, query)
    ]
    return json_response([user_json(state, u, base) for u in matches[start_at : start_at + max_results]])


@endpoint()
async def get_user(request: Request) -> Response:
    state = sim_state(request)
    params = request.query_params
    user: User | None
    if state.flavour == "cloud":
        account_id = params.get("accountId")
        if not account_id:
            raise SimError(400, ["The 'accountId' query parameter is required."])
        user = state.users.get(account_id)
    else:
        name = params.get("username") or params.get("key")
        if not name:
            raise SimError(400, ["The 'username' or 'key' query parameter is required."])
        user = state.user_by_username(name)
    if user is None:
        raise SimError(404, ["The user does not exist."])
    return json_response(user_json(state, user, base_url(request)))


@endpoint()
async def find_users(request: Request) -> Response:
    """User search: Cloud takes `query` (name/e-mail prefix) or an exact `accountId`; DC takes `username`."""
    state = sim_state(request)
    params = request.query_params
    users = sorted(state.users.values(), key=lambda u: _fold(u.display_name))
    if state.flavour == "cloud":
        query, account_id = params.get("query"), params.get("accountId")
        if not query and not account_id:
            raise SimError(400, ["One of 'accountId', 'query' or 'property' must be provided."])
        if query and account_id:
            raise SimError(400, ["Only one of 'accountId', 'query' or 'property' can be provided."])
        if account_id:
            matches = [u for u in users if u.active and u.account_id == account_id]
        else:
            matches = [u for u in users if u.active and _user_matches(u, query or "")]
    else:
        name = params.get("username")
        if not name:
            raise SimError(400, ["The 'username' query parameter is required."])
        active = params.get("includeActive", "true").lower() == "true"
        inactive = params.get("includeInactive", "false").lower() == "true"
        matches = [u for u in users if (active if u.active else inactive) and _user_matches(u, name)]
    start_at = int_param(request, "startAt", 0)
    max_results = int_param(request, "maxResults", 50, maximum=1000)
    base = base_url(request)
    return json_response([user_json(state, u, base) for u in matches[start_at : start_at + max_results]])


# ---- issue entity properties -----------------------------------------------------------------------------


@endpoint()
async def list_properties(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    base = f"{base_url(request)}/rest/api/{api_version(request)}/issue/{issue.id}/properties"
    return json_response({"keys": [{"self": f"{base}/{k}", "key": k} for k in issue.properties]})


@endpoint()
async def get_property(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    name = request.path_params["prop"]
    if name not in issue.properties:
        raise SimError(404, [f"The property with key '{name}' was not found."])
    return json_response({"key": name, "value": issue.properties[name]})


@endpoint()
async def put_property(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    state.require("EDIT_ISSUES", "You do not have permission to edit issues in this project.")
    name = request.path_params["prop"]
    if len(name) > 255:
        raise SimError(400, ["The property key cannot be longer than 255 characters."])
    raw = await request.body()
    if len(raw) > 32768:
        raise SimError(400, ["The property value cannot be larger than 32768 bytes."])
    value = parse_json_body(raw)
    existed = name in issue.properties
    state.set_property(issue, name, value)
    return Response(status_code=200 if existed else 201)


@endpoint()
async def delete_property(request: Request) -> Response:
    state = sim_state(request)
    issue = state.issue(request.path_params["key"])
    state.require("EDIT_ISSUES", "You do not have permission to edit issues in this project.")
    name = request.path_params["prop"]
    if name not in issue.properties:
        raise SimError(404, [f"The property with key '{name}' was not found."])
    del issue.properties[name]
    return no_content()


def routes() -> list[BaseRoute]:
    api = API
    versioned = [
        Route(f"{api}/serverInfo", server_info),
        Route(f"{api}/myself", myself),
        Route(f"{api}/field", fields),
        Route(f"{api}/priority", priorities),
        Route(f"{api}/mypermissions", my_permissions),
        Route(f"{api}/search/jql", search_jql_get, methods=["GET"]),
        Route(f"{api}/search/jql", search_jql_post, methods=["POST"]),
        Route(f"{api}/search/approximate-count", approximate_count, methods=["POST"]),
        Route(f"{api}/search", legacy_search_get, methods=["GET"]),
        Route(f"{api}/search", legacy_search_post, methods=["POST"]),
        Route(f"{api}/issue/{{key}}", get_issue, methods=["GET"]),
        Route(f"{api}/issue/{{key}}", edit_issue, methods=["PUT"]),
        Route(f"{api}/issue/{{key}}/assignee", assign, methods=["PUT"]),
        Route(f"{api}/issue/{{key}}/comment", list_comments, methods=["GET"]),
        Route(f"{api}/issue/{{key}}/comment", add_comment, methods=["POST"]),
        Route(f"{api}/issue/{{key}}/transitions", get_transitions, methods=["GET"]),
        Route(f"{api}/issue/{{key}}/transitions", do_transition, methods=["POST"]),
        Route(f"{api}/issue/{{key}}/properties", list_properties, methods=["GET"]),
        Route(f"{api}/issue/{{key}}/properties/{{prop}}", get_property, methods=["GET"]),
        Route(f"{api}/issue/{{key}}/properties/{{prop}}", put_property, methods=["PUT"]),
        Route(f"{api}/issue/{{key}}/properties/{{prop}}", delete_property, methods=["DELETE"]),
        Route(f"{api}/user/assignable/search", assignable_users),
        Route(f"{api}/user/search", find_users),
        Route(f"{api}/user", get_user),
    ]
    return with_latest(versioned)
