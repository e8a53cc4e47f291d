"""Escalation in the config: [[contact]], [[rota]], [[escalation.policy]] and queues' escalation_due, loaded into the
domain's types through the real loader, each mistake reported with the file, the key path and what was expected."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from oncall_tui.cli_sim import sim_config
from oncall_tui.config import Config, ConfigError, EscalationConfig, load_config, save_config
from oncall_tui.domain.oncall import (
    Contact,
    EscalationMode,
    FixedContacts,
    IncidentFacts,
    MatchRule,
    RotaRef,
    ScheduleRef,
    TeamEscalationRef,
)
from oncall_tui.domain.rota import Rotation, on_call
from oncall_tui.sim.scenarios.people import SERVICE_TEAMS
from oncall_tui.sim.server import SimServer, build_site
from oncall_tui.sim.state import SimState
from tests.conftest import FROZEN_START

NO_LOCALE: dict[str, str] = {}
ZOE = "5b10ac8d82e05b22cc7d4ef5"
KENJI = "6a21bd9e93f16c33dd8f5a06"
TEAM_UUID = "4a0f3c1e-8b2d-4e5f-9a6b-7c8d9e0f1a2b"

CLOUD = """
[jira]
url = "https://example.atlassian.net"
email = "anna@example.com"

[[queues]]
name = "Open"
jql = "project = OPS"
"""

DATACENTER = """
[jira]
url = "https://jira.example.net"
deployment = "datacenter"

[[queues]]
name = "Open"
jql = "project = OPS"
"""


def write(tmp_path: Path, text: str, base: str = CLOUD) -> Path:
    path = tmp_path / "config.toml"
    # Top-level keys (`contact = …`) must come before the first table header to be top-level.
    path.write_text(text + base if not text.lstrip().startswith("[") else base + text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, base: str = CLOUD, profile: str | None = None) -> EscalationConfig:
    return load_config(write(tmp_path, text, base), profile, env=NO_LOCALE).escalation


def problems(tmp_path: Path, text: str, base: str = CLOUD) -> list[str]:
    path = write(tmp_path, text, base)
    with pytest.raises(ConfigError) as info:
        load_config(path, env=NO_LOCALE)
    lines = str(info.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    return [line.removeprefix(f"{path}: ") for line in lines]


def one_problem(tmp_path: Path, text: str, base: str = CLOUD) -> str:
    found = problems(tmp_path, text, base)
    assert len(found) == 1, found
    return found[0]


LEVEL_SCHEDULE = """
[[escalation.policy]]
name = "Payments"
match = [{ project = "OPS", component = "Payments" }, { label = "payments" }]
[[escalation.policy.level]]
name = "L1"
"""


# ---- happy paths, one per source kind ------------------------------------------------------------------------------


def test_no_escalation_tables_give_an_empty_escalation_config(tmp_path: Path) -> None:
    escalation = load(tmp_path, "")
    assert (escalation.policies, dict(escalation.rotas), dict(escalation.directory)) == ((), {}, {})
    assert load_config(write(tmp_path, ""), env=NO_LOCALE).queues[0].escalation_due is False


def test_schedule_level_by_name_with_timeout_and_effects(tmp_path: Path) -> None:
    escalation = load(
        tmp_path,
        LEVEL_SCHEDULE
        + """schedule = "Payments – Primary"
response_timeout = "15m"
reassign = true
priority = "High"
transition = "In Progress"
mention = true
page = true
""",
    )
    (policy,) = escalation.policies
    assert (policy.name, policy.mode, policy.default) == ("Payments", EscalationMode.FUNCTIONAL, False)
    assert policy.rules == (MatchRule(project="OPS", component="Payments"), MatchRule(label="payments"))
    (level,) = policy.levels
    assert level.contacts == ScheduleRef("Payments – Primary", by_name=True)
    assert level.response_timeout == timedelta(minutes=15)
    effects = level.effects
    assert (effects.reassign, effects.raise_priority_to, effects.transition, effects.mention, effects.page) == (
        True,
        "High",
        "In Progress",
        True,
        True,
    )
    assert escalation.policy_for(IncidentFacts(project="ops", components=frozenset({"payments"}))) is policy
    assert escalation.policy_for(IncidentFacts(project="OPS")) is None


def test_schedule_and_team_by_uuid_are_ids(tmp_path: Path) -> None:
    escalation = load(
        tmp_path,
        LEVEL_SCHEDULE
        + f"""schedule = "{TEAM_UUID}"
