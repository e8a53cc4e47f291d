"""Incidents to and from plain JSON data (dicts, lists, strings, numbers), for the last-known-state cache and
the command outbox.

Pure (no I/O): the caller chooses the file or the database. Strict on the way in: what comes back was written
by an earlier run, possibly of another version, possibly cut short or edited by hand, so every value is checked
for its type and anything unexpected raises `CodecError`, never a TypeError deep in the table code later. The
text is checked for control characters as well: a cache file is a second way for text to reach the terminal,
and `sanitize` already removed them from everything the client parsed, so one found here means a damaged file.

Round trips are exact: `incident_from_data(incident_to_data(x)) == x`, with every datetime's offset kept
(they are ISO 8601 strings; a zone such as Europe/Berlin comes back as its fixed offset at that instant, the
same instant and the same offset). Values at their defaults are left out, which makes the cache of a large
queue about half the size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from oncall_tui.domain.escalation import state_from_data, state_to_data
from oncall_tui.domain.incident import Comment, Incident, StatusCategory
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import SlaClock

__all__ = [
    "CodecError",
    "comment_from_data",
    "comment_to_data",
    "incident_from_data",
    "incident_to_data",
    "person_from_data",
    "person_to_data",
    "sla_from_data",
    "sla_to_data",
]

T = TypeVar("T")
Data = dict[str, Any]

# C0 controls but tab and newline, DEL, C1 controls, and lone surrogates (which cannot even be encoded).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class CodecError(ValueError):
    """The data does not describe a valid object; `path` says where (e.g. "comments[2].author")."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or 'value'}: {problem}")
        self.path = path
        self.problem = problem


# ---- checked readers -------------------------------------------------------------------------------------------


