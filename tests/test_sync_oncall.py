"""On-call resolution (sync/oncall.py, OnCallBook) through the simulator's JSM Ops endpoints and config rotas.

Expected people and hand-overs are computed here from the scenario's data (the sim state's rotations: start,
shift length, participants, zone) with plain wall-clock arithmetic, or from the rota's definition written out
by hand, never through the app's or the simulator's rotation code. Requests are counted from what the
simulator served (CheckedSimServer.exchanges), so "from the cache" means "no request".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest

from oncall_tui.config_schema import JiraConfig
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.oncall import (
    Contact,
    Effects,
    FixedContacts,
    Level,
    Policy,
    ResolvedPolicy,
    RotaRef,
    ScheduleRef,
    Source,
    TeamEscalationRef,
)
from oncall_tui.domain.people import Person
from oncall_tui.domain.rota import Rota, Rotation
from oncall_tui.i18n import MESSAGES
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.ops import OpsClient
from oncall_tui.sim.model import Schedule
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.leads import Leads
from oncall_tui.sync.oncall import OnCallBook, OnCallLoaded
from oncall_tui.sync.oncall_problems import PROBLEMS, Reason
from tests.conftest import CheckedSimServer, start_sim

T = TypeVar("T")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
def dc_sim() -> Iterator[CheckedSimServer]:
    server = start_sim(flavour="datacenter")
    yield server
    server.stop()


async def _no_sleep(_seconds: float) -> None:
    return None


class Clocks:
    """The book's wall clock (the simulator's, unless a test pins it) and a monotonic clock tests move."""

    def __init__(self, sim: CheckedSimServer) -> None:
        self.sim = sim
        self.pinned: datetime | None = None
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.pinned or self.sim.state.now()

    def monotonic(self) -> float:
        return self.mono


class Harness:
    def __init__(
        self, sim: CheckedSimServer, jira: JiraClient, *, rotas: dict[str, Rota], directory: dict[str, Contact]
    ):
        self.clocks = Clocks(sim)
        self.events: list[object] = []
        bus = EventBus()
        bus.subscribe(self.events.append)
        ops = OpsClient(jira)
        self.book = OnCallBook(
            client=lambda: jira,
            ops=lambda: ops,
            rotas=rotas,
            directory=directory,
            bus=bus,
            clock=self.clocks.now,
            monotonic=self.clocks.monotonic,
            spawn=lambda coro: asyncio.get_running_loop().create_task(coro),
            ttl=60.0,
            retry=30.0,
        )


def run(
    sim: CheckedSimServer,
    use: Callable[[Harness], Awaitable[T]],
    *,
    rotas: dict[str, Rota] | None = None,
    directory: dict[str, Contact] | None = None,
) -> T:
    login = sim.login()
    config = JiraConfig(
        url=login.url, deployment=login.flavour, email=login.email if login.flavour == "cloud" else None
    )

    async def go() -> T:
        async with JiraClient(config, login.token, sleep=_no_sleep) as jira:
            return await use(Harness(sim, jira, rotas=rotas or {}, directory=directory or {}))

    return asyncio.run(go())


def requests(sim: CheckedSimServer, pattern: str = "") -> int:
    return sum(1 for ex in sim.exchanges if re.search(pattern, ex.path) and not ex.path.startswith("/_sim"))


def advance_sim_clock(sim: CheckedSimServer, to: datetime) -> None:
    seconds = (to - sim.state.now()).total_seconds()
    assert seconds >= 0
    assert httpx.post(f"{sim.url}/_sim/clock", json={"advance": seconds}, timeout=10).status_code == 200


def by_name(sim: CheckedSimServer, name: str) -> Schedule:
    return next(s for s in sim.state.schedules.values() if s.name == name)


def expected(schedule: Schedule, at: datetime) -> tuple[str, datetime, str]:
    """(on call at `at`, when that shift ends, who is on call next) for a one-rotation schedule: shifts are laid
    out in the schedule zone's wall-clock time (a weekly Monday 09:00 stays 09:00 local across DST)."""
    (rotation,) = schedule.rotations
    tz = ZoneInfo(schedule.time_zone)
    start = rotation.start.astimezone(tz).replace(tzinfo=None)
    shift = timedelta(hours=rotation.length_hours)
    index = (at.astimezone(tz).replace(tzinfo=None) - start) // shift
    people = rotation.participant_ids
    ends = (start + (index + 1) * shift).replace(tzinfo=tz)
    return people[index % len(people)], ends, people[(index + 1) % len(people)]


