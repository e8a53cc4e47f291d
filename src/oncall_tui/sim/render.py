"""Jira's JSON shapes for the simulator's objects (users, statuses, issues ...), per flavour and version."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from oncall_tui.sim import adf
from oncall_tui.sim.model import STATUS_CATEGORIES, Comment, Issue, Priority, Project, RemoteLink, Status, User
from oncall_tui.sim.state import SimState

# Jira's system fields as GET /field lists them: (id, name, schema type, array item type, navigable).
# `comment` is not navigable: a search returns it only when asked for by name or with `*all`.
SYSTEM_FIELDS: tuple[tuple[str, str, str, str | None, bool], ...] = (
    ("summary", "Summary", "string", None, True),
    ("status", "Status", "status", None, True),
    ("priority", "Priority", "priority", None, True),
    ("assignee", "Assignee", "user", None, True),
    ("reporter", "Reporter", "user", None, True),
    ("creator", "Creator", "user", None, True),
    ("issuetype", "Issue Type", "issuetype", None, True),
    ("project", "Project", "project", None, True),
    ("components", "Components", "array", "component", True),
    ("labels", "Labels", "array", "string", True),
    ("created", "Created", "datetime", None, True),
    ("updated", "Updated", "datetime", None, True),
    ("resolution", "Resolution", "resolution", None, True),
    ("resolutiondate", "Resolved", "datetime", None, True),
    ("description", "Description", "string", None, True),
    ("comment", "Comment", "comments-page", None, False),
)
# `parent` as GET /field lists it on Cloud: navigable, not searchable through the field itself (the JQL
# clause works all the same) and with no `schema` at all.
PARENT_FIELD: dict[str, Any] = {
    "id": "parent",
    "key": "parent",
    "name": "Parent",
    "custom": False,
    "orderable": False,
    "navigable": True,
    "searchable": False,
    "clauseNames": ["parent"],
}
# What `*navigable` (search) and `*all` (GET issue) select among them. `parent` is sent only by issues that
# have one, as Jira does.
NAVIGABLE_FIELDS = (*(fid for fid, *_, navigable in SYSTEM_FIELDS if navigable), "parent")
ALL_FIELDS = (*(fid for fid, *_ in SYSTEM_FIELDS), "parent")
_SYSTEM_FIELD_NAMES = {fid: name for fid, name, *_ in SYSTEM_FIELDS} | {"parent": "Parent"}


def jira_datetime(dt: datetime, tz: str) -> str:
    """Jira's wire format: 2025-10-15T09:55:04.062+0330 (milliseconds, offset without a colon)."""
    local = dt.astimezone(ZoneInfo(tz))
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + local.strftime("%z")


def _avatar_urls(seed: str) -> dict[str, str]:
    digest = hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()
    base = f"https://avatar-management.example/avatar/{digest}"
    return {size: f"{base}?s={size[:2]}" for size in ("48x48", "24x24", "16x16", "32x32")}


def user_json(state: SimState, user: User, base: str, *, with_email: bool = True) -> dict[str, Any]:
    if state.flavour == "datacenter":
        data: dict[str, Any] = {
            "self": f"{base}/rest/api/2/user?username={user.username}",
            "name": user.username,
            "key": user.username,
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": user.time_zone,
            "avatarUrls": _avatar_urls(user.username),
        }
    else:
        data = {
            "self": f"{base}/rest/api/3/user?accountId={user.account_id}",
            "accountId": user.account_id,
            "accountType": user.account_type,
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": user.time_zone,
            "avatarUrls": _avatar_urls(user.account_id),
        }
    if with_email:
        data["emailAddress"] = user.email
    return data


def myself_json(state: SimState, user: User, base: str, version: int) -> dict[str, Any]:
    data = user_json(state, user, base)
    data["self"] = data["self"].replace("/rest/api/3/", f"/rest/api/{version}/")
    data["locale"] = user.locale
    data["groups"] = {"size": 2, "items": []}
    data["applicationRoles"] = {"size": 1, "items": []}
    data["expand"] = "groups,applicationRoles"
    return data


def status_category_json(key: str, base: str) -> dict[str, Any]:
    cat_id, name, colour = STATUS_CATEGORIES[key]
    return {
        "self": f"{base}/rest/api/2/statuscategory/{cat_id}",
        "id": cat_id,
        "key": key,
        "colorName": colour,
        "name": name,
    }


