"""Checks a parsed JQL query against a site and compiles it into closures over `Issue` objects.

Compiling resolves every name (status, priority, user...) to ids once, so matching 10,000 issues is a
few attribute look-ups each. Like Jira, `NOT` is pushed down to the clauses by De Morgan's laws and
inverts their operators, and a negative operator (`!=`, `NOT IN`, `!~`) never matches an empty field:
`NOT assignee = x` leaves out unassigned issues, just as `assignee != x` does.
"""

from __future__ import annotations

import operator as op
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oncall_tui.sim.jql_lexer import JqlError
from oncall_tui.sim.jql_parser import (
    AndNode,
    Clause,
    EmptyOperand,
    FunctionOperand,
    ListOperand,
    Node,
    NotNode,
    Operand,
    SortField,
    ValueOperand,
    render_operand,
)
from oncall_tui.sim.model import STATUS_CATEGORIES, Issue, SlaDefinition, SlaRecord
from oncall_tui.sim.state import SimError, SimState

Predicate = Callable[[Issue], bool]
SortKey = Callable[[Issue], tuple[Any, ...]]
SlaLookup = Callable[[Issue, SlaDefinition], SlaRecord | None]

_INVERSE = {
    "=": "!=", "!=": "=", "in": "not in", "not in": "in", "is": "is not", "is not": "is",
    "~": "!~", "!~": "~", "<": ">=", ">=": "<", ">": "<=", "<=": ">",
}  # fmt: skip
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {"<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge}
_POSITIVE = frozenset({"=", "in", "is"})
_MISSING: tuple[Any, ...] = (1,)  # sorts after every present value (0, ...)

_PERIOD_UNITS = {
    "w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1),
}  # fmt: skip
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_DATE_HELP = (
    "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', "
    "or a period format e.g. '-5d', '4w 2d'."
)

# Lower-cased JQL clause name -> field kind.
_BUILTIN_FIELDS = {
    "project": "project", "key": "key", "issuekey": "key", "id": "key", "summary": "summary",
    "description": "description", "text": "text", "comment": "comment", "status": "status",
    "statuscategory": "statuscategory", "priority": "priority", "assignee": "assignee",
    "reporter": "reporter", "labels": "labels", "component": "component", "issuetype": "issuetype",
    "type": "issuetype", "resolution": "resolution", "created": "created", "createddate": "created",
    "updated": "updated", "updateddate": "updated", "resolved": "resolved", "resolutiondate": "resolved",
    "parent": "parent",
}  # fmt: skip

_DATE_FUNCTIONS = frozenset({"now", "startofday", "endofday", "startofweek", "endofweek"})
_USER_FUNCTIONS = frozenset({"currentuser", "membersof"})
_SLA_DURATION_FUNCTIONS = frozenset({"remaining", "elapsed"})


def _last_breached(r: SlaRecord) -> bool:
    cycle = r.last_cycle
    return cycle is not None and cycle.breached


def _ever_breached(r: SlaRecord) -> bool:
    return any(c.breached for c in r.completed) or (r.ongoing is not None and r.ongoing.breached)


# SLA state functions, each judged on a record known to have at least one cycle.
_SLA_STATE_FUNCTIONS: dict[str, Callable[[SlaRecord], bool]] = {
    "breached": _last_breached,
    "everbreached": _ever_breached,
    "running": lambda r: r.ongoing is not None and not r.ongoing.paused,
    "paused": lambda r: r.ongoing is not None and r.ongoing.paused,
    "completed": lambda r: r.ongoing is None,
    "withincalendarhours": lambda r: r.ongoing is not None and r.ongoing.within_calendar_hours,
}
KNOWN_FUNCTIONS = _DATE_FUNCTIONS | _USER_FUNCTIONS | _SLA_DURATION_FUNCTIONS | set(_SLA_STATE_FUNCTIONS)


@dataclass
class JqlContext:
    """Who runs the query, and when: relative dates, currentUser() and SLA functions depend on it."""

    state: SimState
    now: datetime
    current_user: str | None = None  # account id; None = anonymous (currentUser() matches nothing)
    time_zone: str = "UTC"  # the searcher's zone, for date literals and startOfDay()
    sla: SlaLookup | None = None  # None: computed by sim.sla at `now`
    zone: ZoneInfo = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("JqlContext.now must be timezone-aware")
        try:
            self.zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc

    def sla_record(self, issue: Issue, definition: SlaDefinition) -> SlaRecord | None:
        if self.sla is not None:
            return self.sla(issue, definition)
        from oncall_tui.sim.sla import compute_sla

        return compute_sla(definition, issue, self.state.calendars, self.now)


@dataclass(frozen=True)
class FieldRef:
    label: str  # as the query wrote it; Jira's messages quote the field that way
    kind: str
    sla: SlaDefinition | None = None


def resolve_field(name: str, state: SimState) -> FieldRef:
    lowered = name.lower()
    kind = _BUILTIN_FIELDS.get(lowered)
    if kind is not None:
        return FieldRef(name, kind)
    field_id = None
    if lowered.startswith("cf[") and lowered.endswith("]"):
        field_id = "customfield_" + lowered[3:-1]
    elif lowered.startswith("customfield_"):
        field_id = lowered
    for definition in state.sla_definitions:
        if definition.field_id.lower() == field_id or definition.name.lower() == lowered:
            return FieldRef(name, "sla", definition)
    raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")


# ---- messages -----------------------------------------------------------------------------------------


def _no_value(value: str, ref: FieldRef) -> JqlError:
    return JqlError(f"The value '{value}' does not exist for the field '{ref.label}'.")


def _no_empty(ref: FieldRef) -> JqlError:
    return JqlError(f"The field '{ref.label}' does not support searching for EMPTY values.")


def _unsupported_operator(operator: str, ref: FieldRef) -> JqlError:
    return JqlError(f"The operator '{operator.upper()}' is not supported by the '{ref.label}' field.")


def _unsupported_function(fn: FunctionOperand, ref: FieldRef) -> JqlError:
    return JqlError(f"The function '{fn.name}' is not supported by the field '{ref.label}'.")


def _expect_args(fn: FunctionOperand, low: int, high: int) -> None:
    count = len(fn.args)
    if low <= count <= high:
        return
    wanted = f"'{low}'" if low == high else f"between '{low}' and '{high}'"
    raise JqlError(f"Function '{fn.name}' expected {wanted} arguments but got '{count}'.")


# ---- value helpers ------------------------------------------------------------------------------------


def parse_period(text: str) -> timedelta | None:
    """Jira's period format: '-15m', '4w 2d', '+1h' (no sign = into the future); None if not one."""
    s = text.strip()
    sign = 1
    if s and s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:].lstrip()
    total = timedelta()
    digits = ""
    seen_unit = False
    for ch in s:
        if ch.isdigit():
            digits += ch
        elif ch in _PERIOD_UNITS and digits:
            total += _PERIOD_UNITS[ch] * int(digits)
            digits = ""
            seen_unit = True
        elif not (ch.isspace() and not digits):
            return None
    if digits or not seen_unit:
        return None
    return total * sign


