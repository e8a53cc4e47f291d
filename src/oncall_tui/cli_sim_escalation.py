"""The escalation part of the config `oncall-tui sim --config-out` writes: policies that fit the scenario's teams,
schedules and people, so the demo shows every level source.

Cloud has JSM Ops: a policy per service team whose levels are the team's "– Primary" and "– Secondary" schedules,
the team lead and the duty-manager schedule, a team escalation for the CDH request project, and a follow-the-sun
rota in a time zone none of the users is in. Data Center has no JSM Ops, so there the same policies use rotas
built like the simulator's schedules (weekly, Monday 09:00 in the lead's zone) and fixed people, by username.

People, team names and schedule names do not depend on the scenario's seed (see `sim/scenarios/people.py`), so a
config written for one simulator run stays valid for the next.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oncall_tui.sim.model import User
    from oncall_tui.sim.state import SimState

MAJOR_INCIDENT_LABEL = "major-incident"
DWH_COMPONENT = "Data Warehouse Exports"
DWH_ROTA = "Data Warehouse Exports – follow-the-sun"
# Offshore night cover for the exports: a zone none of the scenario's people is in, with a hand-over that falls
# in the middle of the European night (06:30 in Kolkata is 01:00 UTC: 02:00 CET, 03:00 CEST).
DWH_ROTA_ZONE = "Asia/Kolkata"
DWH_ROTA_PEOPLE = ("Priya Raman", "Ólafur Þórsson", "Sophie Krämer")
SERVICE_DESK = ("Jürgen Weiß", "Inès Lefèvre")
DUTY_ROTA = "IT Ops duty manager"
CDH_PROJECT = "CDH"
ESCALATION_DUE_QUEUE = "Escalation due"


def _rota_start(now: datetime, weeks_back: int = 4) -> date:
    """A Monday some weeks before `now`: every rota has been running for a while when the demo starts."""
    today = now.astimezone(UTC).date()
    return today - timedelta(days=today.weekday(), weeks=weeks_back)


def escalation_tables(flavour: str, state: SimState | None = None) -> dict[str, Any]:
    """The [[contact]], [[rota]] and [escalation] tables for a simulator of `flavour`, plus the queue that holds
    incidents whose escalation is due (under "queues", for the caller to append)."""
    from oncall_tui.sim.scenarios.oncall import DUTY_MANAGER_SCHEDULE, DUTY_MANAGERS
    from oncall_tui.sim.scenarios.people import AGENTS, OPS_TEAM, SERVICE_TEAMS, build_users

    cloud = flavour == "cloud"
    agents, _ = build_users()
    by_name: dict[str, User] = {u.display_name: u for u in agents if u.active}

    def who(name: str) -> str:
        user = by_name[name]
        return user.account_id if cloud else user.username

    contacts = [
        {
            ("account_id" if cloud else "username"): who(user.display_name),
            "phone": user.phone,
            "email": user.email,
            "chat": f"@{user.username}",
        }
        for user in by_name.values()
    ]
    now = state.now() if state is not None else datetime.now(UTC)
    start = _rota_start(now)
    rotas: list[dict[str, Any]] = [
        {
            "name": DWH_ROTA,
            "time_zone": DWH_ROTA_ZONE,
            "rotation": "daily",
            "handover": "06:30",
            "start": start,
            "participants": [who(n) for n in DWH_ROTA_PEOPLE],
        }
    ]
    teams = list(dict.fromkeys(SERVICE_TEAMS.values()))
    members = {t: [p for p in AGENTS if p.team == t and p.active] for t in [*teams, OPS_TEAM]}
    leads = {t: next(p for p in people if p.lead) for t, people in members.items()}
    if not cloud:
        rotas.append(
            {
                "name": DUTY_ROTA,
                "time_zone": "Europe/Berlin",
                "handover": "09:00",
                "start": start,
                "participants": [who(n) for n in DUTY_MANAGERS],
            }
        )
        rotas.extend(
            {
                "name": f"{team} on-call",
                "time_zone": leads[team].time_zone,
                "rotation": "weekly",
                "handover": "09:00",
                "start": start,
                "participants": [who(p.display_name) for p in members[team]],
            }
            for team in teams
        )
    duty: dict[str, Any] = {"schedule": DUTY_MANAGER_SCHEDULE} if cloud else {"rota": DUTY_ROTA}
    page = {"page": True} if cloud else {}

    def team_levels(team: str, first: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        l1 = first or ({"schedule": f"{team} – Primary"} if cloud else {"rota": f"{team} on-call"})
        levels = [
            {"name": "L1 on-call", **l1, "response_timeout": "15m", "reassign": True, **page},
        ]
        if cloud:
            levels.append(
                {
                    "name": "L2 secondary",
                    "schedule": f"{team} – Secondary",
                    "response_timeout": "15m",
                    "reassign": True,
                    "priority": "Highest",
                    "transition": "Escalate",
                    "mention": True,
                    "page": True,
                }
            )
        levels.append(
            {
                "name": "L3 team lead",
                "contacts": [who(leads[team].display_name)],
                "response_timeout": "30m",
                "reassign": True,
                "mention": True,
                **({} if cloud else {"priority": "Highest", "transition": "Escalate"}),
            }
        )
        levels.append({"name": "L4 duty manager", **duty, "mention": True})
        return levels

    policies: list[dict[str, Any]] = [
        {
            "name": "Major incident",
            "mode": "hierarchical",
            "match": [{"label": MAJOR_INCIDENT_LABEL}],
            "level": [
                {"name": "Incident manager", **duty, "response_timeout": "10m", "mention": True, **page},
                {"name": "Head of IT Operations", "contacts": [who(leads[OPS_TEAM].display_name)], "mention": True},
            ],
        },
        {
            # Before its team's policy: first match wins.
            "name": DWH_COMPONENT,
            "match": [{"component": DWH_COMPONENT}],
            "level": team_levels(SERVICE_TEAMS[DWH_COMPONENT], {"rota": DWH_ROTA}),
        },
    ]
    for team in teams:
        components = [c for c, t in SERVICE_TEAMS.items() if t == team and c != DWH_COMPONENT]
        policies.append({"name": team, "match": [{"component": c} for c in components], "level": team_levels(team)})
    if cloud:
        # The request project's team escalation: its rules (primary, secondary, lead, duty manager) are the levels.
        cdh_team = SERVICE_TEAMS["Customer Data Hub"]
        policies.append(
            {
                "name": "CDH requests",
                "match": [{"project": CDH_PROJECT}],
                "level": [{"name": "CDH escalation", "team": cdh_team, "escalation": f"{cdh_team} – Escalation"}],
            }
        )
    policies.append(
        {
            "name": "Service desk",
            "default": True,
            "level": [
                {
                    "name": "Service desk",
                    "contacts": [who(n) for n in SERVICE_DESK],
                    "response_timeout": "30m",
                    "reassign": True,
                },
                {"name": "Duty manager", **duty, "mention": True, **page},
            ],
        }
    )
    return {
        "contact": contacts,
        "rota": rotas,
        "escalation": {"policy": policies},
        "queues": [
            {
                "name": ESCALATION_DUE_QUEUE,
                "jql": "project in (OPS, CDH) AND statusCategory != Done ORDER BY priority DESC",
                "escalation_due": True,
            }
        ],
    }