[[escalation.policy.level]]
name = "L2"
team = "{TEAM_UUID.upper()}"
[[escalation.policy.level]]
name = "L3"
team = "Payments Team"
escalation = "Payments – Escalation"
""",
    )
    levels = escalation.policies[0].levels
    assert levels[0].contacts == ScheduleRef(TEAM_UUID, by_name=False)
    assert levels[1].contacts == TeamEscalationRef(TEAM_UUID.upper(), by_name=False, escalation=None)
    assert levels[2].contacts == TeamEscalationRef("Payments Team", by_name=True, escalation="Payments – Escalation")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"90s"', timedelta(seconds=90)),
        ('"1h30m"', timedelta(minutes=90)),
        ('"2h"', timedelta(hours=2)),
        ("20", timedelta(minutes=20)),
    ],
)
def test_response_timeout_forms(tmp_path: Path, written: str, expected: timedelta) -> None:
    escalation = load(tmp_path, LEVEL_SCHEDULE + f'schedule = "S"\nresponse_timeout = {written}\n')
    assert escalation.policies[0].levels[0].response_timeout == expected


ROTA = f"""
[[contact]]
account_id = "{ZOE}"
phone = "+49 30 1234567"
email = "zoe@example.com"
chat = "@zoe"

[[rota]]
name = "DB follow-the-sun"
time_zone = "Asia/Tokyo"
rotation = "daily"
handover = "09:00"
start = 2026-11-02
participants = ["{ZOE}", {{ account_id = "{KENJI}", phone = "+81 3 1234 5678" }}]
[[rota.override]]
who = "{KENJI}"
start = 2026-11-02T09:00:00+09:00
end = 2026-11-02T21:00:00+09:00
instead_of = "{ZOE}"
"""


def test_rota_level_with_directory_and_override(tmp_path: Path) -> None:
    escalation = load(tmp_path, ROTA + LEVEL_SCHEDULE + 'rota = "DB follow-the-sun"\n')
    assert escalation.policies[0].levels[0].contacts == RotaRef("DB follow-the-sun")
    rota = escalation.rotas["DB follow-the-sun"]
    assert (rota.time_zone, rota.rotation, rota.handover, rota.start) == (
        "Asia/Tokyo",
        Rotation.DAILY,
        time(9),
        date(2026, 11, 2),
    )
    zoe, kenji = rota.participants
    # A bare id is completed from the directory; an inline contact keeps what it says.
    assert (zoe.account_id, zoe.phone, zoe.email, zoe.chat) == (ZOE, "+49 30 1234567", "zoe@example.com", "@zoe")
    assert (kenji.account_id, kenji.phone) == (KENJI, "+81 3 1234 5678")
    # 09:00 Tokyo is 00:00 UTC: Zoë's first day is Kenji's until 21:00 Tokyo (12:00 UTC), then hers again.
    morning = on_call(rota, datetime(2026, 11, 2, 3, tzinfo=UTC))
    assert morning.who.account_id == KENJI and morning.who.phone == "+81 3 1234 5678"
    assert on_call(rota, datetime(2026, 11, 2, 13, tzinfo=UTC)).who == zoe
    assert on_call(rota, datetime(2026, 11, 3, 1, tzinfo=UTC)).who == kenji


def test_fixed_contacts_and_enrich_from_the_directory(tmp_path: Path) -> None:
    escalation = load(
        tmp_path,
        ROTA + LEVEL_SCHEDULE + f'contacts = ["{ZOE}", {{ account_id = "{KENJI}", email = "kenji@example.com" }}]\n',
    )
    level = escalation.policies[0].levels[0]
    assert isinstance(level.contacts, FixedContacts)
    assert [(c.id, c.phone, c.email) for c in level.contacts.contacts] == [
        (ZOE, "+49 30 1234567", "zoe@example.com"),
        (KENJI, None, "kenji@example.com"),
    ]
    # What a JSM Ops schedule names by id only is completed from the directory; an unknown person stays as is.
    assert escalation.enrich(Contact(account_id=ZOE, display_name="Zoë Müller")) == Contact(
        account_id=ZOE, display_name="Zoë Müller", phone="+49 30 1234567", email="zoe@example.com", chat="@zoe"
    )
    assert escalation.enrich(Contact(account_id=KENJI)) == Contact(account_id=KENJI)


def test_bare_ids_are_usernames_on_data_center(tmp_path: Path) -> None:
    escalation = load(
        tmp_path,
        """
