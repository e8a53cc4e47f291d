"""Tolerant parsers from Jira / JSM JSON to domain objects.

Real responses carry more nulls, unknown fields and odd types than any documentation shows, so every
field is optional and read defensively. Only input with nothing usable left (an issue without a key, a
search page without issues) raises, and then only `BadResponse`. Every string that reaches the domain
is sanitised, so no escape sequence from Jira can reach the terminal, and cut to a length a screen can
use (LINE_LIMIT for one-line text, BODY_LIMIT for descriptions and comments), so a 20 MB summary never
reaches the store: the cut text ends in CUT_MARK and the domain object says which fields were cut.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlsplit

from oncall_tui.domain.escalation import PROPERTY as ESCALATION_PROPERTY
from oncall_tui.domain.escalation import EscalationState, state_from_data
from oncall_tui.domain.incident import (
    Comment,
    FieldChoice,
    Incident,
    StatusCategory,
    TransitionField,
    TransitionOption,
)
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import SlaClock
from oncall_tui.domain.text import sanitize_line
from oncall_tui.jira.adf import adf_to_text
from oncall_tui.jira.errors import BadResponse, msgid

__all__ = [
    "BODY_LIMIT",
    "CUT_MARK",
    "LINE_LIMIT",
    "LIST_LIMIT",
    "SLA_FIELD_SCHEMA",
    "Deployment",
    "ServerInfo",
    "parse_approximate_count",
    "parse_comment",
    "parse_comments",
    "parse_datetime",
    "parse_dc_search_page",
    "parse_fields",
    "parse_issue",
    "parse_myself",
    "parse_paged_values",
    "parse_search_page",
    "parse_server_info",
    "parse_sla_page",
    "parse_sla_value",
    "parse_transitions",
    "parse_user",
    "parse_users",
]

SLA_FIELD_SCHEMA = "com.atlassian.servicedesk:sd-sla-field"
_SLA_FIELD_TYPE = "sd-servicelevelagreement"
# Durations beyond a century are garbage, and would overflow timedelta arithmetic downstream.
_MAX_MS = 100 * 365 * 24 * 3600 * 1000
_MAX_INT = 10**15
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JSM_PUBLIC_PROPERTY = "sd.public.comment"
# One-line text (summary, status, names, labels, components): far more than any table cell or header
# shows, far less than a hostile 20 MB summary that would cost the TUI seconds per key press.
LINE_LIMIT = 1_000
# Descriptions and comment bodies: a long incident write-up with logs pasted in still fits.
BODY_LIMIT = 64 * 1024
# Labels and components of one issue.
LIST_LIMIT = 100
# Ends a cut text, language-neutral; the UI can say "cut" in words from the domain object's flags.
CUT_MARK = "…"
# Sanitising is linear but not free: only this much of a hostile string is looked at before cutting.
_READ_FACTOR = 4


# Small readers --------------------------------------------------------------------------------------------


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) <= _MAX_INT else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) <= _MAX_INT:
        return int(value)
    if isinstance(value, str) and 0 < len(value) <= 18:
        try:
            return _int(int(value.strip(), 10))
        except ValueError:
            return None
    return None


def _id(value: Any) -> str | None:
    """An identifier: Jira sends ids as strings, but sometimes as numbers (attachments, some DC fields)."""
    if isinstance(value, str):
        cleaned = _cut_line(value)[0]
        return cleaned or None
    number = _int(value) if not isinstance(value, str) else None
    return str(number) if number is not None else None


def _cut_line(value: Any, limit: int = LINE_LIMIT) -> tuple[str, bool]:
    """One sanitised line of at most `limit` characters, and whether anything was cut off."""
    if not isinstance(value, str):
        return "", False
    text = sanitize_line(value[: limit * _READ_FACTOR])
    if len(text) > limit or len(value) > limit * _READ_FACTOR:
        return text[: limit - len(CUT_MARK)].rstrip() + CUT_MARK, True
    return text, False


def _cut_body(text: str) -> tuple[str, bool]:
    if len(text) > BODY_LIMIT:
        return text[: BODY_LIMIT - len(CUT_MARK)] + CUT_MARK, True
    return text, False


def _body(value: Any) -> tuple[str, bool]:
    """A description or comment body (ADF or v2 text) as sanitised text of at most BODY_LIMIT characters."""
    cut = False
    if isinstance(value, str) and len(value) > BODY_LIMIT * _READ_FACTOR:
        value, cut = value[: BODY_LIMIT * _READ_FACTOR], True
    text, shortened = _cut_body(adf_to_text(value))
    if cut and not shortened:
        text = text + CUT_MARK
    return text, cut or shortened


def _text(value: Any) -> str:
    return _cut_line(value)[0]


def _bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return default


def _ms(value: Any) -> int | None:
    """A JSM duration `{"millis": …, "friendly": …}` or a bare number of milliseconds."""
    if isinstance(value, dict):
        value = value.get("millis")
    number = _int(value)
    return number if number is not None and abs(number) <= _MAX_MS else None


def _from_epoch_ms(value: Any) -> datetime | None:
    millis = _int(value)
    if millis is None:
        return None
    try:
        return _EPOCH + timedelta(milliseconds=millis)
    except (OverflowError, ValueError):
        return None


def parse_datetime(value: Any) -> datetime | None:
    """A timezone-aware datetime from any date shape Jira uses, or None.

    Accepts "2025-10-15T09:55:04.062+0330" (platform API), ISO 8601 with "Z" or "+03:30", epoch
    milliseconds, and JSM's `{"epochMillis", "iso8601", "jira", "friendly"}`. A value without an offset is
    taken as UTC rather than guessed to be local time.
    """
    if isinstance(value, dict):
        # epochMillis is exact; the strings are rounded to the second and merely redundant.
        for key in ("epochMillis", "iso8601", "jira"):
            inner = value.get(key)
            parsed = None if isinstance(inner, dict) else parse_datetime(inner)
            if parsed is not None:
                return parsed
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch_ms(value)
    if not isinstance(value, str) or not 8 <= len(value) <= 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _require_aware(fetched_at: datetime) -> None:
    if not isinstance(fetched_at, datetime) or fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be a timezone-aware datetime")


# People ---------------------------------------------------------------------------------------------------


def parse_user(obj: Any) -> Person | None:
    """A user object from any API flavour; None when it is null or carries no usable identity."""
    user = _dict(obj)
    if user is None:
        return None
    account_id = _id(user.get("accountId"))
    # Data Center identifies users by `name`; `key` is the fallback for renamed or migrated users.
    username = _id(user.get("name")) or _id(user.get("key"))
    if account_id is None and username is None:
        return None
    return Person(
        display_name=_text(user.get("displayName")) or username or account_id or "",
        account_id=account_id,
        username=username,
        email=_text(user.get("emailAddress")) or None,
        time_zone=_text(user.get("timeZone")) or None,
        active=_bool(user.get("active"), True),
    )


def parse_users(obj: Any) -> list[Person]:
    """A list of users (assignable search). A single object is accepted: the doc example shows one."""
    if isinstance(obj, dict):
        obj = [obj]
    if not isinstance(obj, list):
        raise BadResponse(msgid("Jira sent something other than a list of users."))
    people = (parse_user(item) for item in obj)
    return [person for person in people if person is not None]


def parse_myself(obj: Any) -> Person:
    person = parse_user(obj)
    if person is None:
        raise BadResponse(msgid("Jira's answer about the current user names no account id or username."))
    return person


# SLAs -----------------------------------------------------------------------------------------------------


def _latest_cycle(cycles: list[dict[str, Any]]) -> dict[str, Any]:
    def stop(cycle: dict[str, Any]) -> datetime:
        return parse_datetime(cycle.get("stopTime")) or _EPOCH

    # Jira lists completed cycles oldest first, but sorting by stop time does not depend on that.
    return max(enumerate(cycles), key=lambda pair: (stop(pair[1]), pair[0]))[1]


def _metric_id(sla: dict[str, Any]) -> str | None:
    found = _id(sla.get("id"))
    if found:
        return found
    links = _dict(sla.get("_links")) or {}
    self_link = links.get("self")
    if isinstance(self_link, str):
        tail = self_link.rstrip("/").rsplit("/", 1)[-1]
        if tail.isascii() and tail.isdigit():
            return tail
    return None


def parse_sla_value(
    obj: Any, *, field_id: str | None, fetched_at: datetime, default_name: str | None = None
) -> SlaClock | None:
    """An SLA from a search field value or a servicedeskapi SlaInformation record.

    None when the SLA does not apply (null) or has no cycle yet. The ongoing cycle wins over completed
    ones; without it the latest completed cycle tells whether the SLA was met.
    """
    _require_aware(fetched_at)
    sla = _dict(obj)
    if sla is None:
        return None
    ongoing = _dict(sla.get("ongoingCycle"))
    completed_cycles = [c for c in _list(sla.get("completedCycles")) if isinstance(c, dict)]
    if ongoing is not None:
        cycle, completed = ongoing, False
    elif completed_cycles:
        cycle, completed = _latest_cycle(completed_cycles), True
    else:
        return None
    remaining = _ms(cycle.get("remainingTime"))
    return SlaClock(
        name=_text(sla.get("name")) or default_name or field_id or "SLA",
        fetched_at=fetched_at,
        field_id=field_id,
        metric_id=_metric_id(sla),
        goal_ms=_ms(cycle.get("goalDuration")),
        elapsed_ms=_ms(cycle.get("elapsedTime")),
        remaining_ms=remaining,
        breach_time=parse_datetime(cycle.get("breachTime")),
        breached=_bool(cycle.get("breached"), remaining is not None and remaining < 0),
        paused=False if completed else _bool(cycle.get("paused"), False),
        within_calendar_hours=_bool(cycle.get("withinCalendarHours"), True),
        completed=completed,
    )


def parse_paged_values(obj: Any) -> tuple[list[Any], bool]:
    """`values` and `isLastPage` of a servicedeskapi PagedDTO. A page that does not say is the last."""
    page = _dict(obj)
    if page is None or not isinstance(page.get("values"), list):
        raise BadResponse(msgid("Jira Service Management sent a page without values."))
    return page["values"], _bool(page.get("isLastPage"), True)


def parse_sla_page(obj: Any, fetched_at: datetime) -> list[SlaClock]:
    """The SLAs of `GET /rest/servicedeskapi/request/{key}/sla`."""
    _require_aware(fetched_at)
    values, _ = parse_paged_values(obj)
    clocks = (parse_sla_value(value, field_id=None, fetched_at=fetched_at) for value in values)
    return [clock for clock in clocks if clock is not None]


# Comments -------------------------------------------------------------------------------------------------


def _comment_property(comment: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The value of the comment's property `key` as an object, or None."""
    for prop in _list(comment.get("properties")):
        if not isinstance(prop, dict) or prop.get("key") != key:
            continue
        value = prop.get("value")
        if isinstance(value, str) and len(value) < 1000:
            # Some Data Center versions hand a property value back as a JSON string.
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                value = None
        if isinstance(value, dict):
            return value
    return None