def incident(sim: CheckedSimServer, key: str = "OPS-1") -> Incident:
    issue = sim.state.issues[key]
    project = sim.state.projects[issue.project_key]
    names = [c.name for c in project.components if c.id in issue.component_ids]
    return Incident(key=issue.key, id=str(issue.id), summary=issue.summary, components=tuple(names))


def person(sim: CheckedSimServer, account_id: str) -> Person:
    user = sim.state.users[account_id]
    cloud = sim.state.flavour == "cloud"
    return Person(
        display_name=user.display_name,
        account_id=user.account_id if cloud else None,
        username=None if cloud else user.username,
        time_zone=user.time_zone,
    )


def leads_of(sim: CheckedSimServer, project_key: str = "OPS") -> Leads:
    project = sim.state.projects[project_key]
    components = {c.name: person(sim, c.lead) for c in project.components if c.lead}
    return person(sim, project.lead), components


def policy(*levels: Level) -> Policy:
    return Policy(name="Test policy", levels=levels, default=True)


# ---- JSM Ops schedules ------------------------------------------------------------------------------------


def test_a_schedule_level_names_who_is_on_call_until_when_and_who_is_next(sim: CheckedSimServer) -> None:
    schedule = by_name(sim, "Telematics Ops – Primary")  # Helsinki: hands over at 09:00 Helsinki time
    now = sim.state.now()
    who, until, following = expected(schedule, now)
    user = sim.state.users[who]
    directory = {who: Contact(account_id=who, phone="+358 40 123 4567", chat="@oncall")}
    chosen = policy(Level("L1", ScheduleRef(schedule.name), effects=Effects(page=True)))

    answer = run(sim, lambda h: h.book.resolve(chosen, incident(sim), None), directory=directory)

    (level,) = answer.levels
    assert (level.index, level.name, level.source, level.problem) == (0, "L1", Source.JSM_OPS_SCHEDULE, None)
    assert (level.team_id, level.team_name) == (schedule.team_id, sim.state.teams[schedule.team_id].name)
    assert level.effects == Effects(page=True)
    (shift,) = level.shifts
    assert shift.who.account_id == who
    assert (shift.who.display_name, shift.who.time_zone) == (user.display_name, user.time_zone)
    assert (shift.who.phone, shift.who.chat, shift.who.email) == ("+358 40 123 4567", "@oncall", user.email)
    assert shift.until == until and shift.next_from == until
    assert shift.next is not None and shift.next.account_id == following
    assert shift.next.display_name == sim.state.users[following].display_name


def test_hand_over_in_another_time_zone_makes_the_cached_answer_stale_at_once(sim: CheckedSimServer) -> None:
    schedule = by_name(sim, "Telematics Ops – Primary")
    chosen = policy(Level("L1", ScheduleRef(schedule.name)))
    case = incident(sim)
    before, handover, after = expected(schedule, sim.state.now())
    # The hand-over is Monday 09:00 in Helsinki: 07:00 UTC in winter, not 08:00 as in Berlin.
    assert handover.astimezone(ZoneInfo("Europe/Helsinki")).time() == time(9, 0)
    assert handover.astimezone(UTC).time() == time(7, 0)

    async def use(h: Harness) -> Any:
        first = h.book.get(chosen, case, None)
        assert first is None  # nothing known yet: a resolve starts
        answer = await h.book.resolve(chosen, case, None)
        assert h.events == [OnCallLoaded(chosen.name)]
        served = requests(sim)
        again = h.book.get(chosen, case, None)
        assert again is not None and again.levels == answer.levels
        assert requests(sim) == served, "a fresh answer comes from the cache"

        advance_sim_clock(sim, handover - timedelta(seconds=1))
        assert h.book.get(chosen, case, None) == again
        assert requests(sim) == served, "one second before the hand-over the answer is still fresh"

        advance_sim_clock(sim, handover)
        stale = h.book.get(chosen, case, None)
        assert stale is not None and stale.levels == answer.levels  # the stale answer while a new one comes
        new = await h.book.resolve(chosen, case, None)
        assert requests(sim) > served
        assert h.events == [OnCallLoaded(chosen.name)] * 2
        return answer, new

    answer, new = run(sim, use)
    assert answer.levels[0].shifts[0].who.account_id == before
    (shift,) = new.levels[0].shifts
    who_now, until_now, _ = expected(schedule, handover)
    assert shift.who.account_id == who_now == after != before
    assert shift.until == until_now == handover + timedelta(weeks=1)