def _increment(text: str) -> timedelta | None:
    """Increment argument of startOfDay() and friends: a period, or a bare number of days."""
    stripped = text.strip().lstrip("+-")
    if stripped.isdigit():
        return timedelta(days=-int(stripped) if text.strip().startswith("-") else int(stripped))
    return parse_period(text)


def _key_number(key: str) -> int:
    return int(key.rpartition("-")[2])


def adf_text(node: Any) -> str:
    """The plain text of an ADF document (or a plain string), for text search."""
    if isinstance(node, str):
        return node
    parts: list[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            if n.get("type") == "text":
                parts.append(str(n.get("text", "")))
            elif isinstance(n.get("attrs"), dict) and "text" in n["attrs"]:
                parts.append(str(n["attrs"]["text"]))
            for child in n.get("content") or ():
                walk(child)
        elif isinstance(n, list):
            for child in n:
                walk(child)

    walk(node)
    return " ".join(parts)


_WORD = re.compile(r"\w+")
_QUERY_WORD = re.compile(r"\w+\*?")

TextTerm = tuple[tuple[str, bool], ...]  # a phrase: (word, is_prefix) in order


def _text_terms(query: str, ref: FieldRef) -> list[TextTerm]:
    """Split a `~` search string into terms that must all match; "quoted" parts are phrases."""
    chunks: list[tuple[str, bool]] = []  # (text, is_phrase)
    rest = query
    while rest:
        before, quote, after = rest.partition('"')
        chunks.append((before, False))
        if not quote:
            break
        phrase, _, rest = after.partition('"')
        chunks.append((phrase, True))
    terms: list[TextTerm] = []
    for text, is_phrase in chunks:
        for raw in [text] if is_phrase else text.split():
            if raw.strip()[:1] in ("*", "?"):
                raise JqlError(
                    f"The text query '{query}' for field '{ref.label}' is not allowed to start with '*' or '?'."
                )
        words = tuple((w.rstrip("*"), w.endswith("*")) for w in _QUERY_WORD.findall(text.lower()))
        if is_phrase and words:
            terms.append(words)
        else:
            terms.extend((w,) for w in words)
    if not terms:
        raise JqlError(f"The field '{ref.label}' does not support searching for an empty string.")
    return terms


def _word_matches(word: str, pattern: tuple[str, bool]) -> bool:
    stem, prefix = pattern
    return word.startswith(stem) if prefix else word == stem


def _text_matcher(terms: list[TextTerm]) -> Callable[[str], bool]:
    def matches(text: str) -> bool:
        words = _WORD.findall(text.lower())
        vocabulary = set(words)
        for term in terms:
            if len(term) == 1:
                stem, prefix = term[0]
                if prefix:
                    if not any(w.startswith(stem) for w in vocabulary):
                        return False
                elif stem not in vocabulary:
                    return False
                continue
            span = len(term)
            if not any(
                all(_word_matches(words[start + k], term[k]) for k in range(span))
                for start in range(len(words) - span + 1)
            ):
                return False
        return True

    return matches


def _member_predicate(
    get: Callable[[Issue], Any] | None,
    get_many: Callable[[Issue], Iterable[Hashable]] | None,
    ids: frozenset[Any],
    with_empty: bool,
    positive: bool,
) -> Predicate:
    if get is not None:
        if not positive:
            return lambda i: (v := get(i)) is not None and v not in ids
        if with_empty:
            return lambda i: (v := get(i)) is None or v in ids
        return lambda i: get(i) in ids
    assert get_many is not None
    if not positive:
        return lambda i: bool(vs := get_many(i)) and ids.isdisjoint(vs)
    if with_empty:
        return lambda i: not (vs := get_many(i)) or not ids.isdisjoint(vs)
    return lambda i: not ids.isdisjoint(get_many(i))


def _all(preds: list[Predicate]) -> Predicate:
    result = preds[0]
    for nxt in preds[1:]:
        result = (lambda a, b: lambda i: a(i) and b(i))(result, nxt)
    return result


def _any(preds: list[Predicate]) -> Predicate:
    result = preds[0]
    for nxt in preds[1:]:
        result = (lambda a, b: lambda i: a(i) or b(i))(result, nxt)
    return result


@dataclass
class _Members:
    """How a field holding ids is read and how a query value names those ids."""

    get: Callable[[Issue], Any] | None  # single-valued fields
    resolve: Callable[[str], set[Any] | None]  # None: no such value
    get_many: Callable[[Issue], Iterable[Hashable]] | None = None  # multi-valued fields
    allows_empty: bool = False
    functions: dict[str, Callable[[FunctionOperand], set[Any]]] = field(default_factory=dict)
    relational: Callable[[str, ValueOperand], Predicate] | None = None


# ---- compiler -----------------------------------------------------------------------------------------


class CompiledQuery:
    """A query checked against one site at one instant; `run` filters and sorts issues."""

    def __init__(self, where: Node | None, sort: Iterable[SortField], ctx: JqlContext) -> None:
        self.ctx = ctx
        self.state = ctx.state
        self._sla_caches: dict[str, dict[int, SlaRecord | None]] = {}
        self.predicate: Predicate | None = self._node(where, False) if where is not None else None
        self.sort_keys = self._sort(sort)

    def matches(self, issue: Issue) -> bool:
        return self.predicate is None or self.predicate(issue)

    def run(self, issues: Iterable[Issue]) -> list[Issue]:
        for cache in self._sla_caches.values():
            cache.clear()
        pred = self.predicate
        found = [i for i in issues if pred(i)] if pred is not None else list(issues)
        if not self.sort_keys:
            found.sort(key=lambda i: (i.created, i.id), reverse=True)
            return found
        found.sort(key=attrgetter("id"))  # ties keep creation order
        for key, descending in reversed(self.sort_keys):
            found.sort(key=key, reverse=descending)
        return found

    # -- boolean structure -----------------------------------------------------------------------------

    def _node(self, node: Node, negate: bool) -> Predicate:
        if isinstance(node, NotNode):
            return self._node(node.child, not negate)
        if isinstance(node, Clause):
            return self._clause(node, negate)
        preds = [self._node(child, negate) for child in node.children]
        conjunction = isinstance(node, AndNode) != negate
        return _all(preds) if conjunction else _any(preds)

    def _clause(self, clause: Clause, negate: bool) -> Predicate:
        ref = resolve_field(clause.field, self.state)
        for fn in _functions_in(clause.operand):
            if fn.name.lower() not in KNOWN_FUNCTIONS:
                raise JqlError(f"Unable to find JQL function '{fn.name}()'.")
        operator = _INVERSE[clause.operator] if negate else clause.operator
        kind = ref.kind
        if kind in ("created", "updated", "resolved"):
            attr = {"created": "created", "updated": "updated", "resolved": "resolution_date"}[kind]
            return self._date(ref, clause, operator, attrgetter(attr), allows_empty=kind == "resolved")
        if kind in ("summary", "description", "comment", "text"):
            return self._text(ref, clause, operator)
        if kind == "sla":
            return self._sla(ref, clause, operator)
        return self._membership_field(ref, clause, operator)

    # -- fields holding ids (status, priority, users, labels...) ----------------------------------------

    def _members(self, ref: FieldRef) -> _Members:
        s = self.state
        kind = ref.kind
        if kind == "project":
            return _Members(
                attrgetter("project_key"),
                lambda v: _found(
                    p.key for p in s.projects.values() if v.lower() in (p.key.lower(), p.name.lower()) or v == p.id
                ),
            )
        if kind == "key":
            return _Members(
                attrgetter("id"),
                lambda v: {self._issue_for(v, ref).id},
                relational=lambda o, v: self._key_relation(o, v, ref),
            )
        if kind == "parent":
            # By key or id, like `key`; issues with no parent are what `parent IS EMPTY` finds.
            return _Members(attrgetter("parent_id"), lambda v: {self._issue_for(v, ref).id}, allows_empty=True)
        if kind == "status":
            return _Members(attrgetter("status_id"), lambda v: _by_name_or_id(s.statuses, v))
        if kind == "statuscategory":
            return _Members(attrgetter("status_id"), self._category_statuses)
        if kind == "priority":
            return _Members(
                attrgetter("priority_id"),
                lambda v: _by_name_or_id(s.priorities, v),
                relational=lambda o, v: self._priority_relation(o, v, ref),
            )
        if kind == "issuetype":
            return _Members(attrgetter("issue_type_id"), lambda v: _by_name_or_id(s.issue_types, v))
        if kind == "resolution":
            return _Members(
                attrgetter("resolution_id"),
                lambda v: {None} if v.lower() == "unresolved" else _by_name_or_id(s.resolutions, v),
                allows_empty=True,
            )
        if kind in ("assignee", "reporter"):
            return _Members(
                attrgetter(kind),
                self._users,
                allows_empty=True,
                functions={"currentuser": self._current_user, "membersof": self._members_of},
            )
        if kind == "labels":
            # Any label may be searched for; an unknown one simply matches nothing.
            return _Members(
                None, lambda v: {v.lower()}, get_many=lambda i: [x.lower() for x in i.labels], allows_empty=True
            )
        return _Members(  # component
            None,
            lambda v: _found(
                c.id for p in s.projects.values() for c in p.components if v.lower() == c.name.lower() or v == c.id
            ),
            get_many=attrgetter("component_ids"),
            allows_empty=True,
        )

    def _membership_field(self, ref: FieldRef, clause: Clause, operator: str) -> Predicate:
        spec = self._members(ref)
        written = clause.operator
        operand = clause.operand
        if written in ("~", "!~") or (written in _COMPARE and spec.relational is None):
            raise _unsupported_operator(written, ref)
        if written in _COMPARE:
            assert spec.relational is not None
            if not isinstance(operand, ValueOperand):
                raise _bad_operand(written, operand, ref)
            return spec.relational(operator, operand)
        if isinstance(operand, ListOperand) and written in ("=", "!="):
            raise _bad_operand(written, operand, ref)
        items = operand.items if isinstance(operand, ListOperand) else (operand,)
        ids: set[Any] = set()
        with_empty = False
        for item in items:
            if isinstance(item, EmptyOperand):
                if not spec.allows_empty:
                    raise _no_empty(ref)
                with_empty = True
            elif isinstance(item, FunctionOperand):
                handler = spec.functions.get(item.name.lower())
                if handler is None:
                    raise _unsupported_function(item, ref)
                ids |= handler(item)
            else:
                found = spec.resolve(item.value)
                if found is None:
                    raise _no_value(item.value, ref)
                if None in found:  # "Unresolved" stands for EMPTY
                    with_empty = True
                    found = found - {None}
                ids |= found
        return _member_predicate(spec.get, spec.get_many, frozenset(ids), with_empty, operator in _POSITIVE)

    def _issue_for(self, value: str, ref: FieldRef) -> Issue:
        text = value.strip()
        if text.isdigit():
            try:
                return self.state.issue(text)
            except SimError:
                raise JqlError(f"An issue with key '{value}' does not exist for field '{ref.label}'.") from None
        prefix, dash, number = text.rpartition("-")
        if not dash or not prefix or not number.isdigit() or not prefix.replace("_", "").isalnum():
            raise JqlError(f"The issue key '{value}' for field '{ref.label}' is invalid.")
        issue = self.state.issues.get(text.upper())
        if issue is None:
            raise JqlError(f"An issue with key '{value}' does not exist for field '{ref.label}'.")
        return issue

    def _key_relation(self, operator: str, operand: ValueOperand, ref: FieldRef) -> Predicate:
        target = self._issue_for(operand.value, ref)
        project, number, compare = target.project_key, _key_number(target.key), _COMPARE[operator]
        return lambda i: i.project_key == project and compare(_key_number(i.key), number)

    def _priority_relation(self, operator: str, operand: ValueOperand, ref: FieldRef) -> Predicate:
        found = _by_name_or_id(self.state.priorities, operand.value)
        if found is None:
            raise _no_value(operand.value, ref)
        rank = self.state.priorities[min(found)].rank
        compare = _COMPARE[operator]
        # "priority > High" means more urgent, i.e. a smaller rank number.
        ids = frozenset(pid for pid, p in self.state.priorities.items() if compare(-p.rank, -rank))
        return lambda i: i.priority_id in ids

    def _category_statuses(self, value: str) -> set[Any] | None:
        lowered = value.lower()
        for key, (cat_id, name, _colour) in STATUS_CATEGORIES.items():
            if lowered in (key, name.lower()) or value == str(cat_id):
                return {sid for sid, st in self.state.statuses.items() if st.category == key}
        return None

    def _users(self, value: str) -> set[Any] | None:
        if value in self.state.users:
            return {value}
        lowered = value.lower()
        return _found(
            u.account_id
            for u in self.state.users.values()
            if lowered in (u.username.lower(), u.email.lower(), u.display_name.lower())
        )

    def _current_user(self, fn: FunctionOperand) -> set[Any]:
        _expect_args(fn, 0, 0)
        return {self.ctx.current_user} if self.ctx.current_user else set()

    def _members_of(self, fn: FunctionOperand) -> set[Any]:
        _expect_args(fn, 1, 1)
        wanted = fn.args[0].lower()
        for team in self.state.teams.values():
            if wanted in (team.name.lower(), team.id.lower()):
                return set(team.member_ids)
        raise JqlError(
            f"Function 'membersOf' can not generate a list of users for group '{fn.args[0]}'; the group does not exist."
        )

    # -- dates ---------------------------------------------------------------------------------------------

    def _date(
        self, ref: FieldRef, clause: Clause, operator: str, get: Callable[[Issue], Any], *, allows_empty: bool
    ) -> Predicate:
        written = clause.operator
        operand = clause.operand
        if written in ("~", "!~"):
            raise _unsupported_operator(written, ref)
        if written in _COMPARE:
            if isinstance(operand, (EmptyOperand, ListOperand)):
                raise _bad_operand(written, operand, ref)
            at = self._date_value(operand, ref)
            compare = _COMPARE[operator]
            return lambda i: (v := get(i)) is not None and compare(v, at)
        if isinstance(operand, ListOperand) and written in ("=", "!="):
            raise _bad_operand(written, operand, ref)
        items = operand.items if isinstance(operand, ListOperand) else (operand,)
        instants: set[datetime] = set()
        with_empty = False
        for item in items:
            if isinstance(item, EmptyOperand):
                if not allows_empty:
                    raise _no_empty(ref)
                with_empty = True
            else:
                instants.add(self._date_value(item, ref))
        return _member_predicate(get, None, frozenset(instants), with_empty, operator in _POSITIVE)

    def _date_value(self, operand: ValueOperand | FunctionOperand, ref: FieldRef) -> datetime:
        if isinstance(operand, FunctionOperand):
            return self._date_function(operand, ref)
        text = operand.value.strip()
        if text.isdigit():  # epoch milliseconds
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        period = parse_period(text)
        if period is not None:
            return self.ctx.now + period
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=self.ctx.zone)
            except ValueError:
                continue
        raise JqlError(f"Date value '{operand.value}' for field '{ref.label}' is invalid. {_DATE_HELP}")

    def _date_function(self, fn: FunctionOperand, ref: FieldRef) -> datetime:
        name = fn.name.lower()
        if name not in _DATE_FUNCTIONS:
            raise _unsupported_function(fn, ref)
        if name == "now":
            _expect_args(fn, 0, 0)
            return self.ctx.now
        _expect_args(fn, 0, 1)
        shift = timedelta()
        if fn.args:
            parsed = _increment(fn.args[0])
            if parsed is None:
                raise JqlError(f"The increment '{fn.args[0]}' for function '{fn.name}' is invalid.")
            shift = parsed
        local = self.ctx.now.astimezone(self.ctx.zone)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        span = timedelta(days=1)
        if name.endswith("week"):
            # Weeks start on Sunday, as in Jira's default (en_US) locale.
            start -= timedelta(days=(local.weekday() + 1) % 7)
            span = timedelta(days=7)
        # Aware + timedelta is wall-clock arithmetic, so a DST change keeps midnight at midnight.
        base = start if name.startswith("start") else start + span - timedelta(milliseconds=1)
        return base + shift

    # -- text --------------------------------------------------------------------------------------------

    def _text(self, ref: FieldRef, clause: Clause, operator: str) -> Predicate:
        kind = ref.kind
        extract: Callable[[Issue], str | None]
        if kind == "summary":
            extract = attrgetter("summary")
        elif kind == "description":
            extract = lambda i: adf_text(i.description) if i.description else None  # noqa: E731
        elif kind == "comment":
            extract = lambda i: " ".join(adf_text(c.body) for c in i.comments) if i.comments else None  # noqa: E731
        else:
            extract = lambda i: " ".join(  # noqa: E731
                [i.summary, adf_text(i.description) if i.description else ""] + [adf_text(c.body) for c in i.comments]
            )
        written = clause.operator
        operand = clause.operand
        if written in ("is", "is not") or isinstance(operand, EmptyOperand):
            if kind != "description":
                raise _no_empty(ref)
            if written not in ("is", "is not", "=", "!="):
                raise _bad_operand(written, operand, ref)
            positive = operator in _POSITIVE
            return lambda i: (not (extract(i) or "").strip()) == positive
        if written not in ({"~"} if kind == "text" else {"~", "!~"}):
            raise _unsupported_operator(written, ref)
        if not isinstance(operand, ValueOperand):
            raise _bad_operand(written, operand, ref)
        matches = _text_matcher(_text_terms(operand.value, ref))
        if operator == "~":
            return lambda i: (t := extract(i)) is not None and matches(t)
        return lambda i: (t := extract(i)) is not None and not matches(t)

    # -- SLA ---------------------------------------------------------------------------------------------

    def _sla_lookup(self, definition: SlaDefinition) -> Callable[[Issue], SlaRecord | None]:
        cache = self._sla_caches.setdefault(definition.id, {})
        record_for = self.ctx.sla_record

        def lookup(issue: Issue) -> SlaRecord | None:
            try:
                return cache[issue.id]
            except KeyError:
                record = cache[issue.id] = record_for(issue, definition)
                return record

        return lookup

    def _sla(self, ref: FieldRef, clause: Clause, operator: str) -> Predicate:
        assert ref.sla is not None
        written = clause.operator
        fn = clause.operand
        if not isinstance(fn, FunctionOperand):
            if written in ("is", "is not") or isinstance(fn, EmptyOperand):
                raise _no_empty(ref)
            if written in ("=", "!=", "<", "<=", ">", ">="):
                raise JqlError(
                    f"The field '{ref.label}' can only be searched with SLA functions, e.g. "
                    f'breached(), running(), remaining("1h") or elapsed("30m").'
                )
            raise _unsupported_operator(written, ref)
        name = fn.name.lower()
        lookup = self._sla_lookup(ref.sla)
        state_test = _SLA_STATE_FUNCTIONS.get(name)
        if state_test is not None:
            if written not in ("=", "!="):
                raise JqlError(
                    f"The operator '{written.upper()}' is not supported by the function '{fn.name}()'. Use '=' or '!='."
                )
            _expect_args(fn, 0, 0)
            want = operator == "="
            # Metrics whose clock never started have no cycle and match neither = nor !=.
            return lambda i: (r := lookup(i)) is not None and r.last_cycle is not None and state_test(r) == want
        if name in _SLA_DURATION_FUNCTIONS:
            if written not in _COMPARE:
                raise JqlError(
                    f"The operator '{written.upper()}' is not supported by the function '{fn.name}()'. "
                    f"Use '<', '<=', '>' or '>='."
                )
            _expect_args(fn, 1, 1)
            period = parse_period(fn.args[0])
            if period is None:
                raise JqlError(
                    f"The duration '{fn.args[0]}' for function '{fn.name}' is invalid; use e.g. '30m', '2h 30m'."
                )
            limit_ms = period // timedelta(milliseconds=1)
            compare = _COMPARE[operator]
            pick = attrgetter("remaining_ms" if name == "remaining" else "elapsed_ms")
            return lambda i: (
                (r := lookup(i)) is not None and (c := r.ongoing) is not None and compare(pick(c), limit_ms)
            )
        raise _unsupported_function(fn, ref)

    # -- ORDER BY ----------------------------------------------------------------------------------------

    def _sort(self, fields: Iterable[SortField]) -> list[tuple[SortKey, bool]]:
        keys: list[tuple[SortKey, bool]] = []
        seen: set[tuple[str, str]] = set()
        for sort_field in fields:
            ref = resolve_field(sort_field.field, self.state)
            identity = (ref.kind, ref.sla.id if ref.sla else "")
            if identity in seen:
                raise JqlError(f"The field '{ref.label}' is used more than once in the ORDER BY clause.")
            seen.add(identity)
            keys.append((self._sort_key(ref), sort_field.direction == "DESC"))
        return keys

    def _sort_key(self, ref: FieldRef) -> SortKey:
        s = self.state
        kind = ref.kind
        if kind in ("summary", "description", "comment", "text", "parent"):
            raise JqlError(f"Not able to sort using field '{ref.label}'.")
        if kind == "key":
            return lambda i: (0, i.project_key, _key_number(i.key))
        if kind == "project":
            names = {k: p.name.lower() for k, p in s.projects.items()}
            return lambda i: (0, names.get(i.project_key, i.project_key))
        if kind in ("status", "issuetype", "resolution"):
            table: dict[str, Any] = {
                "status": s.statuses, "issuetype": s.issue_types, "resolution": s.resolutions
            }[kind]  # fmt: skip
            order = {item_id: n for n, item_id in enumerate(table)}
            get = attrgetter({"status": "status_id", "issuetype": "issue_type_id"}.get(kind, "resolution_id"))
            return lambda i: _MISSING if (n := order.get(get(i))) is None else (0, n)
        if kind == "statuscategory":
            rank = {"new": 0, "indeterminate": 1, "done": 2}
            order = {sid: rank[st.category] for sid, st in s.statuses.items()}
            return lambda i: (0, order.get(i.status_id, 3))
        if kind == "priority":
            # Higher priority is the greater value, so DESC lists the most urgent first.
            ranks = {pid: -p.rank for pid, p in s.priorities.items()}
            return lambda i: _MISSING if (r := ranks.get(i.priority_id)) is None else (0, r)
        if kind in ("assignee", "reporter"):
            names = {aid: u.display_name.lower() for aid, u in s.users.items()}
            get = attrgetter(kind)
            return lambda i: _MISSING if (a := get(i)) is None else (0, names.get(a, a.lower()))
        if kind == "labels":
            return lambda i: (0, sorted(x.lower() for x in i.labels)) if i.labels else _MISSING
        if kind == "component":
            names = {c.id: c.name.lower() for p in s.projects.values() for c in p.components}
            return lambda i: (0, sorted(names.get(c, c) for c in i.component_ids)) if i.component_ids else _MISSING
        if kind in ("created", "updated", "resolved"):
            get = attrgetter({"resolved": "resolution_date"}.get(kind, kind))
            return lambda i: _MISSING if (v := get(i)) is None else (0, v)
        assert ref.sla is not None
        lookup = self._sla_lookup(ref.sla)
        # Time left on the ongoing cycle; issues without one sort after the rest (ASC).
        return lambda i: _MISSING if (r := lookup(i)) is None or (c := r.ongoing) is None else (0, c.remaining_ms)


def _found(ids: Iterable[Any]) -> set[Any] | None:
    """The ids a value names, or None when it names nothing (Jira then refuses the query)."""
    return set(ids) or None


def _by_name_or_id(table: dict[str, Any], value: str) -> set[Any] | None:
    lowered = value.lower()
    return _found(item_id for item_id, item in table.items() if item.name.lower() == lowered or item_id == value)


def _functions_in(operand: Operand) -> list[FunctionOperand]:
    if isinstance(operand, FunctionOperand):
        return [operand]
    if isinstance(operand, ListOperand):
        return [item for item in operand.items if isinstance(item, FunctionOperand)]
    return []


def _bad_operand(operator: str, operand: Operand, ref: FieldRef) -> JqlError:
    if isinstance(operand, FunctionOperand):
        return _unsupported_function(operand, ref)
    kind = "list value" if isinstance(operand, ListOperand) else "value"
    return JqlError(
        f"The operator '{operator.upper()}' does not support the {kind} '{render_operand(operand)}' "
        f"for the field '{ref.label}'."
    )