[[contact]]
username = "cschaefer"
phone = "+49 151 2345678"
[[escalation.policy]]
name = "Everything"
default = true
[[escalation.policy.level]]
name = "Duty"
contacts = ["cschaefer", "zmueller"]
""",
        DATACENTER,
    )
    (level,) = escalation.policies[0].levels
    assert isinstance(level.contacts, FixedContacts)
    assert [(c.username, c.account_id, c.phone) for c in level.contacts.contacts] == [
        ("cschaefer", None, "+49 151 2345678"),
        ("zmueller", None, None),
    ]
    assert set(escalation.directory) == {"cschaefer"}


def test_hierarchical_default_and_queue_rule(tmp_path: Path) -> None:
    escalation = load(
        tmp_path,
        """
[[queues]]
name = "Escalation due"
jql = "project = OPS"
escalation_due = true

[[escalation.policy]]
name = "Major"
mode = "hierarchical"
match = [{ label = "major-incident" }, { queue = "escalation DUE", issue_type = "Incident" }]
[[escalation.policy.level]]
name = "Duty manager"
schedule = "IT Ops Duty Manager"
mention = true

[[escalation.policy]]
name = "Fallback"
default = true
[[escalation.policy.level]]
name = "Service desk"
team = "IT Service Operations"
""",
    )
    major, fallback = escalation.policies
    assert major.mode is EscalationMode.HIERARCHICAL and fallback.default
    assert escalation.policy_for(IncidentFacts(labels=frozenset({"major-incident"}))) is major
    facts = IncidentFacts(issue_type="incident", queues=frozenset({"Escalation due"}))
    assert escalation.policy_for(facts) is major
    assert escalation.policy_for(IncidentFacts(project="CDH")) is fallback


def test_queue_escalation_due_flag(tmp_path: Path) -> None:
    path = write(tmp_path, '[[queues]]\nname = "Due"\njql = "project = OPS"\nescalation_due = true\n')
    queues = load_config(path, env=NO_LOCALE).queues
    assert [(q.name, q.escalation_due) for q in queues] == [("Open", False), ("Due", True)]
    bad = write(tmp_path, '[[queues]]\nname = "Due"\njql = "x"\nescalation_due = "yes"\n')
    with pytest.raises(ConfigError) as info:
        load_config(bad, env=NO_LOCALE)
    assert str(info.value) == f'{bad}: queues[1].escalation_due: expected true or false, got "yes"'


# ---- profiles ------------------------------------------------------------------------------------------------------

PROFILES = f"""
[[contact]]
account_id = "{ZOE}"
phone = "+49 30 1234567"

[[escalation.policy]]
name = "Top"
default = true
[[escalation.policy.level]]
name = "L1"
contacts = ["{ZOE}"]

[profiles.inherit]
[profiles.inherit.ui]
language = "de"