def test_a_schedule_shift_across_the_daylight_saving_change_is_an_hour_shorter(sim: CheckedSimServer) -> None:
    schedule = by_name(sim, "Telematics Ops – Primary")
    chosen = policy(Level("L1", ScheduleRef(schedule.id, by_name=False)))
    # Sunday 29 March 2026, after Europe's spring-forward: Monday's 09:00 Helsinki hand-over is 06:00 UTC.
    advance_sim_clock(sim, datetime(2026, 3, 29, 12, 0, tzinfo=UTC))
    who, until, following = expected(schedule, sim.state.now())
    assert until == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)

    answer = run(sim, lambda h: h.book.resolve(chosen, incident(sim), None))

    (shift,) = answer.levels[0].shifts
    assert shift.who.account_id == who and shift.until == until
    assert shift.next is not None and shift.next.account_id == following


def test_a_team_escalation_becomes_one_level_per_rule(sim: CheckedSimServer) -> None:
    team = next(t for t in sim.state.teams.values() if t.name == "Telematics Ops")
    escalation = next(e for e in sim.state.escalations.values() if e.team_id == team.id)
    chosen = policy(
        Level("Ops", TeamEscalationRef(team.name), response_timeout=timedelta(hours=2), effects=Effects(mention=True))
    )
    now = sim.state.now()

    answer = run(sim, lambda h: h.book.resolve(chosen, incident(sim), None))

    rules = sorted(escalation.rules, key=lambda r: r.delay_minutes)
    assert [level.name for level in answer.levels] == [f"Ops {n}" for n in range(1, len(rules) + 1)]
    assert [level.index for level in answer.levels] == list(range(len(rules)))
    delays = [r.delay_minutes for r in rules]
    timeouts = [timedelta(minutes=b - a) for a, b in pairwise(delays)] + [timedelta(hours=2)]
    assert [level.response_timeout for level in answer.levels] == timeouts
    for level, rule in zip(answer.levels, rules, strict=True):
        assert level.problem is None and level.effects == Effects(mention=True)
        # A schedule rule pages the schedule's owner team (the duty manager's is IT Ops), the others this team.
        owner = sim.state.schedules[rule.recipient_id].team_id if rule.recipient_type == "schedule" else team.id
        assert level.team_id == owner
        people = [s.who.account_id for s in level.shifts]
        if rule.recipient_type == "schedule":
            assert level.source is Source.JSM_OPS_SCHEDULE
            assert people == [expected(sim.state.schedules[rule.recipient_id], now)[0]]
        else:
            assert level.source is Source.JSM_OPS_TEAM
            assert people == [rule.recipient_id]
            assert level.shifts[0].who.display_name == sim.state.users[rule.recipient_id].display_name


# ---- config rotas ---------------------------------------------------------------------------------------------


def _rota(sim: CheckedSimServer) -> tuple[Rota, list[str]]:
    agents = [u.account_id for u in sim.state.users.values() if u.agent and u.active][:3]
    rota = Rota(
        name="NYC follow-the-sun",
        participants=tuple(Contact(account_id=a) for a in agents),
        time_zone="America/New_York",
        start=date(2026, 3, 2),
        handover=time(9, 0),
        rotation=Rotation.DAILY,
    )
    return rota, agents


