"""JSM Ops on the simulator: the rotation maths (sim.oncall) and the on-call endpoints over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.sim.model import Rotation, Schedule
from oncall_tui.sim.oncall import next_handover, next_on_call, on_call_at, shift_start
from oncall_tui.sim.server import SimServer
from tests.conftest import FROZEN_START

BERLIN = ZoneInfo("Europe/Berlin")
ONE_US = timedelta(microseconds=1)


def _rotation(start: datetime, hours: int, people: list[str], rid: str = "r1") -> Rotation:
    return Rotation(id=rid, name=f"rotation {rid}", start=start, length_hours=hours, participant_ids=people)


def _schedule(*rotations: Rotation, zone: str = "Europe/Berlin") -> Schedule:
    return Schedule(id="s1", name="Test schedule", team_id="t1", time_zone=zone, rotations=list(rotations))


# ---- the rotation maths ---------------------------------------------------------------------------------


MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)  # 08:00 UTC


def test_nobody_is_on_call_before_a_rotation_starts() -> None:
    schedule = _schedule(_rotation(MONDAY_9, 168, ["ann", "bob", "cem"]))
    assert on_call_at(schedule, MONDAY_9 - ONE_US) == []
    assert on_call_at(schedule, MONDAY_9) == ["ann"]


def test_weekly_handover_happens_exactly_at_the_boundary_and_wraps_around() -> None:
    schedule = _schedule(_rotation(MONDAY_9, 168, ["ann", "bob", "cem"]))
    week = timedelta(weeks=1)
    assert on_call_at(schedule, MONDAY_9 + week - ONE_US) == ["ann"]
    assert on_call_at(schedule, MONDAY_9 + week) == ["bob"]
    assert on_call_at(schedule, MONDAY_9 + 2 * week + timedelta(days=3)) == ["cem"]
    assert on_call_at(schedule, MONDAY_9 + 3 * week) == ["ann"]
    assert on_call_at(schedule, MONDAY_9 + 7 * week) == ["bob"]


def test_the_instant_may_be_in_any_zone() -> None:
    schedule = _schedule(_rotation(MONDAY_9, 24, ["ann", "bob"]))
    tokyo = datetime(2026, 3, 3, 17, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 08:00 UTC = Tuesday 09:00 Berlin
    assert on_call_at(schedule, tokyo) == ["bob"]
    assert on_call_at(schedule, tokyo - ONE_US) == ["ann"]


def test_multiple_rotations_are_combined_in_order_without_repeats() -> None:
    days = _rotation(MONDAY_9, 12, ["ann", "bob"], "day")
    backup = _rotation(MONDAY_9 + timedelta(hours=2), 24, ["bob", "cem", "dan"], "backup")
    schedule = _schedule(days, backup)
    assert on_call_at(schedule, MONDAY_9 + timedelta(hours=1)) == ["ann"]  # backup not started yet
    assert on_call_at(schedule, MONDAY_9 + timedelta(hours=2)) == ["ann", "bob"]
    # 21:00: days hands to bob, who is also the backup: listed once.
    assert on_call_at(schedule, MONDAY_9 + timedelta(hours=12)) == ["bob"]
    assert on_call_at(schedule, MONDAY_9 + timedelta(hours=26)) == ["ann", "cem"]


def test_a_rotation_without_participants_contributes_nobody() -> None:
    schedule = _schedule(_rotation(MONDAY_9, 24, []), _rotation(MONDAY_9, 24, ["ann"], "r2"))
    assert on_call_at(schedule, MONDAY_9 + timedelta(days=3)) == ["ann"]


def test_a_naive_instant_is_refused() -> None:
    schedule = _schedule(_rotation(MONDAY_9, 24, ["ann"]))
    with pytest.raises(ValueError):
        on_call_at(schedule, datetime(2026, 3, 2, 12, 0))


def test_daily_handover_keeps_local_time_across_the_spring_dst_change() -> None:
    # Berlin moves to summer time on Sunday 2026-03-29: 09:00 is 08:00 UTC before, 07:00 UTC after.
    start = datetime(2026, 3, 27, 9, 0, tzinfo=BERLIN)
    schedule = _schedule(_rotation(start, 24, ["ann", "bob", "cem"]))
    monday_handover = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 09:00 CEST
    assert on_call_at(schedule, monday_handover - ONE_US) == ["cem"]  # Sunday's shift, 23 hours long
    assert on_call_at(schedule, monday_handover) == ["ann"]
    assert next_handover(schedule, datetime(2026, 3, 29, 12, 0, tzinfo=UTC)) == monday_handover


def test_daily_handover_keeps_local_time_across_the_autumn_dst_change() -> None:
    # Back to winter time on Sunday 2026-10-25: 09:00 is 07:00 UTC before, 08:00 UTC after.
    start = datetime(2026, 10, 23, 9, 0, tzinfo=BERLIN)
    schedule = _schedule(_rotation(start, 24, ["ann", "bob", "cem"]))
    monday_handover = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert on_call_at(schedule, datetime(2026, 10, 26, 7, 30, tzinfo=UTC)) == ["cem"]  # 25-hour shift
    assert on_call_at(schedule, monday_handover) == ["ann"]


def test_a_handover_inside_the_skipped_hour_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist on 2026-03-29 in Berlin; the shift change happens at 03:30 CEST (01:30 UTC).
    start = datetime(2026, 3, 28, 2, 30, tzinfo=BERLIN)
    schedule = _schedule(_rotation(start, 24, ["ann", "bob"]))
    handover = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert on_call_at(schedule, handover - ONE_US) == ["ann"]
    assert on_call_at(schedule, handover) == ["bob"]


def test_hourly_shifts_stay_in_order_through_the_repeated_autumn_hour() -> None:
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    schedule = _schedule(_rotation(start, 1, ["ann", "bob", "cem", "dan"]))
    rotation = schedule.rotations[0]
    boundaries = [shift_start(rotation, k, schedule.time_zone) for k in range(12)]
    assert boundaries == sorted(boundaries)
    # Walking the night minute by minute, the person on call only ever moves forward in the rota.
    seen: list[str] = []
    t = start
    while t < start + timedelta(hours=10):
        who = on_call_at(schedule, t)[0]
        if not seen or seen[-1] != who:
            seen.append(who)
        t += timedelta(minutes=1)
    order = ["ann", "bob", "cem", "dan"]
    assert all(order[(order.index(a) + 1) % 4] == b for a, b in pairwise(seen))


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)),
    hours=st.integers(min_value=1, max_value=200),
    offset_minutes=st.integers(min_value=-3_000, max_value=400_000),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata"]),
)
def test_next_handover_is_exactly_where_the_on_call_person_changes(
    start: datetime, hours: int, offset_minutes: int, zone: str
) -> None:
    schedule = _schedule(_rotation(start, hours, ["ann", "bob", "cem"]), zone=zone)
    t = start + timedelta(minutes=offset_minutes)
    handover = next_handover(schedule, t)
    assert handover is not None and handover > t
    before, after = on_call_at(schedule, handover - ONE_US), on_call_at(schedule, handover)
    assert before != after
    if t < start:
        assert handover == start
    else:  # no change between t and the announced handover
        assert on_call_at(schedule, t) == before


def test_next_on_call_skips_boundaries_where_nobody_changes() -> None:
    solo = _rotation(MONDAY_9, 24, ["ann"], "solo")
    weekly = _rotation(MONDAY_9, 168, ["bob", "cem"], "weekly")
    schedule = _schedule(solo, weekly)
    assert next_handover(schedule, MONDAY_9) == MONDAY_9 + timedelta(days=1)  # the solo shift ends daily
    assert next_on_call(schedule, MONDAY_9) == (MONDAY_9 + timedelta(weeks=1), ["ann", "cem"])


def test_a_schedule_that_never_changes_has_no_next_on_call() -> None:
    schedule = _schedule(_rotation(MONDAY_9, 24, ["ann"]))
    assert next_on_call(schedule, MONDAY_9) is None
    assert next_on_call(_schedule(), MONDAY_9) is None
    assert next_handover(_schedule(), MONDAY_9) is None


# ---- over HTTP ------------------------------------------------------------------------------------------


def _ops(sim: SimServer, path: str = "") -> str:
    return f"/jsm/ops/api/{sim.state.cloud_id}/v1{path}"


def _agents(sim: SimServer, n: int) -> list[str]:
    agents = [u.account_id for u in sim.state.users.values() if u.agent and u.active]
    assert len(agents) >= n
    return agents[:n]


def _add_test_schedule(sim: SimServer, start: datetime, hours: int, people: list[str]) -> str:
    team = next(iter(sim.state.teams.values()))
    schedule = Schedule("test-rota", "Test rota", team.id, "Europe/Berlin", [_rotation(start, hours, people)])
    sim.state.schedules[schedule.id] = schedule
    return schedule.id


def test_tenant_info_needs_no_auth_and_names_the_cloud_id(sim: SimServer) -> None:
    response = httpx.get(f"{sim.url}/_edge/tenant_info", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"cloudId": sim.state.cloud_id}


def test_ops_endpoints_need_auth(sim: SimServer) -> None:
    response = httpx.get(f"{sim.url}{_ops(sim, '/schedules')}", timeout=10)
    assert response.status_code == 401


def test_an_unknown_cloud_id_is_a_json_404(sim: SimServer, api: httpx.Client) -> None:
    response = api.get("/jsm/ops/api/00000000-0000-0000-0000-000000000000/v1/schedules")
    assert response.status_code == 404
    assert "00000000-0000-0000-0000-000000000000" in response.json()["message"]


def test_data_center_has_no_jsm_ops(dc_sim: SimServer, dc_api: httpx.Client) -> None:
    assert dc_api.get("/_edge/tenant_info").status_code == 404
    assert dc_api.get(f"/jsm/ops/api/{dc_sim.state.cloud_id}/v1/schedules").status_code == 404


def test_schedules_are_paged_by_offset_and_size(sim: SimServer, api: httpx.Client) -> None:
    seen: list[dict[str, Any]] = []
    url: str | None = f"{_ops(sim, '/schedules')}?size=4"
    pages = 0
    while url:
        body = api.get(url).json()
        assert len(body["values"]) <= 4
        seen.extend(body["values"])
        url = body["links"].get("next")
        pages += 1
    assert [s["id"] for s in seen] == list(sim.state.schedules)
    assert pages == -(-len(sim.state.schedules) // 4)
    for item in seen:
        assert set(item) == {"id", "name", "description", "timezone", "enabled", "ownerTeam"}
        assert item["ownerTeam"]["name"] == sim.state.teams[item["ownerTeam"]["id"]].name


def test_get_schedule_and_404s_for_unknown_and_team_ids(sim: SimServer, api: httpx.Client) -> None:
    schedule = next(iter(sim.state.schedules.values()))
    body = api.get(_ops(sim, f"/schedules/{schedule.id}")).json()
    assert (body["id"], body["name"], body["timezone"]) == (schedule.id, schedule.name, schedule.time_zone)
    for wrong in ("no-such-schedule", schedule.team_id):
        for suffix in ("", "/on-calls", "/next-on-calls"):
            response = api.get(_ops(sim, f"/schedules/{wrong}{suffix}"))
            assert response.status_code == 404, suffix
            assert wrong in response.json()["message"]


def test_on_calls_follow_the_rotation_and_the_date_parameter(sim: SimServer, api: httpx.Client) -> None:
    ann, bob, cem = _agents(sim, 3)
    start = FROZEN_START - timedelta(hours=1)  # 08:30 Berlin; eight-hour shifts
    sid = _add_test_schedule(sim, start, 8, [ann, bob, cem])
    assert api.get(_ops(sim, f"/schedules/{sid}/on-calls")).json() == {
        "onCallParticipants": [{"id": ann, "type": "user"}]
    }
    assert api.get(_ops(sim, f"/schedules/{sid}/on-calls"), params={"flat": "true"}).json() == {"onCallUsers": [ann]}
    later = (start + timedelta(hours=17)).isoformat()  # third shift
    body = api.get(_ops(sim, f"/schedules/{sid}/on-calls"), params={"flat": "true", "date": later}).json()
    assert body == {"onCallUsers": [cem]}
    # An unescaped '+' in the offset arrives as a space; it still means +01:00.
    raw = api.get(_ops(sim, f"/schedules/{sid}/on-calls?flat=true&date=2026-03-02T16:30:00+01:00")).json()
    assert raw == {"onCallUsers": [bob]}
    assert api.get(_ops(sim, f"/schedules/{sid}/on-calls"), params={"date": "yesterday"}).status_code == 400
    assert api.get(_ops(sim, f"/schedules/{sid}/on-calls"), params={"flat": "maybe"}).status_code == 400


def test_on_call_changes_after_the_clock_passes_a_handover(sim: SimServer, api: httpx.Client) -> None:
    ann, bob = _agents(sim, 2)
    sid = _add_test_schedule(sim, FROZEN_START - timedelta(hours=1), 8, [ann, bob])
    nxt = api.get(_ops(sim, f"/schedules/{sid}/next-on-calls")).json()
    assert nxt["nextOnCallParticipants"] == [{"id": bob, "type": "user"}]
    assert nxt["exactNextOnCallParticipants"] == [{"id": bob, "type": "user"}]
    handover = datetime.fromisoformat(nxt["handoverTime"])
    assert handover == FROZEN_START + timedelta(hours=7)
    sim.state.clock.advance((handover - sim.state.now()).total_seconds() - 1)
    assert api.get(_ops(sim, f"/schedules/{sid}/on-calls"), params={"flat": "true"}).json()["onCallUsers"] == [ann]
    sim.state.clock.advance(1)
    assert api.get(_ops(sim, f"/schedules/{sid}/on-calls"), params={"flat": "true"}).json()["onCallUsers"] == [bob]
    flat = api.get(_ops(sim, f"/schedules/{sid}/next-on-calls"), params={"flat": "true"}).json()
    assert flat["nextOnCallUsers"] == [ann]
    assert datetime.fromisoformat(flat["handoverTime"]) == handover + timedelta(hours=8)


def test_scenario_schedules_hand_over_to_the_announced_next_people(sim: SimServer, api: httpx.Client) -> None:
    sid = next(iter(sim.state.schedules))
    now_on = api.get(_ops(sim, f"/schedules/{sid}/on-calls"), params={"flat": "true"}).json()["onCallUsers"]
    assert len(now_on) == 1 and now_on[0] in sim.state.users
    nxt = api.get(_ops(sim, f"/schedules/{sid}/next-on-calls"), params={"flat": "true"}).json()
    assert nxt["nextOnCallUsers"] and nxt["nextOnCallUsers"] != now_on
    handover = datetime.fromisoformat(nxt["handoverTime"])
    sim.state.clock.advance((handover - sim.state.now()).total_seconds() + 1)
    after = api.get(_ops(sim, f"/schedules/{sid}/on-calls"), params={"flat": "true"}).json()["onCallUsers"]
    assert after == nxt["nextOnCallUsers"]


def test_team_escalations_list_rules_with_minute_delays(sim: SimServer, api: httpx.Client) -> None:
    escalation = next(iter(sim.state.escalations.values()))
    body = api.get(_ops(sim, f"/teams/{escalation.team_id}/escalations")).json()
    ids = [e["id"] for e in body["values"]]
    assert escalation.id in ids
    assert all(sim.state.escalations[i].team_id == escalation.team_id for i in ids)
    one = api.get(_ops(sim, f"/teams/{escalation.team_id}/escalations/{escalation.id}")).json()
    assert one["ownerTeam"] == {"id": escalation.team_id, "name": sim.state.teams[escalation.team_id].name}
    assert [r["delay"] for r in one["rules"]] == [
        {"timeAmount": r.delay_minutes, "timeUnit": "minutes"} for r in escalation.rules
    ]
    for rule in one["rules"]:
        assert set(rule) == {"condition", "notifyType", "delay", "recipient"}
        if rule["recipient"]["type"] == "schedule":  # every schedule it names can be asked who is on call
            assert api.get(_ops(sim, f"/schedules/{rule['recipient']['id']}/on-calls")).status_code == 200
        elif rule["recipient"]["type"] == "user":
            assert rule["recipient"]["id"] in sim.state.users


def test_escalation_404s(sim: SimServer, api: httpx.Client) -> None:
    escalation = next(iter(sim.state.escalations.values()))
    other_team = next(t for t in sim.state.teams if t != escalation.team_id)
    assert api.get(_ops(sim, "/teams/no-such-team/escalations")).status_code == 404
    assert api.get(_ops(sim, f"/teams/{other_team}/escalations/{escalation.id}")).status_code == 404
    assert api.get(_ops(sim, f"/teams/{escalation.team_id}/escalations/nope")).status_code == 404


def test_teams_convenience_endpoint_lists_members_and_lead(sim: SimServer, api: httpx.Client) -> None:
    teams = api.get(_ops(sim, "/teams"), params={"size": 100}).json()["values"]
    assert [t["id"] for t in teams] == list(sim.state.teams)
    for team in teams:
        known = sim.state.teams[team["id"]]
        assert (team["name"], team["memberIds"], team["leadId"]) == (known.name, known.member_ids, known.lead)
        assert team["leadId"] in team["memberIds"]