def _comment_public(comment: dict[str, Any]) -> bool | None:
    for key in ("public", "jsdPublic"):
        if isinstance(comment.get(key), bool):
            return bool(comment[key])
    value = _comment_property(comment, _JSM_PUBLIC_PROPERTY)
    if value is not None and isinstance(value.get("internal"), bool):
        return not value["internal"]
    return None


# The comment property oncall-tui sets on the comments it creates: {"id": <command id>}.
COMMAND_PROPERTY = "oncall-tui.command"


def _command_id(comment: dict[str, Any]) -> str | None:
    value = _comment_property(comment, COMMAND_PROPERTY)
    if value is not None and isinstance(value.get("id"), str) and 0 < len(value["id"]) <= 64:
        return value["id"]
    return None


def parse_comment(obj: Any) -> Comment:
    """A platform (v3 ADF / v2 text) or servicedeskapi comment."""
    comment = _dict(obj)
    if comment is None:
        raise BadResponse(msgid("Jira sent a comment that is not an object."))
    body, cut = _body(comment.get("body"))
    return Comment(
        id=_id(comment.get("id")) or "",
        body_text=body,
        cut=cut,
        author=parse_user(comment.get("author")),
        created=parse_datetime(comment.get("created")),
        updated=parse_datetime(comment.get("updated")),
        public=_comment_public(comment),
        command_id=_command_id(comment),
    )