def status_json(status: Status, base: str) -> dict[str, Any]:
    return {
        "self": f"{base}/rest/api/2/status/{status.id}",
        "description": status.description,
        "iconUrl": f"{base}/images/icons/statuses/generic.png",
        "name": status.name,
        "id": status.id,
        "statusCategory": status_category_json(status.category, base),
    }


def priority_json(priority: Priority, base: str) -> dict[str, Any]:
    return {
        "self": f"{base}/rest/api/2/priority/{priority.id}",
        "iconUrl": f"{base}/images/icons/priorities/{priority.name.lower()}.svg",
        "name": priority.name,
        "id": priority.id,
        "statusColor": priority.color,
        "description": f"{priority.name} priority",
    }


def project_json(project: Project, base: str) -> dict[str, Any]:
    return {
        "self": f"{base}/rest/api/2/project/{project.id}",
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "projectTypeKey": "service_desk",
        "simplified": False,
        "avatarUrls": _avatar_urls(project.key),
    }


def project_issue_types_json(state: SimState, base: str) -> list[dict[str, Any]]:
    # One issue type scheme for the whole site: every project offers every type.
    return [
        {"self": f"{base}/rest/api/2/issuetype/{t.id}", "id": t.id, "name": t.name, "subtask": False}
        for t in state.issue_types.values()
    ]


def project_description(project: Project) -> str:
    return f"{project.name} service desk"


PROJECT_EXPANDS = {
    "cloud": "description,lead,issueTypes,url,projectKeys,permissions,insight",
    "datacenter": "description,lead,url,projectKeys",
}


def project_listing_json(
    state: SimState, project: Project, base: str, version: int, expand: Iterable[str] = ()
) -> dict[str, Any]:
    """A project as GET /project and /project/search list it: the short form plus what `expand` asks for.

    `projectKeys` and `url` are accepted but add nothing: the spec's Project has no `projectKeys`, and the
    simulated projects have no URL.
    """
    wanted = set(expand)
    data: dict[str, Any] = {
        "expand": PROJECT_EXPANDS[state.flavour],
        "self": f"{base}/rest/api/{version}/project/{project.id}",
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "avatarUrls": _avatar_urls(project.key),
        "projectTypeKey": "service_desk",
    }
    if state.flavour == "cloud":
        data.update({"simplified": False, "style": "classic", "isPrivate": False, "properties": {}})
    else:
        data["archived"] = False
    if "description" in wanted:
        data["description"] = project_description(project)
    if "lead" in wanted and project.lead in state.users:
        data["lead"] = user_json(state, state.users[project.lead], base)
    if "issueTypes" in wanted:
        data["issueTypes"] = project_issue_types_json(state, base)
    if "insight" in wanted:
        issues = [i for i in state.issues.values() if i.project_key == project.key]
        insight: dict[str, Any] = {"totalIssueCount": len(issues)}
        if issues:
            insight["lastIssueUpdateTime"] = jira_datetime(max(i.updated for i in issues), "UTC")
        data["insight"] = insight
    return data


def remote_link_json(issue: Issue, link: RemoteLink, base: str, version: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": link.id,
        "self": f"{base}/rest/api/{version}/issue/{issue.key}/remotelink/{link.id}",
    }
    if link.global_id is not None:
        data["globalId"] = link.global_id
    data["application"] = dict(link.application)
    if link.relationship is not None:
        data["relationship"] = link.relationship
    data["object"] = dict(link.obj)
    return data


# What PUT /issue/{key} accepts, and so what GET .../editmeta offers: (id, name, schema, operations).
EDITABLE_FIELDS: tuple[tuple[str, str, dict[str, str], tuple[str, ...]], ...] = (
    ("summary", "Summary", {"type": "string", "system": "summary"}, ("set",)),
    ("priority", "Priority", {"type": "priority", "system": "priority"}, ("set",)),
    ("labels", "Labels", {"type": "array", "items": "string", "system": "labels"}, ("add", "set", "remove")),
)