def _obj(value: object, path: str, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CodecError(path, f"expected an object, found {_kind(value)}")
    unknown = value.keys() - allowed
    if unknown:
        # Unknown keys mean a damaged file or a newer format; guessing would show wrong data.
        raise CodecError(path, f"unknown key {sorted(map(str, unknown))[0]!r}")
    return value


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise CodecError(path, f"expected a string, found {_kind(value)}")
    # Printable ASCII, the common case, needs no regular expression.
    if not (value.isascii() and value.isprintable()) and _CONTROL.search(value):
        raise CodecError(path, "control character in text")
    return value


def _opt_str(value: object, path: str) -> str | None:
    return None if value is None else _str(value, path)


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise CodecError(path, f"expected true or false, found {_kind(value)}")
    return value


def _opt_bool(value: object, path: str) -> bool | None:
    return None if value is None else _bool(value, path)


def _opt_int(value: object, path: str) -> int | None:
    if value is None:
        return None
    # bool is an int to Python, not to JSON: true is no number of milliseconds.
    if not isinstance(value, int) or isinstance(value, bool):
        raise CodecError(path, f"expected an integer, found {_kind(value)}")
    return value


def _datetime(value: object, path: str) -> datetime:
    text = _str(value, path)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise CodecError(path, "expected an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise CodecError(path, "the date and time has no offset")
    return parsed


def _opt_datetime(value: object, path: str) -> datetime | None:
    return None if value is None else _datetime(value, path)


def _list(value: object, path: str, item: Callable[[object, str], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise CodecError(path, f"expected a list, found {_kind(value)}")
    return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(value))


def _guarded(read: Callable[[object, str], T], data: object, path: str) -> T:
    try:
        return read(data, path)
    except CodecError:
        raise
    except (ValueError, TypeError, AttributeError) as exc:
        # The checks above should leave nothing for the domain's own constructors to refuse; if one does,
        # it is still bad data, and the caller handles exactly one exception.
        raise CodecError(path, str(exc)) from None


def _dt_out(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _put(out: Data, name: str, value: object, default: object = None) -> None:
    if value != default:
        out[name] = value


# ---- Person ----------------------------------------------------------------------------------------------------

_PERSON_KEYS = frozenset({"name", "account_id", "username", "email", "tz", "active"})


def person_to_data(person: Person) -> Data:
    out: Data = {"name": person.display_name}
    _put(out, "account_id", person.account_id)
    _put(out, "username", person.username)
    _put(out, "email", person.email)
    _put(out, "tz", person.time_zone)
    _put(out, "active", person.active, True)
    return out


def person_from_data(data: object, path: str = "person") -> Person:
    return _guarded(_person_from_data, data, path)


def _person_from_data(data: object, path: str = "person") -> Person:
    d = _obj(data, path, _PERSON_KEYS)
    if "name" not in d:
        raise CodecError(path, "missing key 'name'")
    active = d.get("active", True)
    account_id = _opt_str(d.get("account_id"), f"{path}.account_id")
    username = _opt_str(d.get("username"), f"{path}.username")
    if not account_id and not username:
        raise CodecError(path, "a person needs an account_id or a username")
    return Person(
        display_name=_str(d["name"], f"{path}.name"),
        account_id=account_id,
        username=username,
        email=_opt_str(d.get("email"), f"{path}.email"),
        time_zone=_opt_str(d.get("tz"), f"{path}.tz"),
        active=_bool(active, f"{path}.active"),
    )


def _opt_person(value: object, path: str) -> Person | None:
    return None if value is None else _person_from_data(value, path)


# ---- SlaClock --------------------------------------------------------------------------------------------------

_SLA_KEYS = frozenset(
    {
        "name",
        "fetched_at",
        "field_id",
        "metric_id",
        "goal_ms",
        "elapsed_ms",
        "remaining_ms",
        "breach_time",
        "breached",
        "paused",
        "within_hours",
        "completed",
    }
)


def sla_to_data(sla: SlaClock) -> Data:
    out: Data = {"name": sla.name, "fetched_at": sla.fetched_at.isoformat()}
    _put(out, "field_id", sla.field_id)
    _put(out, "metric_id", sla.metric_id)
    _put(out, "goal_ms", sla.goal_ms)
    _put(out, "elapsed_ms", sla.elapsed_ms)
    _put(out, "remaining_ms", sla.remaining_ms)
    _put(out, "breach_time", _dt_out(sla.breach_time))
    _put(out, "breached", sla.breached, False)
    _put(out, "paused", sla.paused, False)
    _put(out, "within_hours", sla.within_calendar_hours, True)
    _put(out, "completed", sla.completed, False)
    return out


def sla_from_data(data: object, path: str = "sla") -> SlaClock:
    return _guarded(_sla_from_data, data, path)


def _sla_from_data(data: object, path: str = "sla") -> SlaClock:
    d = _obj(data, path, _SLA_KEYS)
    for required in ("name", "fetched_at"):
        if required not in d:
            raise CodecError(path, f"missing key {required!r}")
    return SlaClock(
        name=_str(d["name"], f"{path}.name"),
        fetched_at=_datetime(d["fetched_at"], f"{path}.fetched_at"),
        field_id=_opt_str(d.get("field_id"), f"{path}.field_id"),
        metric_id=_opt_str(d.get("metric_id"), f"{path}.metric_id"),
        goal_ms=_opt_int(d.get("goal_ms"), f"{path}.goal_ms"),
        elapsed_ms=_opt_int(d.get("elapsed_ms"), f"{path}.elapsed_ms"),
        remaining_ms=_opt_int(d.get("remaining_ms"), f"{path}.remaining_ms"),
        breach_time=_opt_datetime(d.get("breach_time"), f"{path}.breach_time"),
        breached=_bool(d.get("breached", False), f"{path}.breached"),
        paused=_bool(d.get("paused", False), f"{path}.paused"),
        within_calendar_hours=_bool(d.get("within_hours", True), f"{path}.within_hours"),
        completed=_bool(d.get("completed", False), f"{path}.completed"),
    )


# ---- Comment ---------------------------------------------------------------------------------------------------

_COMMENT_KEYS = frozenset({"id", "body", "author", "created", "updated", "public", "cut"})


def comment_to_data(comment: Comment) -> Data:
    out: Data = {"id": comment.id}
    _put(out, "body", comment.body_text, "")
    _put(out, "author", None if comment.author is None else person_to_data(comment.author))
    _put(out, "created", _dt_out(comment.created))
    _put(out, "updated", _dt_out(comment.updated))
    _put(out, "public", comment.public)
    _put(out, "cut", comment.cut, False)
    return out


def comment_from_data(data: object, path: str = "comment") -> Comment:
    return _guarded(_comment_from_data, data, path)


def _comment_from_data(data: object, path: str = "comment") -> Comment:
    d = _obj(data, path, _COMMENT_KEYS)
    if "id" not in d:
        raise CodecError(path, "missing key 'id'")
    return Comment(
        id=_str(d["id"], f"{path}.id"),
        body_text=_str(d.get("body", ""), f"{path}.body"),
        author=_opt_person(d.get("author"), f"{path}.author"),
        created=_opt_datetime(d.get("created"), f"{path}.created"),
        updated=_opt_datetime(d.get("updated"), f"{path}.updated"),
        public=_opt_bool(d.get("public"), f"{path}.public"),
        cut=_bool(d.get("cut", False), f"{path}.cut"),
    )


# ---- Incident --------------------------------------------------------------------------------------------------

_INCIDENT_KEYS = frozenset(
    {
        "key",
        "id",
        "summary",
        "status",
        "category",
        "priority",
        "priority_id",
        "type",
        "assignee",
        "reporter",
        "components",
        "labels",
        "created",
        "updated",
        "description",
        "comments",
        "slas",
        "url",
        "cut_fields",
        "escalation",
    }
)
_CATEGORIES = {category.value: category for category in StatusCategory}
_CUTTABLE = frozenset(Incident.__dataclass_fields__)


def incident_to_data(incident: Incident) -> Data:
    out: Data = {"key": incident.key, "id": incident.id, "summary": incident.summary}
    _put(out, "status", incident.status, "")
    _put(out, "category", incident.status_category.value, StatusCategory.UNKNOWN.value)
    _put(out, "priority", incident.priority)
    _put(out, "priority_id", incident.priority_id)
    _put(out, "type", incident.issue_type)
    _put(out, "assignee", None if incident.assignee is None else person_to_data(incident.assignee))
    _put(out, "reporter", None if incident.reporter is None else person_to_data(incident.reporter))
    _put(out, "components", list(incident.components), [])
    _put(out, "labels", list(incident.labels), [])
    _put(out, "created", _dt_out(incident.created))
    _put(out, "updated", _dt_out(incident.updated))
    _put(out, "description", incident.description_text, "")
    _put(out, "comments", [comment_to_data(c) for c in incident.comments], [])
    _put(out, "slas", [sla_to_data(s) for s in incident.slas], [])
    _put(out, "url", incident.url, "")
    _put(out, "cut_fields", list(incident.cut_fields), [])
    _put(out, "escalation", None if incident.escalation is None else state_to_data(incident.escalation))
    return out


def _category(value: object, path: str) -> StatusCategory:
    text = _str(value, path)
    category = _CATEGORIES.get(text)
    if category is None:
        raise CodecError(path, f"unknown status category {text!r}")
    return category


def _cut_field(value: object, path: str) -> str:
    name = _str(value, path)
    if name not in _CUTTABLE:
        raise CodecError(path, f"unknown field {name!r}")
    return name


def incident_from_data(data: object, path: str = "incident") -> Incident:
    return _guarded(_incident_from_data, data, path)


def _incident_from_data(data: object, path: str = "incident") -> Incident:
    d = _obj(data, path, _INCIDENT_KEYS)
    for required in ("key", "id", "summary"):
        if required not in d:
            raise CodecError(path, f"missing key {required!r}")
    return Incident(
        key=_str(d["key"], f"{path}.key"),
        id=_str(d["id"], f"{path}.id"),
        summary=_str(d["summary"], f"{path}.summary"),
        status=_str(d.get("status", ""), f"{path}.status"),
        status_category=_category(d.get("category", StatusCategory.UNKNOWN.value), f"{path}.category"),
        priority=_opt_str(d.get("priority"), f"{path}.priority"),
        priority_id=_opt_str(d.get("priority_id"), f"{path}.priority_id"),
        issue_type=_opt_str(d.get("type"), f"{path}.type"),
        assignee=_opt_person(d.get("assignee"), f"{path}.assignee"),
        reporter=_opt_person(d.get("reporter"), f"{path}.reporter"),
        components=_list(d.get("components", []), f"{path}.components", _str),
        labels=_list(d.get("labels", []), f"{path}.labels", _str),
        created=_opt_datetime(d.get("created"), f"{path}.created"),
        updated=_opt_datetime(d.get("updated"), f"{path}.updated"),
        description_text=_str(d.get("description", ""), f"{path}.description"),
        comments=_list(d.get("comments", []), f"{path}.comments", _comment_from_data),
        slas=_list(d.get("slas", []), f"{path}.slas", _sla_from_data),
        url=_str(d.get("url", ""), f"{path}.url"),
        cut_fields=_list(d.get("cut_fields", []), f"{path}.cut_fields", _cut_field),
        # The record's own reader: one that cannot be read counts as none, as when Jira sends it.
        escalation=state_from_data(d.get("escalation")),
    )