def parse_comments(obj: Any) -> list[Comment]:
    """`{"comments": [...]}` (comment page, issue field) or a bare list (some doc examples)."""
    if isinstance(obj, dict):
        obj = obj.get("comments")
    if not isinstance(obj, list):
        raise BadResponse(msgid("Jira sent a comment list without comments."))
    return [parse_comment(item) for item in obj if isinstance(item, dict)]


# Issues ---------------------------------------------------------------------------------------------------


def _sla_fields(sla_field_ids: Iterable[str] | Mapping[str, str]) -> list[tuple[str, str | None]]:
    if isinstance(sla_field_ids, Mapping):
        return [(fid, name if isinstance(name, str) else None) for fid, name in sla_field_ids.items()]
    return [(fid, None) for fid in sla_field_ids]


# Jira's project keys: a letter, then letters, digits or underscores (Data Center can allow lower case); the
# number after the dash. 255 is Jira's own limit on a project key's length.
_ISSUE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}-[0-9]{1,18}")


def parse_issue(
    obj: Any,
    *,
    sla_field_ids: Iterable[str] | Mapping[str, str],
    base_url: str,
    fetched_at: datetime,
) -> Incident:
    """An issue from search or `GET issue`, v3 (ADF bodies) or v2 (text bodies).

    `sla_field_ids` are the custom field ids holding SLAs (a mapping id -> name from `parse_fields` works,
    and gives a name to values that lack one); `base_url` builds the browser link.
    """
    _require_aware(fetched_at)
    issue = _dict(obj)
    if issue is None:
        raise BadResponse(msgid("Jira sent an issue that is not an object."))
    key = _text(issue.get("key"))
    if not key:
        raise BadResponse(msgid("Jira sent an issue without a key."))
    if not _ISSUE_KEY.fullmatch(key):
        # A key names the issue everywhere (URLs, the table's key column, which is never cut): one that is not
        # PROJECT-NUMBER is not Jira's, and a 1,000-character one would take the whole screen.
        raise BadResponse(msgid("Jira sent an issue whose key is not PROJECT-NUMBER."))
    fields = _dict(issue.get("fields")) or {}
    status = _dict(fields.get("status")) or {}
    category = _dict(status.get("statusCategory")) or {}
    priority = _dict(fields.get("priority")) or {}
    issue_type = _dict(fields.get("issuetype")) or {}
    cut: list[str] = []

    def line(name: str, value: Any) -> str:
        text, shortened = _cut_line(value)
        if shortened and name not in cut:
            cut.append(name)
        return text

    def names(name: str, raw: list[Any], read: Callable[[Any], Any]) -> tuple[str, ...]:
        if len(raw) > LIST_LIMIT and name not in cut:
            cut.append(name)
        return tuple(text for text in (line(name, read(item)) for item in raw[:LIST_LIMIT]) if text)

    comment_field = fields.get("comment")
    raw_comments = _list(comment_field.get("comments")) if isinstance(comment_field, dict) else comment_field
    comments = [parse_comment(c) for c in _list(raw_comments) if isinstance(c, dict)]

    slas: list[SlaClock] = []
    for field_id, name in _sla_fields(sla_field_ids):
        clock = parse_sla_value(fields.get(field_id), field_id=field_id, fetched_at=fetched_at, default_name=name)
        if clock is not None:
            slas.append(clock)

    components = [c for c in _list(fields.get("components")) if isinstance(c, dict)]
    description, description_cut = _body(fields.get("description"))
    if description_cut:
        cut.append("description")
    return Incident(
        key=key,
        id=_id(issue.get("id")) or "",
        summary=line("summary", fields.get("summary")),
        status=line("status", status.get("name")),
        status_category=StatusCategory.from_key(category.get("key")),
        priority=line("priority", priority.get("name")) or None,
        priority_id=_id(priority.get("id")),
        issue_type=line("issue_type", issue_type.get("name")) or None,
        assignee=parse_user(fields.get("assignee")),
        reporter=parse_user(fields.get("reporter")),
        components=names("components", components, lambda c: c.get("name")),
        labels=names("labels", _list(fields.get("labels")), lambda label: label),
        created=parse_datetime(fields.get("created")),
        updated=parse_datetime(fields.get("updated")),
        description_text=description,
        comments=tuple(comments),
        slas=tuple(slas),
        url=f"{base_url.rstrip('/')}/browse/{quote(key, safe='-_.~')}",
        cut_fields=tuple(cut),
        escalation=_escalation(issue.get("properties")),
    )