[profiles.own]
[[profiles.own.contact]]
account_id = "{KENJI}"
[[profiles.own.escalation.policy]]
name = "Own"
default = true
[[profiles.own.escalation.policy.level]]
name = "L1"
contacts = ["{ZOE}", "{KENJI}"]
"""


def test_profiles_inherit_or_replace_escalation_tables(tmp_path: Path) -> None:
    inherited = load(tmp_path, PROFILES, profile="inherit")
    assert [p.name for p in inherited.policies] == ["Top"]
    assert set(inherited.directory) == {ZOE}
    own = load(tmp_path, PROFILES, profile="own")
    assert [p.name for p in own.policies] == ["Own"]
    # The profile's [[contact]] replaces the top level's, as its [[queues]] would: Zoë's phone is not known there.
    assert set(own.directory) == {KENJI}
    level = own.policies[0].levels[0]
    assert isinstance(level.contacts, FixedContacts)
    assert [(c.id, c.phone) for c in level.contacts.contacts] == [(ZOE, None), (KENJI, None)]


def test_a_mistake_in_a_profile_is_reported_at_its_path(tmp_path: Path) -> None:
    text = PROFILES.replace(
        '[[profiles.own.escalation.policy.level]]\nname = "L1"',
        '[[profiles.own.escalation.policy.level]]\nname = "L1"\nrota = "Nope"',
    )
    assert problems(tmp_path, text) == [
        "profiles.own.escalation.policy[0].level[0]: expected exactly one of schedule, team, rota, contacts (where "
        "the level's contacts come from), got rota and contacts",
    ]


# ---- mistakes: each with the key path and what was expected ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[[contact]]\naccount_id = "a1"\nphnoe = "+49 1"\n',
            'contact[0].phnoe: unknown key; did you mean "phone"?',
        ),
        (
            '[[contact]]\nphone = "+49 30 1"\n',
            "contact[0]: expected account_id (Jira Cloud) or username (Data Center), got neither",
        ),
        (
            '[[contact]]\naccount_id = "a1"\nphone = "call me"\n',
            'contact[0].phone: expected a phone number such as "+49 30 1234567" (digits, spaces, + ( ) - . /), '
            'got "call me"',
        ),
        (
            '[[contact]]\naccount_id = "a1"\nemail = "anna"\n',
            'contact[0].email: expected an e-mail address, got "anna"',
        ),
        (
            '[[contact]]\naccount_id = "a1"\n[[contact]]\naccount_id = "a1"\n',
            'contact[1].account_id: expected each person once in [[contact]], got "a1" again (also contact[0])',
        ),
        ('contact = "a1"\n', 'contact: expected an array of tables ([[contact]]), got "a1"'),
        (
            "[escalation]\npolicies = []\n",
            'escalation.policies: unknown key; did you mean "policy"?',
        ),
        ("escalation = 3\n", "escalation: expected a table ([escalation]), got 3"),
    ],
    ids=["unknown-key", "no-identity", "phone", "email", "duplicate", "not-array", "escalation-key", "not-table"],
)
def test_contact_and_table_mistakes(tmp_path: Path, text: str, expected: str) -> None:
    assert one_problem(tmp_path, text) == expected


RIGHT_ROTA = """
[[rota]]
name = "R"
time_zone = "Europe/Berlin"
start = 2026-11-02
participants = ["a1", "b2"]
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'time_zone = "Europe/Berlin"',
            'time_zone = "Europe/Berln"',
            'rota[0].time_zone: expected an IANA time zone such as "Europe/Berlin", got "Europe/Berln" '
            '(did you mean "Europe/Berlin"?)',
        ),
        (
            'time_zone = "Europe/Berlin"',
            'time_zone = "Europe/Berlin"\nhandover = "9:00"',
            'rota[0].handover: expected a time of day "HH:MM" (24 hours, local to time_zone), such as "09:00", '
            'got "9:00"',
        ),
        (
            'time_zone = "Europe/Berlin"',
            'time_zone = "Europe/Berlin"\nhandover = "24:00"',
            'rota[0].handover: expected a time of day "HH:MM" (24 hours, local to time_zone), such as "09:00", '
            'got "24:00"',
        ),
        (
            'time_zone = "Europe/Berlin"',
            'time_zone = "Europe/Berlin"\nrotation = "weakly"',
            'rota[0].rotation: expected one of "daily", "weekly", got "weakly" (did you mean "weekly"?)',
        ),
        (
            "start = 2026-11-02",
            'start = "2026-11-02"',
            "rota[0].start: expected a TOML date such as 2026-11-02 (unquoted), the day of the first hand-over, "
            'got "2026-11-02"',
        ),
        (
            "start = 2026-11-02",
            "start = 2026-11-02T09:00:00+01:00",
            "rota[0].start: expected a TOML date such as 2026-11-02 (unquoted), the day of the first hand-over, "
            "got a date/time (2026-11-02T09:00:00+01:00)",
        ),
        (
            'participants = ["a1", "b2"]',
            "participants = []",
            "rota[0].participants: expected a non-empty array of ids or contact tables, got an empty array",
        ),
        (
            'participants = ["a1", "b2"]',
            'participants = ["a1", 7]',
            'rota[0].participants[1]: expected an account id or username, or a table such as { account_id = "…", '
            'phone = "…" }, got 7',
        ),
        (
            'participants = ["a1", "b2"]',
            'participants = ["a1", { acount_id = "b2" }]',
            [
                'rota[0].participants[1].acount_id: unknown key; did you mean "account_id"?',
                "rota[0].participants[1]: expected account_id (Jira Cloud) or username (Data Center), got neither",
            ],
        ),
        (
            'name = "R"',
            'name = "R"\nshift = "weekly"',
            "rota[0].shift: unknown key; expected one of: handover, name, override, participants, rotation, start, "
            "time_zone",
        ),
        (
            'participants = ["a1", "b2"]',
            'participants = ["a1", "b2"]\n[[rota.override]]\nwho = "b2"\nstart = 2026-12-01T09:00:00\n'
            "end = 2026-12-02T09:00:00+01:00",
            "rota[0].override[0].start: expected an offset date-time such as 2026-12-01T09:00:00+01:00 (unquoted, "
            "with its UTC offset), got a date/time (2026-12-01T09:00:00)",
        ),
        (
            'participants = ["a1", "b2"]',
            'participants = ["a1", "b2"]\n[[rota.override]]\nwho = "b2"\nstart = 2026-12-02T09:00:00+01:00\n'
            "end = 2026-12-01T09:00:00+01:00",
            "rota[0].override[0].end: expected an end after start (2026-12-02T09:00:00+01:00), got "
            "2026-12-01T09:00:00+01:00",
        ),
        (
            'participants = ["a1", "b2"]',
            'participants = ["a1", "b2"]\n[[rota.override]]\nwho = "b2"\nstart = 2026-12-01T09:00:00+01:00\n'
            'end = 2026-12-02T09:00:00+01:00\ninstead_of = "c3"',
            'rota[0].override[0].instead_of: "c3" is not a participant of this rota; known: "a1", "b2"',
        ),
        (
            'participants = ["a1", "b2"]',
            'participants = ["a1", "b2"]\n[[rota.override]]\nstart = 2026-12-01T09:00:00+01:00\n'
            "end = 2026-12-02T09:00:00+01:00",
            "rota[0].override[0].who: expected the person on call instead (an id or a contact table), got nothing "
            "(the key is missing)",
        ),
        (
            'participants = ["a1", "b2"]',
            'participants = ["a1", "b2"]\n[[rota]]\nname = "R"\ntime_zone = "UTC"\nstart = 2026-11-02\n'
            'participants = ["a1"]',
            'rota[1].name: expected a unique rota name, got "R" (also rota[0])',
        ),
    ],
    ids=[
        "zone",
        "hhmm",
        "hour-24",
        "rotation",
        "start-string",
        "start-datetime",
        "no-participants",
        "participant-type",
        "participant-key",
        "unknown-key",
        "override-local-time",
        "override-backwards",
        "instead-of-stranger",
        "override-no-who",
        "duplicate-name",
    ],
)
def test_rota_mistakes(tmp_path: Path, old: str, new: str, expected: str | list[str]) -> None:
    assert old in RIGHT_ROTA
    found = problems(tmp_path, RIGHT_ROTA.replace(old, new, 1))
    assert found == (expected if isinstance(expected, list) else [expected])