def editmeta_json(state: SimState, base: str) -> dict[str, Any]:
    """The edit screen of every issue: empty without EDIT_ISSUES, as Jira shows no editable fields then."""
    if not state.has_permission("EDIT_ISSUES"):
        return {"fields": {}}
    fields: dict[str, Any] = {}
    for fid, name, schema, operations in EDITABLE_FIELDS:
        meta: dict[str, Any] = {
            "required": fid == "summary",
            "schema": dict(schema),
            "name": name,
            "key": fid,
            "operations": list(operations),
        }
        if fid == "priority":
            ordered = sorted(state.priorities.values(), key=lambda p: p.rank)
            meta["allowedValues"] = [priority_json(p, base) for p in ordered]
        if fid == "labels":
            meta["autoCompleteUrl"] = f"{base}/rest/api/1.0/labels/suggest?query="
        fields[fid] = meta
    return {"fields": fields}


def body_json(body: dict[str, Any], version: int) -> Any:
    return body if version == 3 else adf.to_text(body)


def comment_json(state: SimState, issue: Issue, comment: Comment, base: str, version: int, tz: str) -> dict[str, Any]:
    author = state.users.get(comment.author)
    author_json = user_json(state, author, base, with_email=False) if author else None
    data: dict[str, Any] = {
        "self": f"{base}/rest/api/{version}/issue/{issue.id}/comment/{comment.id}",
        "id": str(comment.id),
        "author": author_json,
        "body": body_json(comment.body, version),
        "updateAuthor": author_json,
        "created": jira_datetime(comment.created, tz),
        "updated": jira_datetime(comment.updated, tz),
        "jsdPublic": comment.public,
    }
    if author_json is None:
        del data["author"]
        del data["updateAuthor"]
    return data


def select_fields(requested: Iterable[str] | None, *, default: Iterable[str]) -> list[str]:
    """Jira's `fields` parameter: names, `*all`, `*navigable`, and `-name` exclusions."""
    names = [n.strip() for n in (requested if requested is not None else default) if n and n.strip()]
    chosen: list[str] = []
    excluded = {n[1:] for n in names if n.startswith("-")}
    for name in names:
        if name.startswith("-"):
            continue
        if name in ("*all", "*navigable"):
            chosen.extend(ALL_FIELDS if name == "*all" else NAVIGABLE_FIELDS)
            chosen.append("*sla")
        else:
            chosen.append(name)
    if not chosen and excluded:
        chosen.extend(NAVIGABLE_FIELDS)
        chosen.append("*sla")
    return [n for n in dict.fromkeys(chosen) if n not in excluded]


def issue_json(
    state: SimState,
    issue: Issue,
    base: str,
    version: int,
    *,
    fields: list[str],
    tz: str,
    now: datetime,
    expand: Iterable[str] = (),
    comment_cap: int | None = None,
) -> dict[str, Any]:
    from oncall_tui.sim.sla import sla_to_json

    data: dict[str, Any] = {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": str(issue.id),
        "self": f"{base}/rest/api/{version}/issue/{issue.id}",
        "key": issue.key,
    }
    wanted = set(fields)
    out: dict[str, Any] = {}
    project = state.project_of(issue)
    sla_fields = {d.field_id: d for d in state.sla_definitions}
    want_all_sla = "*sla" in wanted
    slas = None
    for name in fields:
        if name == "*sla":
            continue
        value = _field_value(state, issue, name, base, version, tz, project, comment_cap)
        if value is not _MISSING:
            out[name] = value
    wanted_sla = [d for fid, d in sla_fields.items() if want_all_sla or fid in wanted]
    if wanted_sla:
        slas = {r.definition.field_id: r for r in state.slas(issue, now)}
        for definition in wanted_sla:
            record = slas.get(definition.field_id)
            out[definition.field_id] = (
                sla_to_json(
                    record,
                    self_url=f"{base}/rest/servicedeskapi/request/{issue.id}/sla/{definition.id}",
                    display_tz=tz,
                )
                if record is not None
                else None
            )
    data["fields"] = out
    if "names" in expand:
        data["names"] = {name: _field_name(state, name) for name in out}
    if "transitions" in expand:
        data["transitions"] = [transition_json(state, t, base) for t in state.available_transitions(issue)]
    if "editmeta" in expand:
        data["editmeta"] = editmeta_json(state, base)
    return data


_MISSING = object()


def _field_name(state: SimState, field_id: str) -> str:
    for definition in state.sla_definitions:
        if definition.field_id == field_id:
            return definition.name
    return _SYSTEM_FIELD_NAMES.get(field_id, field_id)


