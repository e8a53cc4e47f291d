"""JSM Ops data: one team per service group, weekly primary/secondary rotations, a duty-manager schedule,
and a four-level escalation per team."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from oncall_tui.sim.model import Escalation, EscalationRule, Rotation, Schedule, Team, User
from oncall_tui.sim.scenarios.people import AGENTS, OPS_TEAM, SERVICE_TEAMS
from oncall_tui.sim.state import SimState

DUTY_MANAGER_SCHEDULE = "IT Ops Duty Manager"
DUTY_MANAGERS = ("Claudia Schäfer", "Rui Carvalho")
# Weeks of rotation history before the current shift, so "who was on call yesterday" has an answer.
_HISTORY_WEEKS = 4


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def last_handover(now: datetime, zone: str) -> datetime:
    """The most recent Monday 09:00 (local time in `zone`) at or before `now`, as UTC."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    handover = datetime.combine(monday, time(9), tz)
    if handover > local:
        handover = datetime.combine(monday - timedelta(days=7), time(9), tz)
    return handover.astimezone(now.tzinfo)


def _rotation(rng: random.Random, name: str, now: datetime, zone: str, on_call_now: list[str]) -> Rotation:
    """A weekly rotation whose shift containing `now` belongs to `on_call_now[0]`.

    The start lies a few weeks back (in local time, so it is still a Monday 09:00 after DST changes);
    the participant list is rotated so the shift arithmetic lands on the intended person now.
    """
    current = last_handover(now, zone)
    local = current.astimezone(ZoneInfo(zone))
    start_local = datetime.combine(local.date() - timedelta(weeks=_HISTORY_WEEKS), time(9), ZoneInfo(zone))
    shift = _HISTORY_WEEKS % len(on_call_now)
    participants = on_call_now[-shift:] + on_call_now[:-shift] if shift else list(on_call_now)
    return Rotation(
        id=_uuid(rng),
        name=name,
        start=start_local.astimezone(now.tzinfo),
        length_hours=168,
        participant_ids=participants,
    )


def install_oncall(state: SimState, rng: random.Random, agents: dict[str, User]) -> None:
    """`agents` maps display name -> user."""
    now = state.now()
    team_names = list(dict.fromkeys([*SERVICE_TEAMS.values(), OPS_TEAM]))
    for team_name in team_names:
        people = [p for p in AGENTS if p.team == team_name and p.active]
        lead = next(p for p in people if p.lead)
        member_ids = [agents[p.display_name].account_id for p in people]
        team = Team(_uuid(rng), team_name, member_ids, agents[lead.display_name].account_id)
        state.teams[team.id] = team
        if team_name == OPS_TEAM:
            continue
        zone = lead.time_zone
        order = list(member_ids)
        rng.shuffle(order)
        secondary_order = order[1:] + order[:1]  # never the primary's person in the same week
        primary = Schedule(
            _uuid(rng),
            f"{team_name} – Primary",
            team.id,
            zone,
            [_rotation(rng, "Weekly primary", now, zone, order)],
            description=f"First line on-call for {team_name}; handover Monday 09:00.",
        )
        secondary = Schedule(
            _uuid(rng),
            f"{team_name} – Secondary",
            team.id,
            zone,
            [_rotation(rng, "Weekly secondary", now, zone, secondary_order)],
            description=f"Backup on-call for {team_name}.",
        )
        state.schedules[primary.id] = primary
        state.schedules[secondary.id] = secondary

    ops_team = next(t for t in state.teams.values() if t.name == OPS_TEAM)
    managers = [agents[name].account_id for name in DUTY_MANAGERS]
    rng.shuffle(managers)
    duty = Schedule(
        _uuid(rng),
        DUTY_MANAGER_SCHEDULE,
        ops_team.id,
        "Europe/Berlin",
        [_rotation(rng, "Weekly duty manager", now, "Europe/Berlin", managers)],
        description="Major-incident manager and last escalation level for all service teams.",
    )
    state.schedules[duty.id] = duty

    for team in list(state.teams.values()):
        if team.name == OPS_TEAM:
            continue
        primary_id = _schedule_id(state, f"{team.name} – Primary")
        secondary_id = _schedule_id(state, f"{team.name} – Secondary")
        escalation = Escalation(
            _uuid(rng),
            f"{team.name} – Escalation",
            team.id,
            [
                EscalationRule(0, "schedule", primary_id),
                EscalationRule(15, "schedule", secondary_id),
                EscalationRule(30, "user", team.lead or team.member_ids[0]),
                EscalationRule(60, "schedule", duty.id),
            ],
            description="L1 primary on-call, L2 secondary, L3 team lead, L4 duty manager.",
        )
        state.escalations[escalation.id] = escalation


def _schedule_id(state: SimState, name: str) -> str:
    return next(s.id for s in state.schedules.values() if s.name == name)


def team_for_component(state: SimState, component_id: str) -> Team | None:
    """The JSM Ops team that runs the service behind a component, or None if no team is known."""
    for project in state.projects.values():
        for component in project.components:
            if component.id == component_id:
                team_name = SERVICE_TEAMS.get(component.name)
                if team_name is None:
                    return None
                return next((t for t in state.teams.values() if t.name == team_name), None)
    return None