RIGHT_POLICY = """
[[queues]]
name = "Due"
jql = "project = OPS"

[[rota]]
name = "DB"
time_zone = "UTC"
start = 2026-11-02
participants = ["a1"]

[[escalation.policy]]
name = "P"
match = [{ project = "OPS" }]
[[escalation.policy.level]]
name = "L1"
schedule = "S"
response_timeout = "15m"
reassign = true
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'schedule = "S"',
            'rota = "Db"',
            'escalation.policy[0].level[0].rota: no [[rota]] is named "Db"; known: "DB"',
        ),
        (
            'schedule = "S"',
            'schedule = "S"\nteam = "T"',
            "escalation.policy[0].level[0]: expected exactly one of schedule, team, rota, contacts (where the "
            "level's contacts come from), got schedule and team",
        ),
        (
            'schedule = "S"',
            "",
            "escalation.policy[0].level[0]: expected exactly one of schedule, team, rota, contacts (where the "
            "level's contacts come from), got none",
        ),
        (
            'schedule = "S"',
            'schedule = "S"\nescalation = "E"',
            "escalation.policy[0].level[0].escalation: expected escalation only together with team (it names one "
            "of the team's escalations)",
        ),
        (
            'schedule = "S"',
            'schedule = ""',
            'escalation.policy[0].level[0].schedule: expected a JSM Ops schedule name or id, got ""',
        ),
        (
            'schedule = "S"',
            "contacts = []",
            "escalation.policy[0].level[0].contacts: expected a non-empty array of ids or contact tables, got an "
            "empty array",
        ),
        (
            'response_timeout = "15m"',
            'response_timeout = "15 minutes"',
            'escalation.policy[0].level[0].response_timeout: expected a duration such as "90s", "15m" or "1h30m", '
            'or a whole number of minutes, more than 0 and at most 7 days, got "15 minutes"',
        ),
        (
            'response_timeout = "15m"',
            "response_timeout = 0",
            'escalation.policy[0].level[0].response_timeout: expected a duration such as "90s", "15m" or "1h30m", '
            "or a whole number of minutes, more than 0 and at most 7 days, got 0",
        ),
        (
            'response_timeout = "15m"',
            'response_timeout = "200h"',
            'escalation.policy[0].level[0].response_timeout: expected a duration such as "90s", "15m" or "1h30m", '
            'or a whole number of minutes, more than 0 and at most 7 days, got "200h"',
        ),
        (
            "reassign = true",
            'reassign = "yes"',
            'escalation.policy[0].level[0].reassign: expected true or false, got "yes"',
        ),
        (
            "reassign = true",
            "priority = 2",
            'escalation.policy[0].level[0].priority: expected a priority name or id such as "High", got 2',
        ),
        (
            "reassign = true",
            "reasign = true",
            'escalation.policy[0].level[0].reasign: unknown key; did you mean "reassign"?',
        ),
        (
            'name = "L1"',
            "",
            "escalation.policy[0].level[0].name: expected a level name, got nothing (the key is missing)",
        ),
        (
            'match = [{ project = "OPS" }]',
            "",
            "escalation.policy[0].match: expected match rules, or default = true: a policy that matches nothing is "
            "never used",
        ),
        (
            'match = [{ project = "OPS" }]',
            "match = [{}]",
            "escalation.policy[0].match[0]: expected at least one of component, issue_type, label, project, queue, "
            "request_type in a rule (use default = true to match every incident)",
        ),
        (
            'match = [{ project = "OPS" }]',
            'match = [{ projekt = "OPS" }]',
            [
                'escalation.policy[0].match[0].projekt: unknown key; did you mean "project"?',
                "escalation.policy[0].match[0]: expected at least one of component, issue_type, label, project, "
                "queue, request_type in a rule (use default = true to match every incident)",
            ],
        ),
        (
            'match = [{ project = "OPS" }]',
            'match = [{ queue = "Overdue" }]',
            'escalation.policy[0].match[0].queue: no [[queues]] is named "Overdue"; known: "Open", "Due"',
        ),
        (
            'match = [{ project = "OPS" }]',
            'match = [{ project = "OPS" }]\nmode = "hierarchic"',
            'escalation.policy[0].mode: expected one of "functional", "hierarchical", got "hierarchic" '
            '(did you mean "hierarchical"?)',
        ),
        (
            'match = [{ project = "OPS" }]',
            'match = [{ project = "OPS" }]\nmode = "hierarchical"',
            "escalation.policy[0].level[0].reassign: expected no reassign in a hierarchical policy (it informs, the "
            'assignee stays); use mode = "functional" to hand the work over',
        ),
        (
            'name = "P"',
            'name = ""',
            'escalation.policy[0].name: expected a policy name, got ""',
        ),
        (
            "reassign = true",
            'reassign = true\n[[escalation.policy.level]]\nname = "L1"\nschedule = "T"',
            'escalation.policy[0].level[1].name: expected a unique level name in this policy, got "L1" '
            "(also escalation.policy[0].level[0])",
        ),
        (
            "[[escalation.policy.level]]",
            "[[escalation.policy.levels]]",
            [
                'escalation.policy[0].levels: unknown key; did you mean "level"?',
                # The level table under its wrong name is unknown, and the policy is then without levels.
                "escalation.policy[0].level: expected at least one [[escalation.policy.level]] table, got none",
            ],
        ),
    ],
    ids=[
        "missing-rota",
        "two-sources",
        "no-source",
        "escalation-without-team",
        "empty-schedule",
        "empty-contacts",
        "duration-words",
        "duration-zero",
        "duration-too-long",
        "flag-type",
        "priority-type",
        "level-unknown-key",
        "level-no-name",
        "matches-nothing",
        "empty-rule",
        "rule-unknown-key",
        "rule-unknown-queue",
        "mode",
        "hierarchical-reassign",
        "policy-no-name",
        "duplicate-level",
        "levels-typo",
    ],
)
def test_policy_mistakes(tmp_path: Path, old: str, new: str, expected: str | list[str]) -> None:
    assert old in RIGHT_POLICY
    found = problems(tmp_path, RIGHT_POLICY.replace(old, new, 1))
    assert found == (expected if isinstance(expected, list) else [expected])


def test_policies_across_duplicate_names_and_two_defaults(tmp_path: Path) -> None:
    level = '[[escalation.policy.level]]\nname = "L1"\nschedule = "S"\n'
    text = (
        '[[escalation.policy]]\nname = "Payments"\ndefault = true\n'
        + level
        + '[[escalation.policy]]\nname = "payments"\nmatch = [{ label = "x" }]\n'
        + level
        + '[[escalation.policy]]\nname = "Other"\ndefault = true\n'
        + level
    )
    assert problems(tmp_path, text) == [
        "escalation.policy[1].name: Two escalation policies are named payments",
        "escalation.policy[2].default: More than one escalation policy is the default; only the first is used",
    ]


def test_every_problem_is_collected_at_once(tmp_path: Path) -> None:
    text = RIGHT_POLICY.replace('schedule = "S"', 'rota = "Nope"').replace(
        'time_zone = "UTC"', 'time_zone = "Mars/Base"'
    )
    assert problems(tmp_path, text) == [
        'rota[0].time_zone: expected an IANA time zone such as "Europe/Berlin", got "Mars/Base"',
        'escalation.policy[0].level[0].rota: no [[rota]] is named "Nope"; known: "DB"',
    ]


# ---- the simulator's config: written, loaded with the real loader, checked against the simulated site ------------


def _sim_escalation(server: SimServer, tmp_path: Path) -> Config:
    login = server.login()
    data = sim_config(
        login.url,
        login.flavour,
        login.email,
        login.username,
        login.token,
        state=server.state,
        escalation_due_queue=True,
    )
    return load_config(save_config(tmp_path / "sim.toml", data), env={})


def _components(state: SimState) -> set[str]:
    return {c.name for project in state.projects.values() for c in project.components}


def _check_people_and_matches(config: Config, state: SimState, identity: str) -> None:
    escalation = config.escalation
    agents = {getattr(u, identity): u for u in state.users.values() if u.agent and u.active}
    # The directory is the scenario's people with the phones and e-mails the site gives them.
    assert escalation.directory and set(escalation.directory) <= set(agents)
    for contact in escalation.directory.values():
        user = agents[contact.id]
        assert (contact.phone, contact.email) == (user.phone, user.email)
    rules = [rule for policy in escalation.policies for rule in policy.rules]
    assert {r.component for r in rules if r.component} <= _components(state)
    assert {r.project for r in rules if r.project} <= set(state.projects)
    # The major-incident policy's label is one the scenarios' incidents carry (the outage's major incident).
    outage = build_site(scenario="outage", flavour=state.flavour, speed=0.0, start=FROZEN_START)
    labels = {label for site in (state, outage) for issue in site.issues.values() for label in issue.labels}
    assert {r.label for r in rules if r.label} <= labels
    for policy in escalation.policies:
        for level in policy.levels:
            people: tuple[Contact, ...] = ()
            if isinstance(level.contacts, FixedContacts):
                people = level.contacts.contacts
            elif isinstance(level.contacts, RotaRef):
                people = escalation.rotas[level.contacts.rota].participants
            for person in people:
                assert person.id in agents, (policy.name, level.name, person)
                # A level's people carry the directory's phone (the team lead's, to call at L3).
                assert person.phone == agents[person.id].phone
    # Every service component (but the rota's) falls to the policy of the team that runs it.
    for component, team in SERVICE_TEAMS.items():
        policy = escalation.policy_for(IncidentFacts(project="OPS", components=frozenset({component})))
        assert policy is not None and policy.name == (component if component == "Data Warehouse Exports" else team)
    major = escalation.policy_for(IncidentFacts(labels=frozenset({"major-incident"})))
    assert major is not None and major.mode is EscalationMode.HIERARCHICAL
    fallback = escalation.policy_for(IncidentFacts(project="XYZ"))
    assert fallback is not None and fallback.default
    assert [q.name for q in config.queues if q.escalation_due] == ["Escalation due"]
    # The rota is in a time zone none of the site's people lives in, and is running when the site starts.
    zones = {u.time_zone for u in state.users.values()}
    follow = escalation.rotas["Data Warehouse Exports – follow-the-sun"]
    assert follow.time_zone not in zones
    assert on_call(follow, state.now()).who.id in agents


def test_sim_config_escalation_fits_the_cloud_site(sim: SimServer, tmp_path: Path) -> None:
    config = _sim_escalation(sim, tmp_path)
    state = sim.state
    _check_people_and_matches(config, state, "account_id")
    schedules = {s.name for s in state.schedules.values()}
    teams = {t.name: t for t in state.teams.values()}
    kinds = set()
    for policy in config.escalation.policies:
        for level in policy.levels:
            kinds.add(type(level.contacts).__name__)
            if isinstance(level.contacts, ScheduleRef):
                assert level.contacts.by_name and level.contacts.schedule in schedules
            elif isinstance(level.contacts, TeamEscalationRef):
                team = teams[level.contacts.team]
                names = {e.name for e in state.escalations.values() if e.team_id == team.id}
                assert level.contacts.escalation in names
    assert kinds == {"ScheduleRef", "TeamEscalationRef", "RotaRef", "FixedContacts"}
    crm = next(p for p in config.escalation.policies if p.name == "CRM Platform Team")
    assert [level.contacts for level in crm.levels[:2]] == [
        ScheduleRef("CRM Platform Team – Primary"),
        ScheduleRef("CRM Platform Team – Secondary"),
    ]
    assert crm.levels[0].effects.page and crm.levels[0].response_timeout == timedelta(minutes=15)
    l2 = crm.levels[1].effects
    assert (l2.reassign, l2.raise_priority_to, l2.mention, l2.page) == (True, "Highest", True, True)
    # L4 informs the duty manager without taking the incident.
    assert crm.levels[3].contacts == ScheduleRef("IT Ops Duty Manager") and not crm.levels[3].effects.reassign


def test_sim_config_escalation_fits_the_data_center_site(dc_sim: SimServer, tmp_path: Path) -> None:
    config = _sim_escalation(dc_sim, tmp_path)
    _check_people_and_matches(config, dc_sim.state, "username")
    levels = [level for policy in config.escalation.policies for level in policy.levels]
    # No JSM Ops on Data Center: rotas and fixed people only, nothing pages.
    assert {type(level.contacts) for level in levels} == {RotaRef, FixedContacts}
    assert not any(level.effects.page for level in levels)
    assert all(c.username and not c.account_id for c in config.escalation.directory.values())