def _field_value(
    state: SimState,
    issue: Issue,
    name: str,
    base: str,
    version: int,
    tz: str,
    project: Project,
    comment_cap: int | None,
) -> Any:
    if name == "summary":
        return issue.summary
    if name == "status":
        return status_json(state.statuses[issue.status_id], base)
    if name == "priority":
        return priority_json(state.priorities[issue.priority_id], base)
    if name == "assignee":
        user = state.users.get(issue.assignee) if issue.assignee else None
        return user_json(state, user, base) if user else None
    if name in ("reporter", "creator"):
        user = state.users.get(issue.reporter)
        return user_json(state, user, base) if user else None
    if name == "issuetype":
        return issue_type_json(state, issue, base)
    if name == "parent":
        parent = state.issue_by_id(issue.parent_id) if issue.parent_id is not None else None
        if parent is None:
            return _MISSING
        # Jira's short form of the parent: a few of its fields, not the whole issue.
        return {
            "id": str(parent.id),
            "key": parent.key,
            "self": f"{base}/rest/api/{version}/issue/{parent.id}",
            "fields": {
                "summary": parent.summary,
                "status": status_json(state.statuses[parent.status_id], base),
                "priority": priority_json(state.priorities[parent.priority_id], base),
                "issuetype": issue_type_json(state, parent, base),
            },
        }
    if name == "project":
        return project_json(project, base)
    if name == "components":
        by_id = {c.id: c for c in project.components}
        return [
            {"self": f"{base}/rest/api/2/component/{cid}", "id": cid, "name": by_id[cid].name}
            for cid in issue.component_ids
            if cid in by_id
        ]
    if name == "labels":
        return list(issue.labels)
    if name == "created":
        return jira_datetime(issue.created, tz)
    if name == "updated":
        return jira_datetime(issue.updated, tz)
    if name == "resolutiondate":
        return jira_datetime(issue.resolution_date, tz) if issue.resolution_date else None
    if name == "resolution":
        if issue.resolution_id is None:
            return None
        res = state.resolutions[issue.resolution_id]
        return {
            "self": f"{base}/rest/api/2/resolution/{res.id}",
            "id": res.id,
            "name": res.name,
            "description": res.description,
        }
    if name == "description":
        return body_json(issue.description, version) if issue.description else None
    if name == "comment":
        comments = issue.comments if comment_cap is None else issue.comments[-comment_cap:]
        return {
            "comments": [comment_json(state, issue, c, base, version, tz) for c in comments],
            "self": f"{base}/rest/api/{version}/issue/{issue.id}/comment",
            "maxResults": len(comments),
            "total": len(issue.comments),
            "startAt": 0,
        }
    return _MISSING


def issue_type_json(state: SimState, issue: Issue, base: str) -> dict[str, Any]:
    itype = state.issue_types[issue.issue_type_id]
    return {
        "self": f"{base}/rest/api/2/issuetype/{itype.id}",
        "id": itype.id,
        "name": itype.name,
        "description": itype.description,
        "subtask": False,
        "iconUrl": f"{base}/images/icons/issuetypes/{itype.name.lower().replace(' ', '')}.svg",
    }


def transition_json(state: SimState, transition: Any, base: str) -> dict[str, Any]:
    target = state.statuses[transition.to_status_id]
    data: dict[str, Any] = {
        "id": transition.id,
        "name": transition.name,
        "to": status_json(target, base),
        "hasScreen": transition.has_screen,
        "isGlobal": not transition.from_status_ids,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "isLooped": False,
    }
    return data


def transition_fields_json(state: SimState, transition: Any, base: str) -> dict[str, Any]:
    """The `fields` of a transition screen (expand=transitions.fields): resolution where it is required."""
    if not transition.has_screen:
        return {}
    return {
        "resolution": {
            "required": transition.requires_resolution,
            "schema": {"type": "resolution", "system": "resolution"},
            "name": "Resolution",
            "key": "resolution",
            "hasDefaultValue": False,
            "operations": ["set"],
            "allowedValues": [
                {"self": f"{base}/rest/api/2/resolution/{r.id}", "id": r.id, "name": r.name}
                for r in state.resolutions.values()
            ],
        }
    }
