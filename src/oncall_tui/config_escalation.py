"""Escalation in the config: a contact directory (`[[contact]]`), rotas (`[[rota]]`) and escalation policies
(`[[escalation.policy]]`), validated into the domain's types.

Like the rest of the loader, every problem is collected with the dotted key path where the user wrote (or should
write) the value; the domain's own rules (a hierarchical level that reassigns, a policy that matches nothing) are
checked here first so that they are reported at the key that breaks them, not as one message for the policy.

A person is named either by a bare identifier or by an inline table (`{ account_id = "…", phone = "…" }`). A bare
identifier found in the directory is that contact; otherwise it is an account id on Cloud and a username on Data
Center (with `deployment = "auto"` on a site that is not `*.atlassian.net`, by its look). What the directory
knows about a person (phone, e-mail, chat) fills in what an inline contact leaves out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from oncall_tui.config_schema import ESCALATION_TOP_KEYS, Problem, describe, join_key
from oncall_tui.domain.oncall import (
    Contact,
    ContactsFrom,
    Effects,
    EscalationMode,
    FixedContacts,
    IncidentFacts,
    Level,
    MatchRule,
    Policy,
    RotaRef,
    ScheduleRef,
    TeamEscalationRef,
    match_policy,
    validate_policies,
)
from oncall_tui.domain.rota import Override, Rota, Rotation

__all__ = [
    "CONTACT_KEYS",
    "ESCALATION_KEYS",
    "ESCALATION_TOP_KEYS",
    "LEVEL_KEYS",
    "LEVEL_SOURCE_KEYS",
    "MATCH_KEYS",
    "MAX_RESPONSE_TIMEOUT",
    "OVERRIDE_KEYS",
    "POLICY_KEYS",
    "ROTA_KEYS",
    "EscalationConfig",
    "escalation_from_data",
    "identity_is_cloud",
    "parse_duration",
]

CONTACT_KEYS = frozenset({"account_id", "username", "phone", "email", "chat"})
ROTA_KEYS = frozenset({"name", "time_zone", "rotation", "handover", "start", "participants", "override"})
OVERRIDE_KEYS = frozenset({"who", "start", "end", "instead_of"})
ESCALATION_KEYS = frozenset({"policy"})
POLICY_KEYS = frozenset({"name", "mode", "default", "match", "level"})
MATCH_KEYS = frozenset({"project", "component", "label", "request_type", "issue_type", "queue"})
LEVEL_SOURCE_KEYS = ("schedule", "team", "rota", "contacts")
LEVEL_KEYS = frozenset(
    {
        "name",
        *LEVEL_SOURCE_KEYS,
        "escalation",
        "response_timeout",
        "reassign",
        "priority",
        "transition",
        "mention",
        "page",
    }
)
# Longer than any shift: a timeout of weeks is a typo for minutes, and would never make anything due.
MAX_RESPONSE_TIMEOUT = timedelta(days=7)

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Cloud account ids: 24 hex digits (older accounts) or "<number>:<uuid>".
_ACCOUNT_ID = re.compile(r"[0-9a-f]{24}|\d+:[0-9a-fA-F-]{36}")
_DURATION = re.compile(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?")
_HHMM = re.compile(r"(\d{2}):(\d{2})")
_PHONE_CHARS = frozenset("+0123456789 ()-./")
_DURATION_WANTED = 'a duration such as "90s", "15m" or "1h30m", or a whole number of minutes'


@dataclass(frozen=True)
class EscalationConfig:
    """The escalation part of a loaded config; empty when the file has none of it."""

    policies: tuple[Policy, ...] = ()
    rotas: Mapping[str, Rota] = field(default_factory=dict)  # by Rota.name
    directory: Mapping[str, Contact] = field(default_factory=dict)  # by Contact.id

    def __post_init__(self) -> None:
        object.__setattr__(self, "policies", tuple(self.policies))
        object.__setattr__(self, "rotas", MappingProxyType(dict(self.rotas)))
        object.__setattr__(self, "directory", MappingProxyType(dict(self.directory)))

    def enrich(self, contact: Contact) -> Contact:
        """`contact` with what the directory knows about the same person filled in where it says nothing: the
        way to reach someone a JSM Ops schedule or a Jira lead names by id only."""
        known = self.directory.get(contact.id)
        return _merge_contact(contact, known) if known is not None else contact

    def policy_for(self, facts: IncidentFacts) -> Policy | None:
        return match_policy(self.policies, facts)


def _merge_contact(first: Contact, fallback: Contact) -> Contact:
    return replace(
        first,
        account_id=first.account_id or fallback.account_id,
        username=first.username or fallback.username,
        phone=first.phone or fallback.phone,
        email=first.email or fallback.email,
        chat=first.chat or fallback.chat,
    )


def parse_duration(value: Any) -> timedelta | None:
    """ "90s", "15m", "1h30m" (spaces allowed between parts) or an integer of minutes; None if it is none of them."""
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(minutes=value)
    if not isinstance(value, str):
        return None
    found = _DURATION.fullmatch(value.strip())
    if found is None or not any(found.groups()):
        return None
    hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


# ---- reading tables ----------------------------------------------------------------------------------------------


def _suggest(key: str, allowed: Iterable[str]) -> str:
    # The same wording as config_validate's unknown keys.
    choices = sorted(allowed)
    lowered = {c.lower(): c for c in choices}
    match = lowered.get(key.lower()) or next(iter(difflib.get_close_matches(key, choices, n=1)), None)
    return f'did you mean "{match}"?' if match else f"expected one of: {', '.join(choices)}"


def _known(names: Iterable[str]) -> str:
    shown = ", ".join(describe(n) for n in names)
    return f"known: {shown}" if shown else "there are none"


class _Table:
    """Typed reads from one TOML table at `where`; a bad value records a problem and yields None."""

    def __init__(self, data: Mapping[str, Any], where: str, allowed: frozenset[str], problems: list[Problem]):
        self.data = data
        self.where = where
        self.problems = problems
        for key in data:
            if key not in allowed:
                problems.append(Problem(join_key(where, key), f"unknown key; {_suggest(key, allowed)}"))

    def path(self, key: str) -> str:
        return join_key(self.where, key)

    def has(self, key: str) -> bool:
        return key in self.data

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path(key) if key else self.where, message))

    def expected(self, key: str, what: str) -> None:
        got = describe(self.data[key]) if key in self.data else "nothing (the key is missing)"
        self.fail(key, f"expected {what}, got {got}")

    def text(self, key: str, *, required: bool = False, what: str = "a non-empty string") -> str | None:
        if key not in self.data:
            if required:
                self.expected(key, what)
            return None
        value = self.data[key]
        if not isinstance(value, str) or not value.strip():
            self.expected(key, what)
            return None
        return value.strip()

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.expected(key, "true or false")
            return default
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.data.get(key, default)
        if value not in choices:
            shown = ", ".join(f'"{c}"' for c in choices)
            close = difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            self.fail(key, f"expected one of {shown}, got {describe(value)}{hint}")
            return default
        return str(value)

    def tables(self, key: str, what: str) -> list[tuple[Mapping[str, Any], str]]:
        """An array of tables (a single inline table counts as one), each with its path."""
        value = self.data.get(key, [])
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            self.expected(key, what)
            return []
        found = []
        for i, item in enumerate(value):
            where = f"{self.path(key)}[{i}]"
            if isinstance(item, dict):
                found.append((item, where))
            else:
                self.problems.append(Problem(where, f"expected a table, got {describe(item)}"))
        return found


def _array_of_tables(value: Any, where: str, what: str, problems: list[Problem]) -> list[tuple[Mapping[str, Any], str]]:
    if not isinstance(value, list):
        problems.append(Problem(where, f"expected an array of tables ({what}), got {describe(value)}"))
        return []
    found = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            found.append((item, f"{where}[{i}]"))
        else:
            problems.append(Problem(f"{where}[{i}]", f"expected a table, got {describe(item)}"))
    return found


# ---- people -------------------------------------------------------------------------------------------------------


@dataclass
class _People:
    """How identifiers become contacts in this config: the directory, and what a bare id means."""

    directory: dict[str, Contact]
    cloud: bool | None  # None: not known (deployment "auto" on a site that may be either)
    problems: list[Problem]

    def bare(self, value: str) -> Contact:
        known = self.directory.get(value)
        if known is not None:
            return known
        is_account = self.cloud if self.cloud is not None else bool(_ACCOUNT_ID.fullmatch(value))
        return Contact(account_id=value) if is_account else Contact(username=value)

    def person(self, value: Any, where: str) -> Contact | None:
        """A bare id or an inline contact table at `where`."""
        if isinstance(value, str) and value.strip():
            return self.bare(value.strip())
        if isinstance(value, dict):
            contact = _contact(_Table(value, where, CONTACT_KEYS, self.problems))
            known = self.directory.get(contact.id) if contact is not None else None
            return _merge_contact(contact, known) if contact is not None and known is not None else contact
        self.problems.append(
            Problem(
                where,
                'expected an account id or username, or a table such as { account_id = "…", phone = "…" }, '
                f"got {describe(value)}",
            )
        )
        return None

    def people(self, value: Any, where: str) -> tuple[Contact, ...] | None:
        if not isinstance(value, list) or not value:
            got = "an empty array" if value == [] else describe(value)
            self.problems.append(Problem(where, f"expected a non-empty array of ids or contact tables, got {got}"))
            return None
        found = [self.person(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return tuple(c for c in found if c is not None) if all(c is not None for c in found) else None


def _contact(t: _Table) -> Contact | None:
    account_id = t.text("account_id", what="an Atlassian account id")
    username = t.text("username", what="a Jira username")
    if account_id is None and username is None:
        if not t.has("account_id") and not t.has("username"):
            t.fail("", "expected account_id (Jira Cloud) or username (Data Center), got neither")
        return None
    phone = t.text("phone", what='a phone number such as "+49 30 1234567"')
    if phone is not None and (not set(phone) <= _PHONE_CHARS or sum(c.isdigit() for c in phone) < 3):
        t.expected("phone", 'a phone number such as "+49 30 1234567" (digits, spaces, + ( ) - . /)')
        phone = None
    email = t.text("email", what="an e-mail address")
    if email is not None and ("@" not in email or any(c.isspace() for c in email)):
        t.expected("email", "an e-mail address")
        email = None
    chat = t.text("chat", what='a chat handle such as "@anna"')
    return Contact(account_id=account_id, username=username, phone=phone, email=email, chat=chat)


def _directory(entries: list[tuple[Mapping[str, Any], str]], problems: list[Problem]) -> dict[str, Contact]:
    directory: dict[str, Contact] = {}
    first: dict[str, str] = {}
    for table, where in entries:
        t = _Table(table, where, CONTACT_KEYS, problems)
        contact = _contact(t)
        if contact is None:
            continue
        key = "account_id" if contact.account_id else "username"
        if contact.id in first:
            t.fail(
                key,
                f"expected each person once in [[contact]], got {describe(contact.id)} again "
                f"(also {first[contact.id]})",
            )
            continue
        first[contact.id] = where
        directory[contact.id] = contact
    return directory


# ---- rotas --------------------------------------------------------------------------------------------------------


def _time_zone(t: _Table) -> str | None:
    zone = t.text("time_zone", required=True, what='an IANA time zone such as "Europe/Berlin"')
    if zone is None:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(zone, sorted(available_timezones()), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        t.fail("time_zone", f'expected an IANA time zone such as "Europe/Berlin", got {describe(zone)}{hint}')
        return None
    return zone


def _handover(t: _Table) -> time | None:
    value = t.data.get("handover", "09:00")
    if isinstance(value, time) and value.tzinfo is None:
        return value
    found = _HHMM.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        t.expected("handover", 'a time of day "HH:MM" (24 hours, local to time_zone), such as "09:00"')
        return None
    return time(int(found.group(1)), int(found.group(2)))


def _start_date(t: _Table) -> date | None:
    value = t.data.get("start")
    # A TOML date-time is a datetime, which is also a date: the rota's zone and handover say when in the day.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    t.expected("start", "a TOML date such as 2026-11-02 (unquoted), the day of the first hand-over")
    return None


def _instant(t: _Table, key: str) -> datetime | None:
    value = t.data.get(key)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    t.expected(key, "an offset date-time such as 2026-12-01T09:00:00+01:00 (unquoted, with its UTC offset)")
    return None


def _overrides(t: _Table, people: _People, participants: tuple[Contact, ...] | None) -> tuple[Override, ...] | None:
    found: list[Override] = []
    ok = True
    for table, where in t.tables("override", "an array of [[rota.override]] tables"):
        o = _Table(table, where, OVERRIDE_KEYS, people.problems)
        who = people.person(table["who"], o.path("who")) if o.has("who") else None
        if who is not None and participants is not None:
            # A participant's inline contact knows how to reach them; the override names them by id only.
            who = next((p for p in participants if p.same_person(who)), who)
        if not o.has("who"):
            o.expected("who", "the person on call instead (an id or a contact table)")
        start, end = _instant(o, "start"), _instant(o, "end")
        instead_of = people.person(table["instead_of"], o.path("instead_of")) if o.has("instead_of") else None
        if (
            instead_of is not None
            and participants is not None
            and not any(instead_of.same_person(p) for p in participants)
        ):
            names = [p.id for p in participants]
            o.fail("instead_of", f"{describe(instead_of.id)} is not a participant of this rota; {_known(names)}")
            instead_of = None
        if start is not None and end is not None and end <= start:
            o.fail("end", f"expected an end after start ({start.isoformat()}), got {end.isoformat()}")
            end = None
        if who is None or start is None or end is None or (o.has("instead_of") and instead_of is None):
            ok = False
            continue
        found.append(Override(who=who, start=start, end=end, instead_of=instead_of))
    return tuple(found) if ok else None


def _rotas(entries: list[tuple[Mapping[str, Any], str]], people: _People) -> dict[str, Rota]:
    rotas: dict[str, Rota] = {}
    first: dict[str, str] = {}
    for table, where in entries:
        t = _Table(table, where, ROTA_KEYS, people.problems)
        name = t.text("name", required=True, what="a rota name")
        if name is not None and name in first:
            t.fail("name", f"expected a unique rota name, got {describe(name)} (also {first[name]})")
        elif name is not None:
            first[name] = where
        zone = _time_zone(t)
        rotation = Rotation(t.choice("rotation", tuple(r.value for r in Rotation), Rotation.WEEKLY.value))
        handover = _handover(t)
        start = _start_date(t)
        participants = None
        if t.has("participants"):
            participants = people.people(table["participants"], t.path("participants"))
        else:
            t.expected("participants", "a non-empty array of ids or contact tables")
        overrides = _overrides(t, people, participants)
        if None in (name, zone, handover, start, participants, overrides) or name in rotas:
            continue
        assert name is not None and zone is not None and start is not None and participants is not None
        assert handover is not None and overrides is not None
        rotas[name] = Rota(
            name=name,
            participants=participants,
            time_zone=zone,
            start=start,
            handover=handover,
            rotation=rotation,
            overrides=overrides,
        )
    return rotas


# ---- policies -----------------------------------------------------------------------------------------------------


def _source(t: _Table, people: _People, rotas: Mapping[str, Rota], rota_names: Iterable[str]) -> ContactsFrom | None:
    given = [k for k in LEVEL_SOURCE_KEYS if t.has(k)]
    if t.has("escalation") and "team" not in given:
        t.fail("escalation", "expected escalation only together with team (it names one of the team's escalations)")
    if len(given) != 1:
        got = " and ".join(given) if given else "none"
        t.fail(
            "",
            f"expected exactly one of {', '.join(LEVEL_SOURCE_KEYS)} (where the level's contacts come from), got {got}",
        )
        return None
    kind = given[0]
    if kind == "schedule":
        schedule = t.text("schedule", what="a JSM Ops schedule name or id")
        return ScheduleRef(schedule, by_name=not _UUID.fullmatch(schedule)) if schedule else None
    if kind == "team":
        team = t.text("team", what="a JSM Ops team name or id")
        escalation = t.text("escalation", what="the name of one of the team's escalations")
        if team is None or (t.has("escalation") and escalation is None):
            return None
        return TeamEscalationRef(team, by_name=not _UUID.fullmatch(team), escalation=escalation)
    if kind == "rota":
        rota = t.text("rota", what="the name of a [[rota]]")
        if rota is None:
            return None
        if rota not in rota_names:
            t.fail("rota", f"no [[rota]] is named {describe(rota)}; {_known(rota_names)}")
            return None
        return RotaRef(rota) if rota in rotas else None  # a named rota with problems of its own: reported there
    contacts = people.people(t.data["contacts"], t.path("contacts"))
    return FixedContacts(contacts) if contacts else None


def _level(
    t: _Table, people: _People, rotas: Mapping[str, Rota], rota_names: Iterable[str], hierarchical: bool
) -> Level | None:
    name = t.text("name", required=True, what="a level name")
    source = _source(t, people, rotas, rota_names)
    timeout = None
    bad = False
    if t.has("response_timeout"):
        timeout = parse_duration(t.data["response_timeout"])
        if timeout is None or not timedelta(0) < timeout <= MAX_RESPONSE_TIMEOUT:
            t.expected("response_timeout", f"{_DURATION_WANTED}, more than 0 and at most 7 days")
            bad = True
    reassign = t.flag("reassign")
    if reassign and hierarchical:
        t.fail(
            "reassign",
            'expected no reassign in a hierarchical policy (it informs, the assignee stays); use mode = "functional" '
            "to hand the work over",
        )
    effects = Effects(
        reassign=reassign,
        raise_priority_to=t.text("priority", what='a priority name or id such as "High"'),
        transition=t.text("transition", what='a transition or status name such as "In Progress"'),
        mention=t.flag("mention"),
        page=t.flag("page"),
    )
    bad = bad or (t.has("priority") and effects.raise_priority_to is None)
    bad = bad or (t.has("transition") and effects.transition is None)
    if name is None or source is None or bad or (reassign and hierarchical):
        return None
    return Level(name=name, contacts=source, response_timeout=timeout, effects=effects)


def _rules(t: _Table, queue_names: Iterable[str] | None) -> tuple[MatchRule, ...] | None:
    rules: list[MatchRule] = []
    ok = True
    folded = {q.casefold(): q for q in queue_names} if queue_names is not None else None
    for table, where in t.tables("match", 'an array of rules such as [{ project = "OPS", component = "CRM" }]'):
        r = _Table(table, where, MATCH_KEYS, t.problems)
        values = {k: r.text(k, what="a non-empty string") for k in sorted(MATCH_KEYS) if r.has(k)}
        queue = values.get("queue")
        if queue is not None and folded is not None and queue.casefold() not in folded:
            r.fail("queue", f"no [[queues]] is named {describe(queue)}; {_known(folded.values())}")
            ok = False
        if not values:
            r.fail(
                "",
                f"expected at least one of {', '.join(sorted(MATCH_KEYS))} in a rule "
                "(use default = true to match every incident)",
            )
            ok = False
        elif None in values.values():
            ok = False
        else:
            rules.append(MatchRule(**values))
    if t.has("match") and not isinstance(t.data["match"], list | dict):
        ok = False
    return tuple(rules) if ok else None


def _policy(
    t: _Table,
    people: _People,
    rotas: Mapping[str, Rota],
    rota_names: Iterable[str],
    queue_names: Iterable[str] | None,
) -> Policy | None:
    name = t.text("name", required=True, what="a policy name")
    mode = EscalationMode(t.choice("mode", tuple(m.value for m in EscalationMode), EscalationMode.FUNCTIONAL.value))
    default = t.flag("default")
    rules = _rules(t, queue_names)
    if rules == () and not default:
        t.fail("match", "expected match rules, or default = true: a policy that matches nothing is never used")
    levels: list[Level] = []
    seen: dict[str, str] = {}
    ok = True
    entries = t.tables("level", "an array of [[escalation.policy.level]] tables")
    if not entries and not (t.has("level") and not isinstance(t.data["level"], list | dict)):
        t.fail("level", "expected at least one [[escalation.policy.level]] table, got none")
    for table, where in entries:
        lt = _Table(table, where, LEVEL_KEYS, t.problems)
        level = _level(lt, people, rotas, rota_names, mode is EscalationMode.HIERARCHICAL)
        raw_name = table.get("name")
        level_name = raw_name.strip() if isinstance(raw_name, str) and raw_name.strip() else None
        if level_name is not None and level_name in seen:
            lt.fail(
                "name",
                f"expected a unique level name in this policy, got {describe(level_name)} (also {seen[level_name]})",
            )
            ok = False
        elif level_name is not None:
            seen[level_name] = where
        if level is None:
            ok = False
        else:
            levels.append(level)
    if name is None or rules is None or not ok or not levels or (not rules and not default):
        return None
    try:
        return Policy(name=name, levels=tuple(levels), rules=rules, mode=mode, default=default)
    except ValueError as exc:  # a rule of the domain's that the checks above do not know yet
        t.fail("", str(exc))
        return None


def _across(built: list[tuple[Policy, _Table]], problems: list[Problem]) -> None:
    """The domain's checks across policies, each problem at the policy that first causes it."""
    for k in range(len(built)):
        before = set(_rendered(validate_policies(p for p, _ in built[:k])))
        for message, params in validate_policies(p for p, _ in built[: k + 1]):
            text = message.format(**params)
            if text not in before:
                t = built[k][1]
                t.fail("name" if "name" in params else "default", text)