def _escalation(properties: Any) -> EscalationState | None:
    # The value is oncall-tui's own record (any tool may have written the property): read by its format's
    # owner, and an unreadable one counts as none.
    props = _dict(properties)
    return state_from_data(props.get(ESCALATION_PROPERTY)) if props else None


def _issue_list(page: dict[str, Any]) -> list[Any]:
    # Items that are not even objects are handed on too: the caller counts what it had to leave out.
    issues = page.get("issues")
    if not isinstance(issues, list):
        raise BadResponse(msgid("Jira sent a search result without an issue list."))
    return issues


def parse_search_page(obj: Any) -> tuple[list[Any], str | None, bool]:
    """Enhanced search (`/rest/api/3/search/jql`): raw issues (any JSON: parse each with `parse_issue`),
    next page token, is-last.

    A page without a token is treated as the last whatever `isLast` says, so a paging loop always ends.
    """
    page = _dict(obj)
    if page is None:
        raise BadResponse(msgid("Jira sent a search result that is not an object."))
    issues = _issue_list(page)
    token = page.get("nextPageToken")
    token = token if isinstance(token, str) and token else None
    is_last = token is None or _bool(page.get("isLast"), False)
    return issues, token, is_last


def parse_dc_search_page(obj: Any) -> tuple[list[Any], int, int]:
    """Data Center search (`/rest/api/2/search`): raw issues, startAt, total.

    A missing total is taken as "this page is all there is", so the paging loop ends.
    """
    page = _dict(obj)
    if page is None:
        raise BadResponse(msgid("Jira sent a search result that is not an object."))
    issues = _issue_list(page)
    start_at = _int(page.get("startAt"))
    start_at = start_at if start_at is not None and start_at >= 0 else 0
    total = _int(page.get("total"))
    total = total if total is not None and total >= 0 else start_at + len(issues)
    return issues, start_at, total


