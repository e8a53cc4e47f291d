"""The JSM Ops client (jira/ops.py) against the simulator over loopback, Cloud and Data Center.

Expected on-call people are computed here from the scenario's data model (rotation start, shift length,
participants) with plain wall-clock week arithmetic, not through sim.oncall.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from oncall_tui.config_schema import JiraConfig
from oncall_tui.i18n import Translator
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import JiraError
from oncall_tui.jira.ops import OpsClient, OpsNotAvailable, OpsNotEnabled, OpsPermissionDenied, ScheduleNotFound
from oncall_tui.sim.model import Schedule
from oncall_tui.sim.server import SimServer
from tests.conftest import TEST_TOKEN, start_sim

T = TypeVar("T")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
def dc_sim() -> Iterator[SimServer]:
    server = start_sim(flavour="datacenter")
    yield server
    server.stop()


async def _no_sleep(_seconds: float) -> None:
    return None


def run(sim: SimServer, use: Callable[[OpsClient], Awaitable[T]]) -> T:
    login = sim.login()
    config = JiraConfig(
        url=login.url, deployment=login.flavour, email=login.email if login.flavour == "cloud" else None
    )

    async def go() -> T:
        async with JiraClient(config, login.token, sleep=_no_sleep) as jira:
            return await use(OpsClient(jira))

    return asyncio.run(go())


def failure(sim: SimServer, use: Callable[[OpsClient], Awaitable[Any]]) -> JiraError:
    with pytest.raises(JiraError) as caught:
        run(sim, use)
    error = caught.value
    assert TEST_TOKEN not in f"{error.full_text} {error!r} {error.detail}"
    return error


# ---- expected values from the scenario's data ------------------------------------------------------------


def expected(schedule: Schedule, at: datetime) -> tuple[str, datetime, str]:
    """(on call at `at`, when that shift ends, who is on call next) for a one-rotation schedule."""
    (rotation,) = schedule.rotations
    tz = ZoneInfo(schedule.time_zone)
    start = rotation.start.astimezone(tz).replace(tzinfo=None)
    shift = timedelta(hours=rotation.length_hours)
    index = (at.astimezone(tz).replace(tzinfo=None) - start) // shift
    people = rotation.participant_ids
    ends = (start + (index + 1) * shift).replace(tzinfo=tz)
    return people[index % len(people)], ends, people[(index + 1) % len(people)]


def by_name(sim: SimServer, name: str) -> Schedule:
    return next(s for s in sim.state.schedules.values() if s.name == name)


# ---- Cloud ----------------------------------------------------------------------------------------------


def test_cloud_id_comes_from_tenant_info(sim: SimServer) -> None:
    assert run(sim, lambda ops: ops.cloud_id()) == sim.state.cloud_id


def test_schedules_are_listed_and_found_by_name_or_id(sim: SimServer) -> None:
    target = next(s for s in sim.state.schedules.values() if s.name.endswith("Secondary"))

    async def use(ops: OpsClient) -> Any:
        return await ops.schedules(), await ops.schedule(target.name), await ops.schedule(target.id)

    listed, named, by_id = run(sim, use)
    assert sorted(s.name for s in listed) == sorted(s.name for s in sim.state.schedules.values())
    assert named == by_id
    assert (named.id, named.time_zone, named.team_id) == (target.id, target.time_zone, target.team_id)
    assert named.team_name == sim.state.teams[target.team_id].name


def test_who_is_on_call_now_until_when_and_who_is_next_for_every_schedule(sim: SimServer) -> None:
    now = sim.state.now()
    schedules = list(sim.state.schedules.values())

    async def use(ops: OpsClient) -> Any:
        return [await ops.on_call(s.name) for s in schedules]

    for schedule, got in zip(schedules, run(sim, use), strict=True):
        person, until, following = expected(schedule, now)
        user = sim.state.users[person]
        assert [(p.account_id, p.display_name, p.time_zone) for p in got.people] == [
            (person, user.display_name, user.time_zone)
        ], schedule.name
        assert got.until == until, schedule.name
        assert [p.account_id for p in got.next_people] == [following], schedule.name
        assert got.next_people[0].display_name == sim.state.users[following].display_name


def test_on_call_at_another_instant_asks_with_date(sim: SimServer) -> None:
    schedule = next(s for s in sim.state.schedules.values() if s.name.endswith("Primary"))
    # Ten days on, in another zone than the schedule's: the shift after next (or the next one).
    later = (sim.state.now() + timedelta(days=10)).astimezone(ZoneInfo("Asia/Tokyo"))
    got = run(sim, lambda ops: ops.on_call(schedule.id, at=later))
    person, until, following = expected(schedule, later)
    assert [p.account_id for p in got.people] == [person]
    assert got.until == until and got.at == later
    assert [p.account_id for p in got.next_people] == [following]


def test_the_schedule_list_is_kept_a_while_and_read_again_for_a_name_it_lacks(sim: SimServer) -> None:
    schedules = list(sim.state.schedules.values())
    clock = [0.0]

    async def use(ops: OpsClient) -> Any:
        ops.monotonic = lambda: clock[0]
        await ops.schedule(schedules[0].name)
        await ops.schedule(schedules[1].name)  # every level of every policy looks its schedule up by name
        with pytest.raises(ScheduleNotFound):
            await ops.schedule("Created a minute ago")  # not in the kept list: asked again, once
        clock[0] = 601.0
        await ops.schedule(schedules[0].id)  # the kept list is old: asked again

    run(sim, use)
    listed = [ex for ex in sim.exchanges if ex.method == "GET" and ex.path.endswith("/v1/schedules")]
    assert len(listed) == 3


def test_people_are_resolved_once_per_client(sim: SimServer) -> None:
    schedule = next(iter(sim.state.schedules.values()))

    async def use(ops: OpsClient) -> Any:
        await ops.on_call(schedule.id)
        await ops.on_call(schedule.id)

    run(sim, use)
    lookups = [ex for ex in sim.exchanges if ex.path == "/rest/api/3/user"]
    # The current person and the next one, each once, though both calls named them.
    assert len(lookups) == 2


def test_team_escalations_come_as_ordered_levels(sim: SimServer) -> None:
    escalation = next(iter(sim.state.escalations.values()))
    team = sim.state.teams[escalation.team_id]

    async def use(ops: OpsClient) -> Any:
        return await ops.teams(), await ops.escalations(team.id)

    teams, policies = run(sim, use)
    assert sorted(t.name for t in teams) == sorted(t.name for t in sim.state.teams.values())
    (policy,) = policies
    assert (policy.id, policy.name, policy.team_id) == (escalation.id, escalation.name, team.id)
    assert [(lv.level, lv.delay_minutes, lv.recipient_type, lv.recipient_id) for lv in policy.levels] == [
        (i, r.delay_minutes, r.recipient_type, r.recipient_id) for i, r in enumerate(escalation.rules, start=1)
    ]


def test_a_schedule_name_that_does_not_exist_names_those_that_do(sim: SimServer) -> None:
    error = failure(sim, lambda ops: ops.on_call("Nobody – Primary"))
    assert isinstance(error, ScheduleNotFound)
    for schedule in sim.state.schedules.values():
        assert schedule.name in error.message


def test_a_team_id_is_not_a_schedule_id(sim: SimServer) -> None:
    team = next(iter(sim.state.teams.values()))
    error = failure(sim, lambda ops: ops.on_call_ids(team.id))
    assert isinstance(error, ScheduleNotFound) and error.status == 404


def test_a_missing_permission_is_an_error_not_an_empty_answer(sim: SimServer) -> None:
    sim.set_faults("status=403,paths=/jsm/ops")
    for call in (
        lambda ops: ops.schedules(),
        lambda ops: ops.on_call_ids("any"),
        lambda ops: ops.escalations("any"),
    ):
        error = failure(sim, call)
        assert isinstance(error, OpsPermissionDenied) and error.status == 403


def test_a_site_without_jsm_ops_says_so(sim: SimServer) -> None:
    sim.set_faults("status=404,paths=/jsm/ops")
    error = failure(sim, lambda ops: ops.on_call("anything"))
    assert isinstance(error, OpsNotEnabled)
    assert Translator("de")(error.message_id) != error.message_id


# ---- Data Center ----------------------------------------------------------------------------------------


def test_data_center_has_no_jsm_ops_in_a_distinct_error_with_german(dc_sim: SimServer) -> None:
    for call in (lambda ops: ops.cloud_id(), lambda ops: ops.on_call("x"), lambda ops: ops.escalations("t")):
        error = failure(dc_sim, call)
        assert type(error) is OpsNotAvailable
    german = Translator("de")(error.message_id)
    assert "Data Center" in german and german != error.message
    # Refused before asking: Data Center would only answer 404 to every Ops path.
    assert not [ex for ex in dc_sim.exchanges if "/jsm/ops" in ex.path or "tenant_info" in ex.path]