def _rendered(found: Iterable[tuple[str, dict[str, object]]]) -> list[str]:
    return [message.format(**params) for message, params in found]


# ---- the whole -----------------------------------------------------------------------------------------------------


def _pick(
    top: Mapping[str, Any], profile: Mapping[str, Any] | None, profile_prefix: str, key: str
) -> tuple[Any, str] | None:
    # As [[queues]]: a profile that gives the array replaces the top level's.
    if profile is not None and key in profile:
        return profile[key], join_key(profile_prefix, key)
    if key in top:
        return top[key], key
    return None


def escalation_from_data(
    top: Mapping[str, Any],
    profile: Mapping[str, Any] | None,
    profile_prefix: str,
    problems: list[Problem],
    *,
    cloud: bool | None,
    queue_names: Iterable[str] | None,
) -> EscalationConfig:
    """The escalation settings of the top level with `profile` (a [profiles.NAME] table at `profile_prefix`)
    merged over it as the loader merges the rest: [[contact]] and [[rota]] are replaced by a profile's as
    [[queues]] are, [escalation] is merged key by key as [ui] is (so a profile's policies replace the top
    level's). `cloud` says what a bare identifier is (None: tell by its look); `queue_names`, when known, are
    what a `queue` match rule may name."""
    people = _People({}, cloud, problems)
    found = _pick(top, profile, profile_prefix, "contact")
    if found is not None:
        people.directory = _directory(_array_of_tables(found[0], found[1], "[[contact]]", problems), problems)

    rotas: dict[str, Rota] = {}
    rota_names: list[str] = []
    found = _pick(top, profile, profile_prefix, "rota")
    if found is not None:
        entries = _array_of_tables(found[0], found[1], "[[rota]]", problems)
        rota_names = [e["name"].strip() for e, _ in entries if isinstance(e.get("name"), str) and e["name"].strip()]
        rotas = _rotas(entries, people)

    section: dict[str, tuple[Any, str]] = {}
    for layer, prefix in ((top, ""), (profile, profile_prefix)):
        if layer is None or "escalation" not in layer:
            continue
        where = join_key(prefix, "escalation")
        table = layer["escalation"]
        if not isinstance(table, dict):
            problems.append(Problem(where, f"expected a table ([escalation]), got {describe(table)}"))
            continue
        _Table(table, where, ESCALATION_KEYS, problems)
        section.update({k: (v, join_key(where, k)) for k, v in table.items() if k in ESCALATION_KEYS})

    built: list[tuple[Policy, _Table]] = []
    if "policy" in section:
        value, where = section["policy"]
        for table, at in _array_of_tables(value, where, "[[escalation.policy]]", problems):
            t = _Table(table, at, POLICY_KEYS, problems)
            policy = _policy(t, people, rotas, rota_names, queue_names)
            if policy is not None:
                built.append((policy, t))
    _across(built, problems)
    return EscalationConfig(
        policies=tuple(p for p, _ in built),
        rotas=rotas,
        directory=people.directory,
    )


def identity_is_cloud(deployment: str, host: str, cloud_suffixes: tuple[str, ...]) -> bool | None:
    """Whether a bare identifier in this config is a Cloud account id (True), a Data Center username (False), or
    not known from the [jira] table (None)."""
    if deployment == "cloud":
        return True
    if deployment == "datacenter":
        return False
    return True if host.endswith(cloud_suffixes) else None