def parse_bulk_fetch(obj: Any) -> tuple[list[Any], int]:
    """Bulk fetch (`POST /rest/api/3/issue/bulkfetch`): raw issues (parse each with `parse_issue`), and how many
    issues Jira listed in `issueErrors` (asked for, but it could not load them this time)."""
    page = _dict(obj)
    if page is None:
        raise BadResponse(msgid("Jira sent a bulk fetch result that is not an object."))
    issues = page.get("issues")
    if not isinstance(issues, list):
        raise BadResponse(msgid("Jira sent a bulk fetch result without an issue list."))
    errors = page.get("issueErrors")
    return issues, len(errors) if isinstance(errors, list) else 0


def parse_approximate_count(obj: Any) -> int:
    page = _dict(obj)
    count = _int(page.get("count")) if page is not None else None
    if count is None or count < 0:
        raise BadResponse(msgid("Jira sent an issue count that is not a number."))
    return count


# Workflow -------------------------------------------------------------------------------------------------


def _choices(values: Any) -> tuple[FieldChoice, ...]:
    out: list[FieldChoice] = []
    for value in _list(values):
        if isinstance(value, str):
            name = _text(value)
            if name:
                out.append(FieldChoice(name=name))
        elif isinstance(value, dict):
            choice_id = _id(value.get("id"))
            name = _text(value.get("name")) or _text(value.get("value")) or choice_id
            if name:
                out.append(FieldChoice(name=name, id=choice_id))
    return tuple(out)


def _transition_fields(fields: Any) -> tuple[TransitionField, ...]:
    out: list[TransitionField] = []
    for field_id, meta in (_dict(fields) or {}).items():
        clean_id = _text(field_id)
        if not clean_id or not isinstance(meta, dict):
            continue
        out.append(
            TransitionField(
                id=clean_id,
                name=_text(meta.get("name")) or clean_id,
                required=_bool(meta.get("required"), False),
                allowed_values=_choices(meta.get("allowedValues")),
            )
        )
    return tuple(out)


