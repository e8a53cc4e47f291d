"""On-call and escalation in the domain: who can be reached, where that answer came from, escalation levels and
the policies that order them. Pure data and matching: resolving a level's contacts (JSM Ops, rotas, leads)
happens in `jira/` and `domain/rota.py`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from oncall_tui.domain.people import Person

__all__ = [
    "Contact",
    "ContactsFrom",
    "Effects",
    "EscalationMode",
    "FixedContacts",
    "IncidentFacts",
    "Level",
    "MatchRule",
    "OnCallShift",
    "Policy",
    "ResolvedLevel",
    "ResolvedPolicy",
    "RotaRef",
    "ScheduleRef",
    "Source",
    "TeamEscalationRef",
    "match_policy",
    "validate_policies",
]


class Source(StrEnum):
    """Where an on-call answer came from, so the UI can say how far to trust it."""

    JSM_OPS_SCHEDULE = "jsm_ops_schedule"
    JSM_OPS_TEAM = "jsm_ops_team"
    CONFIG_ROTA = "config_rota"
    FIXED = "fixed"
    JIRA_LEADS = "jira_leads"


@dataclass(frozen=True, slots=True)
class Contact:
    """A Jira identity to reach. The config names the identity and how to reach them; the display name and the
    time zone come from Jira and may be unknown until it has answered."""

    account_id: str | None = None
    username: str | None = None
    display_name: str | None = None
    phone: str | None = None
    email: str | None = None
    chat: str | None = None
    time_zone: str | None = None

    def __post_init__(self) -> None:
        # Without an identity nobody can be assigned or mentioned, and overrides could not name whom they replace.
        if not self.account_id and not self.username:
            raise ValueError("a Contact needs an account_id or a username")

    @property
    def id(self) -> str:
        """The identifier Jira knows: accountId on Cloud, username on Data Center."""
        return self.account_id or self.username or ""

    @classmethod
    def of(cls, person: Person) -> Contact:
        """A Jira user as a contact (how to reach them beyond e-mail comes from the config's directory)."""
        return cls(
            account_id=person.account_id,
            username=person.username,
            display_name=person.display_name,
            email=person.email,
            time_zone=person.time_zone,
        )

    def as_person(self) -> Person:
        """The contact as the Jira user to assign or mention."""
        return Person(
            display_name=self.display_name or self.id,
            account_id=self.account_id,
            username=self.username,
            email=self.email,
            time_zone=self.time_zone,
        )

    def same_person(self, other: Contact) -> bool:
        # Two records of one person may differ in what is known about them (a display name fetched later).
        return self.id == other.id


@dataclass(frozen=True, slots=True)
class OnCallShift:
    """Who is on call from `since` until `until`, and who takes over next from `next_from`.

    `since`, `until` and `next_from` are None when the source does not say (a JSM Ops on-call answer without
    the rotation's times, fixed people, Jira leads)."""

    who: Contact
    source: Source
    since: datetime | None = None
    until: datetime | None = None
    next: Contact | None = None
    next_from: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until", "next_from"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"OnCallShift.{name} must be timezone-aware")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("an OnCallShift must end after it starts")

    def contains(self, at: datetime) -> bool:
        """Half-open: the person handing over at `until` is no longer on call at that instant."""
        after_start = self.since is None or self.since <= at
        before_end = self.until is None or at < self.until
        return after_start and before_end


# ---- where a level's contacts come from -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleRef:
    """A JSM Ops schedule: whoever it has on call now."""

    schedule: str
    by_name: bool = True

    @property
    def source(self) -> Source:
        return Source.JSM_OPS_SCHEDULE


@dataclass(frozen=True, slots=True)
class TeamEscalationRef:
    """A JSM Ops team's escalation policy; its rules become levels when resolved."""

    team: str
    by_name: bool = True
    escalation: str | None = None  # one of the team's escalations by name; None: the team's first

    @property
    def source(self) -> Source:
        return Source.JSM_OPS_TEAM


@dataclass(frozen=True, slots=True)
class RotaRef:
    """A rota defined in the config, by its name there."""

    rota: str

    @property
    def source(self) -> Source:
        return Source.CONFIG_ROTA


@dataclass(frozen=True, slots=True)
class FixedContacts:
    """Named people, always the same (a duty manager, a service owner)."""

    contacts: tuple[Contact, ...]

    def __post_init__(self) -> None:
        if not self.contacts:
            raise ValueError("fixed contacts need at least one contact")

    @property
    def source(self) -> Source:
        return Source.FIXED


ContactsFrom = ScheduleRef | TeamEscalationRef | RotaRef | FixedContacts


@dataclass(frozen=True, slots=True)
class Effects:
    """What escalating to a level does (the escalate dialog pre-selects these)."""

    reassign: bool = False
    raise_priority_to: str | None = None  # a priority name or id
    transition: str | None = None  # a transition (or target status) name
    mention: bool = False
    page: bool = False  # create a JSM Ops alert for the level's team


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    contacts: ContactsFrom
    # After this long without acknowledgement escalation to the next level is due; None: never by time.
    response_timeout: timedelta | None = None
    effects: Effects = field(default_factory=Effects)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a Level needs a name")
        if self.response_timeout is not None and self.response_timeout <= timedelta(0):
            raise ValueError(f"level {self.name!r}: the response timeout must be positive")

    @property
    def source(self) -> Source:
        return self.contacts.source


# ---- policies and matching ------------------------------------------------------------------------------------


class EscalationMode(StrEnum):
    # Functional: the work moves to the next level. Hierarchical: the next level is informed, the assignee stays.
    FUNCTIONAL = "functional"
    HIERARCHICAL = "hierarchical"


def _fold(value: str) -> str:
    return value.strip().casefold()


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What a policy can match on, taken from an incident and the queues it was seen in."""

    project: str | None = None
    components: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()
    request_type: str | None = None
    issue_type: str | None = None
    queues: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MatchRule:
    """Every criterion that is set must hold (and); a policy matches when any of its rules does (or).

    Names compare case-insensitively, as Jira treats project keys, types, components and our queue names;
    labels compare exactly, because Jira treats `DB` and `db` as two labels."""

    project: str | None = None
    component: str | None = None
    label: str | None = None
    request_type: str | None = None
    issue_type: str | None = None
    queue: str | None = None

    def __post_init__(self) -> None:
        # An empty rule would match everything and silently shadow every policy after it; that is `default`.
        if all(getattr(self, name) is None for name in self.__slots__):
            raise ValueError("a match rule needs at least one criterion (use a default policy to match all)")

    def matches(self, facts: IncidentFacts) -> bool:
        checks = (
            self.project is None or (facts.project is not None and _fold(self.project) == _fold(facts.project)),
            self.component is None or _fold(self.component) in {_fold(c) for c in facts.components},
            self.label is None or self.label.strip() in facts.labels,
            self.request_type is None
            or (facts.request_type is not None and _fold(self.request_type) == _fold(facts.request_type)),
            self.issue_type is None
            or (facts.issue_type is not None and _fold(self.issue_type) == _fold(facts.issue_type)),
            self.queue is None or _fold(self.queue) in {_fold(q) for q in facts.queues},
        )
        return all(checks)


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    levels: tuple[Level, ...]
    rules: tuple[MatchRule, ...] = ()
    mode: EscalationMode = EscalationMode.FUNCTIONAL
    # The fallback for incidents no policy's rules match; its own rules, if any, still match in order.
    default: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a Policy needs a name")
        if not self.levels:
            raise ValueError(f"policy {self.name!r} needs at least one level")
        if not self.rules and not self.default:
            raise ValueError(f"policy {self.name!r} matches nothing: give it match rules or make it the default")
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"policy {self.name!r} names a level twice")
        if self.mode is EscalationMode.HIERARCHICAL:
            # Hierarchical escalation informs; taking the incident away from its assignee is functional.
            reassigning = [level.name for level in self.levels if level.effects.reassign]
            if reassigning:
                raise ValueError(f"policy {self.name!r} is hierarchical but level {reassigning[0]!r} reassigns")

    def matches(self, facts: IncidentFacts) -> bool:
        return any(rule.matches(facts) for rule in self.rules)


def match_policy(policies: Iterable[Policy], facts: IncidentFacts) -> Policy | None:
    """The first policy (in config order) whose rules match; else the first default policy; else None."""
    fallback: Policy | None = None
    for policy in policies:
        if policy.matches(facts):
            return policy
        if policy.default and fallback is None:
            fallback = policy
    return fallback


def validate_policies(policies: Iterable[Policy]) -> list[tuple[str, dict[str, object]]]:
    """Problems across policies that a single policy cannot see, as (message id, parameters) for the layer
    that shows them to translate; empty when fine."""
    problems: list[tuple[str, dict[str, object]]] = []
    seen: set[str] = set()
    defaults = 0
    for policy in policies:
        if _fold(policy.name) in seen:
            problems.append(("Two escalation policies are named {name}", {"name": policy.name}))
        seen.add(_fold(policy.name))
        defaults += policy.default
    if defaults > 1:
        problems.append(("More than one escalation policy is the default; only the first is used", {}))
    return problems


# ---- a policy resolved against the present ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolvedLevel:
    """One level of a policy as it stands now: who is on call, from where, or why that is not known.

    `source` is where the answer actually came from: a level configured with a JSM Ops schedule that could not
    be read shows the Jira leads instead, labelled `JIRA_LEADS`, with `problem` saying why. `problem` is a
    message id and its parameters, for the UI to translate; None when the level resolved as configured."""

    index: int  # 0 = the first level
    name: str
    source: Source
    shifts: tuple[OnCallShift, ...] = ()
    response_timeout: timedelta | None = None
    effects: Effects = field(default_factory=Effects)
    problem: tuple[str, dict[str, object]] | None = None
    # The JSM Ops team to page for this level (a schedule's owner team, the team of a team escalation); None:
    # page the level's people directly, or not at all where there is no JSM Ops.
    team_id: str | None = None
    team_name: str | None = None

    @property
    def contacts(self) -> tuple[Contact, ...]:
        return tuple(shift.who for shift in self.shifts)


@dataclass(frozen=True, slots=True)
class ResolvedPolicy:
    """A policy's levels with their contacts now (team escalations expanded into their rules' levels)."""

    policy: Policy
    levels: tuple[ResolvedLevel, ...]
    resolved_at: datetime

    def level(self, index: int) -> ResolvedLevel | None:
        return self.levels[index] if 0 <= index < len(self.levels) else None