def test_a_rota_hands_over_at_local_time_across_the_us_daylight_saving_change(sim: CheckedSimServer) -> None:
    rota, agents = _rota(sim)
    chosen = policy(Level("L1", RotaRef(rota.name)))
    case = incident(sim)
    # Daily turns from Monday 2 March, 09:00 New York. The US springs forward on Sunday 8 March: Saturday's turn
    # (the 6th, index 5) starts 09:00 EST = 14:00 UTC and ends Sunday 09:00 EDT = 13:00 UTC, 23 hours later.
    saturday, sunday = datetime(2026, 3, 7, 14, 0, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    assert (saturday.astimezone(NEW_YORK).hour, sunday.astimezone(NEW_YORK).hour) == (9, 9)

    async def use(h: Harness) -> Any:
        h.clocks.pinned = datetime(2026, 3, 8, 12, 30, tzinfo=UTC)  # 07:30 EST would be 08:30 EDT: before 09:00
        first = await h.book.resolve(chosen, case, None)
        served = requests(sim)
        assert requests(sim, r"/rest/api/3/user$") == 2, "this turn's person and the next's, each asked once"
        h.clocks.pinned = sunday - timedelta(microseconds=1)
        assert h.book.get(chosen, case, None) == first and requests(sim) == served
        h.clocks.pinned = sunday
        assert h.book.get(chosen, case, None) == first  # stale: a resolve is under way
        second = await h.book.resolve(chosen, case, None)
        # People are cached: only the person after the new turn is new to the book.
        assert requests(sim) == served + 1 and requests(sim, r"/rest/api/3/user$") == 3
        return first, second

    first, second = run(sim, use, rotas={rota.name: rota})
    (shift,) = first.levels[0].shifts
    assert first.levels[0].source is Source.CONFIG_ROTA and first.levels[0].problem is None
    assert shift.who.account_id == agents[5 % 3]
    assert (shift.since, shift.until) == (saturday, sunday) and shift.until - shift.since == timedelta(hours=23)
    assert shift.next is not None and shift.next.account_id == agents[6 % 3] and shift.next_from == sunday
    user = sim.state.users[agents[5 % 3]]
    assert (shift.who.display_name, shift.who.time_zone) == (user.display_name, user.time_zone)
    (later,) = second.levels[0].shifts
    assert later.who.account_id == agents[6 % 3] and later.since == sunday
    assert later.until == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # EDT now: 24 h again


def test_a_rota_not_started_falls_back_to_the_component_lead(sim: CheckedSimServer) -> None:
    rota, _agents = _rota(sim)
    chosen = policy(Level("L1", RotaRef(rota.name)), Level("L2", RotaRef("no such rota")))
    case = incident(sim)
    leads = leads_of(sim)
    component = case.components[0]
    lead = leads[1][component]

    async def use(h: Harness) -> ResolvedPolicy:
        h.clocks.pinned = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        return await h.book.resolve(chosen, case, leads)

    answer = run(sim, use, rotas={rota.name: rota})
    for level in answer.levels:
        assert level.source is Source.JIRA_LEADS
        assert [s.who.account_id for s in level.shifts] == [lead.account_id]
        assert all(s.source is Source.JIRA_LEADS for s in level.shifts)
    assert answer.levels[0].problem == (
        PROBLEMS[(Reason.ROTA_NOT_STARTED, True)],
        {"what": rota.name, "start": datetime(2026, 3, 2, 14, 0, tzinfo=UTC).isoformat()},
    )
    assert answer.levels[1].problem == (PROBLEMS[(Reason.NO_ROTA, True)], {"what": "no such rota"})


# ---- failures: leads with the reason, other levels still resolve --------------------------------------------------


def test_data_center_shows_the_leads_with_the_reason_and_fixed_people_still_resolve(dc_sim: CheckedSimServer) -> None:
    manager = next(u for u in dc_sim.state.users.values() if u.agent)
    chosen = policy(
        Level("L1", ScheduleRef("Telematics Ops – Primary")),
        Level("Duty manager", FixedContacts((Contact(username=manager.username, phone="+49 30 1234"),))),
    )
    case = incident(dc_sim)
    leads = leads_of(dc_sim)
    lead = leads[1][case.components[0]]

    answer = run(dc_sim, lambda h: h.book.resolve(chosen, case, leads))

    first, second = answer.levels
    assert first.source is Source.JIRA_LEADS
    assert first.problem == (PROBLEMS[(Reason.DATA_CENTER, True)], {})
    assert [s.who.username for s in first.shifts] == [lead.username]
    assert second.source is Source.FIXED and second.problem is None
    (fixed,) = second.shifts
    assert (fixed.who.username, fixed.who.display_name, fixed.who.time_zone, fixed.who.phone) == (
        manager.username,
        manager.display_name,
        manager.time_zone,
        "+49 30 1234",
    )
    assert requests(dc_sim, "/jsm/ops|tenant_info") == 0


def test_a_permission_error_shows_the_project_lead_and_is_retried_later(sim: CheckedSimServer) -> None:
    rota, _agents = _rota(sim)
    schedule = by_name(sim, "Telematics Ops – Primary")
    chosen = policy(Level("L1", ScheduleRef(schedule.name)), Level("L2", RotaRef(rota.name)))
    case = Incident(key="OPS-99", id="99", summary="no component")
    leads = leads_of(sim)
    sim.set_faults("status=403,paths=/jsm/ops")

    async def use(h: Harness) -> Any:
        h.clocks.pinned = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # the rota has started
        denied = await h.book.resolve(chosen, case, leads)
        unknown = h.book.get(chosen, case, None)
        served = requests(sim, "/jsm/ops")
        h.clocks.mono += 29.0
        assert h.book.get(chosen, case, leads) == denied and requests(sim, "/jsm/ops") == served
        sim.set_faults(None)
        h.clocks.mono += 1.0  # the retry pause (30 s) is over, though the ttl (60 s) is not
        h.book.get(chosen, case, leads)
        healed = await h.book.resolve(chosen, case, leads)
        return denied, unknown, healed

    denied, unknown, healed = run(sim, use, rotas={rota.name: rota})
    level = denied.levels[0]
    assert level.source is Source.JIRA_LEADS
    assert level.problem == (PROBLEMS[(Reason.OPS_DENIED, True)], {"what": schedule.name})
    assert [s.who.account_id for s in level.shifts] == [leads[0].account_id]  # no component: the project lead
    assert denied.levels[1].source is Source.CONFIG_ROTA and denied.levels[1].shifts
    # Without known leads the level is empty and says so.
    assert unknown is not None and unknown.levels[0].shifts == ()
    assert unknown.levels[0].problem == (PROBLEMS[(Reason.OPS_DENIED, False)], {"what": schedule.name})
    assert healed.levels[0].source is Source.JSM_OPS_SCHEDULE and healed.levels[0].problem is None
    assert healed.levels[0].shifts[0].who.account_id == expected(schedule, sim.state.now())[0]


def test_an_unknown_schedule_or_team_is_named_in_the_problem(sim: CheckedSimServer) -> None:
    chosen = policy(Level("L1", ScheduleRef("Nope")), Level("L2", TeamEscalationRef("No team")))
    answer = run(sim, lambda h: h.book.resolve(chosen, incident(sim), leads_of(sim)))
    assert [level.problem for level in answer.levels] == [
        (PROBLEMS[(Reason.NO_SCHEDULE, True)], {"what": "Nope"}),
        (PROBLEMS[(Reason.NO_TEAM, True)], {"what": "No team"}),
    ]


def test_one_resolve_in_flight_per_policy(sim: CheckedSimServer) -> None:
    chosen = policy(Level("L1", ScheduleRef("Telematics Ops – Primary")))
    case = incident(sim)

    async def use(h: Harness) -> Any:
        assert h.book.get(chosen, case, None) is None
        assert h.book.get(chosen, case, None) is None
        both = await asyncio.gather(h.book.resolve(chosen, case, None), h.book.resolve(chosen, case, None))
        return both, h.events

    (one, two), events = run(sim, use)
    assert one == two
    assert events == [OnCallLoaded(chosen.name)]
    assert requests(sim, r"/v1/schedules$") == 1


def test_every_problem_has_german_with_the_same_placeholders() -> None:
    def placeholders(text: str) -> set[str]:
        return set(re.findall(r"{(\w+)}", text))

    assert len(PROBLEMS) == 2 * len(Reason)
    for message_id in PROBLEMS.values():
        german = MESSAGES[message_id]["de"]
        assert german.strip() and placeholders(german) == placeholders(message_id), message_id


def test_on_data_center_the_engines_book_says_data_center_and_nothing_is_paged(dc_sim: CheckedSimServer) -> None:
    """As the app wires it (the engine's book and desk), not with a hand-made Ops client."""
    from oncall_tui.config_schema import JiraConfig
    from oncall_tui.sync.engine import Engine
    from oncall_tui.sync.session import QueueSpec, Session

    login = dc_sim.login()
    chosen = policy(Level("L1", ScheduleRef("Telematics Ops – Primary")))

    async def go() -> tuple[object, bool, object]:
        config = JiraConfig(url=login.url, deployment=login.flavour)
        async with JiraClient(config, login.token, sleep=_no_sleep) as jira:
            await jira.detect()
            engine = Engine(Session(jira, [QueueSpec("Open", "project = OPS")], site_url=login.url), tick=False)
            answer = await engine.oncall.resolve(chosen, incident(dc_sim), leads_of(dc_sim))
            return answer.levels[0].problem, engine.escalation.can_page(), engine.session.pipeline.ops()  # type: ignore[misc]

    problem, can_page, paging = asyncio.run(go())
    assert problem is not None and problem[0].startswith("Jira Data Center has no JSM Ops"), problem
    assert can_page is False and paging is None