def parse_transitions(obj: Any) -> list[TransitionOption]:
    """`GET …/transitions[?expand=transitions.fields]`; items without an id are useless and skipped."""
    items = obj.get("transitions") if isinstance(obj, dict) else obj
    if not isinstance(items, list):
        raise BadResponse(msgid("Jira sent a transition list without transitions."))
    options: list[TransitionOption] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        transition_id = _id(item.get("id"))
        if not transition_id:
            continue
        target = _dict(item.get("to")) or {}
        category = _dict(target.get("statusCategory")) or {}
        options.append(
            TransitionOption(
                id=transition_id,
                name=_text(item.get("name")) or transition_id,
                to_status=_text(target.get("name")),
                to_category=StatusCategory.from_key(category.get("key")),
                has_screen=_bool(item.get("hasScreen"), False),
                is_available=_bool(item.get("isAvailable"), True),
                fields=_transition_fields(item.get("fields")),
            )
        )
    return options


# Metadata -------------------------------------------------------------------------------------------------


def parse_fields(obj: Any) -> dict[str, str]:
    """SLA fields of `GET /rest/api/3/field` (or the paged `/field/search`): field id -> name.

    Found by schema, never by name: SLA names are localised and freely renamed.
    """
    items = obj.get("values") if isinstance(obj, dict) else obj
    if not isinstance(items, list):
        raise BadResponse(msgid("Jira sent a field list that is not a list."))
    found: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        schema = _dict(item.get("schema")) or {}
        if schema.get("custom") != SLA_FIELD_SCHEMA and schema.get("type") != _SLA_FIELD_TYPE:
            continue
        field_id = _text(item.get("id"))
        if field_id:
            found[field_id] = _text(item.get("name")) or field_id
    return found


class Deployment(StrEnum):
    CLOUD = "cloud"
    SERVER = "server"
    DATACENTER = "datacenter"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    deployment: Deployment
    version: str | None = None
    version_numbers: tuple[int, ...] = ()
    build_number: int | None = None
    server_time: datetime | None = None
    base_url: str | None = None
    title: str | None = None


_DEPLOYMENTS = {
    "cloud": Deployment.CLOUD,
    "server": Deployment.SERVER,
    "datacenter": Deployment.DATACENTER,
    "data center": Deployment.DATACENTER,
    "data_center": Deployment.DATACENTER,
}


def _guess_deployment(version: str | None, base_url: str | None) -> Deployment:
    # Cloud reports a 1001.x "version"; its sites live on atlassian.net (or the old jira.com).
    if version and version.startswith("1001."):
        return Deployment.CLOUD
    host = ""
    if base_url:
        try:
            host = (urlsplit(base_url).hostname or "").lower()
        except ValueError:
            host = ""
    if host.endswith((".atlassian.net", ".jira.com")):
        return Deployment.CLOUD
    return Deployment.UNKNOWN


def parse_server_info(obj: Any) -> ServerInfo:
    """`GET /rest/api/{2,3}/serverInfo`, used to tell Cloud from Server / Data Center."""
    info = _dict(obj)
    if info is None:
        raise BadResponse(msgid("Jira sent server information that is not an object."))
    version = _text(info.get("version")) or None
    base_url = _text(info.get("baseUrl")) or None
    declared = info.get("deploymentType")
    deployment = _DEPLOYMENTS.get(declared.strip().lower(), Deployment.UNKNOWN) if isinstance(declared, str) else None
    if deployment is None or deployment is Deployment.UNKNOWN:
        deployment = _guess_deployment(version, base_url)
    numbers = [_int(n) for n in _list(info.get("versionNumbers"))[:8]]
    return ServerInfo(
        deployment=deployment,
        version=version,
        version_numbers=tuple(n for n in numbers if n is not None),
        build_number=_int(info.get("buildNumber")),
        server_time=parse_datetime(info.get("serverTime")),
        base_url=base_url,
        title=_text(info.get("serverTitle")) or None,
    )
