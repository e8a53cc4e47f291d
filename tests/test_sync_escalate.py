"""The escalate command through the real pipeline and client against the simulator: every step lands once, a
failure in the middle stops at that step, and a resend (also in a new process) carries on from there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.domain.escalation import PROPERTY, label_for
from oncall_tui.domain.incident import FieldChoice
from oncall_tui.domain.oncall import Contact, OnCallShift, ResolvedLevel, Source
from oncall_tui.domain.people import Person
from oncall_tui.sync import commands as cmds
from oncall_tui.sync import escalate as esc
from oncall_tui.sync.commands import Command, State
from tests.conftest import CheckedSimServer, start_sim
from tests.pipeline_harness import Rig, make_rig

KEY = "OPS-4"  # open and unassigned in the default scenario
EDIT_PATH = f"/rest/api/3/issue/{KEY}"
COMMENT_PATH = f"/rest/api/3/issue/{KEY}/comment"
DONE = {State.CONFIRMED, State.FAILED, State.CONFLICT}


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
async def rig(sim: CheckedSimServer, tmp_path: Path) -> AsyncIterator[Rig]:
    made = await make_rig(sim, tmp_path / "outbox.sqlite3")
    yield made
    await made.pipeline.stop()
    await made.client.aclose()
    made.outbox.close()


async def colleague(rig: Rig) -> Person:
    me = rig.pipeline.me
    assert me is not None
    people = await rig.client.assignable_users(KEY)
    return next(p for p in people if p.id != me.id and p.account_id)


def level_two(person: Person) -> ResolvedLevel:
    contact = Contact(account_id=person.account_id, display_name=person.display_name)
    return ResolvedLevel(
        index=1, name="L2 secondary", source=Source.FIXED, shifts=(OnCallShift(contact, Source.FIXED),)
    )


def escalation(rig: Rig, target: ResolvedLevel, choice: esc.EscalationChoice, reason: str = "DB is down") -> Command:
    me = rig.pipeline.me
    assert me is not None
    incident = rig.store.get(KEY)
    assert incident is not None
    command_id = cmds.new_id()
    params = esc.escalation_params(
        command_id=command_id,
        incident=incident,
        policy="Payments",
        from_level=0,
        from_name="L1 on-call",
        target=target,
        choice=choice,
        reason=reason,
        me=me,
        comment_text=f"Escalated to {target.name}: {reason}",
        page_message=f"{KEY} needs {target.name}",
        page_description=reason,
    )
    return rig.pipeline.submit(cmds.escalate(command_id, KEY, params, incident, now=rig.pipeline.clock()))


def requests(sim: CheckedSimServer, method: str, path: str) -> list[Any]:
    return [e for e in sim.exchanges if e.method == method and e.path == path]


async def test_an_escalation_lands_every_step_once_and_records_level_and_history(
    rig: Rig, sim: CheckedSimServer
) -> None:
    person = await colleague(rig)
    choice = esc.EscalationChoice(reassign=True, priority=FieldChoice("Highest"), mention=True, comment=True)
    command = escalation(rig, level_two(person), choice)
    done = await rig.until(command.id, DONE)
    assert done.state is State.CONFIRMED, done.error
    issue = rig.issue(KEY)
    assert issue["assignee"] == person.account_id
    assert issue["priority"] == "Highest"
    assert label_for(1) in issue["labels"]
    comments = [c for c in issue["comments"] if "DB is down" in c["text"]]
    assert len(comments) == 1 and comments[0]["public"] is False
    assert f"@{person.display_name}" in comments[0]["text"]
    record = issue["properties"][PROPERTY]
    assert record["level"] == 1 and record["levelName"] == "L2 secondary"
    (entry,) = record["history"]
    assert entry["reason"] == "DB is down" and entry["toWhomIds"] == [person.account_id]
    assert entry["from"] == 0 and entry["to"] == 1 and entry["command"] == command.id
    # The store shows the level Jira now has, read back through search and get_issue.
    fresh = await rig.client.get_issue(KEY)
    assert fresh.escalation is not None and fresh.escalation.level == 1
    page = await rig.client.search(f"key = {KEY}")
    assert page[0].escalation is not None and page[0].escalation.has(command.id)


async def test_a_failed_middle_step_stops_there_and_a_resend_does_not_repeat_earlier_steps(
    rig: Rig, sim: CheckedSimServer
) -> None:
    person = await colleague(rig)
    choice = esc.EscalationChoice(reassign=True, comment=True)
    # The comment is refused; the assignment and the label before it go through.
    sim.set_faults(f"status=403,paths={COMMENT_PATH},methods=POST")
    command = escalation(rig, level_two(person), choice)
    failed = await rig.until(command.id, DONE)
    assert failed.state is State.FAILED
    stopped_at = esc.next_step(failed.params)
    assert stopped_at is not None and stopped_at.kind is esc.StepKind.COMMENT
    assert rig.issue(KEY)["assignee"] == person.account_id
    assert label_for(1) in rig.issue(KEY)["labels"]
    assert PROPERTY not in rig.issue(KEY)["properties"]
    sim.set_faults("")
    rig.pipeline.resend(command.id)
    done = await rig.until(command.id, DONE)
    assert done.state is State.CONFIRMED, done.error
    assert len(requests(sim, "PUT", f"/rest/api/3/issue/{KEY}/assignee")) == 1
    assert len(requests(sim, "PUT", EDIT_PATH)) == 1
    issue = rig.issue(KEY)
    assert label_for(1) in issue["labels"] and issue["properties"][PROPERTY]["level"] == 1
    assert len([c for c in issue["comments"] if "DB is down" in c["text"]]) == 1


async def test_a_failed_escalation_is_resumed_by_the_next_process_from_its_failed_step(
    sim: CheckedSimServer, tmp_path: Path
) -> None:
    path = tmp_path / "outbox.sqlite3"
    first = await make_rig(sim, path)
    person = await colleague(first)
    sim.set_faults(f"status=403,paths={COMMENT_PATH},methods=POST")
    command = escalation(first, level_two(person), esc.EscalationChoice(reassign=True, comment=True))
    await first.until(command.id, DONE)
    await first.pipeline.stop()
    await first.client.aclose()
    first.outbox.close()
    sim.set_faults("")
    second = await make_rig(sim, path, resume=True)
    try:
        listed = second.pipeline.get(command.id)
        assert listed is not None and listed.state is State.FAILED
        assert [s.kind for s in esc.steps_of(listed.params) if s.done] == [esc.StepKind.ASSIGN, esc.StepKind.LABEL]
        second.pipeline.resend(command.id)
        done = await second.until(command.id, DONE)
        assert done.state is State.CONFIRMED, done.error
        assert len(requests(sim, "PUT", f"/rest/api/3/issue/{KEY}/assignee")) == 1
        assert second.issue(KEY)["properties"][PROPERTY]["history"][0]["command"] == command.id
    finally:
        await second.pipeline.stop()
        await second.client.aclose()
        second.outbox.close()


async def test_a_level_changed_by_someone_else_stops_and_asks(rig: Rig, sim: CheckedSimServer) -> None:
    person = await colleague(rig)
    # A colleague's oncall-tui escalated it to level 3 a moment ago (the poll has not seen it).
    await rig.client.set_property(KEY, PROPERTY, {"format": 1, "policy": "Payments", "level": 2, "levelName": "L3"})
    command = escalation(rig, level_two(person), esc.EscalationChoice(reassign=True))
    stopped = await rig.until(command.id, DONE)
    assert stopped.state is State.CONFLICT
    assert stopped.conflict is not None and stopped.conflict.field == "level" and stopped.conflict.now == "L3"
    assert rig.issue(KEY)["assignee"] is None


async def test_a_lost_answer_is_looked_for_and_not_sent_twice(rig: Rig, sim: CheckedSimServer) -> None:
    person = await colleague(rig)
    sim.set_faults(f"lose=1,paths=/rest/api/3/issue/{KEY}/assignee,methods=PUT")
    command = escalation(rig, level_two(person), esc.EscalationChoice(reassign=True))
    done = await rig.until(command.id, DONE)
    assert done.state is State.CONFIRMED, done.error
    assert len(requests(sim, "PUT", f"/rest/api/3/issue/{KEY}/assignee")) == 1


def test_de_escalation_steps_are_label_comment_and_record() -> None:
    from datetime import UTC, datetime

    from oncall_tui.domain.escalation import EscalationRecord, EscalationState
    from oncall_tui.domain.incident import Incident

    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    record = EscalationRecord("c1", at, "Ann", "a1", "db", 0, 1, "L2")
    incident = Incident(
        KEY, "1", "x", labels=("db", label_for(1)), escalation=EscalationState("Payments", 1, "L2", (record,))
    )
    target = ResolvedLevel(index=0, name="L1", source=Source.FIXED)
    params = esc.escalation_params(
        command_id="c2",
        incident=incident,
        policy="Payments",
        from_level=1,
        from_name="L2",
        target=target,
        choice=esc.EscalationChoice(comment=True),
        reason="false alarm",
        me=Person("Ann", account_id="a1"),
        comment_text="back to L1",
        page_message="",
        page_description="",
    )
    assert [s.kind for s in esc.steps_of(params)] == [esc.StepKind.LABEL, esc.StepKind.COMMENT, esc.StepKind.RECORD]
    assert params["direction"] == "down"
    label = esc.steps_of(params)[0].data
    assert label["add"] == [label_for(0)] and label["remove"] == [label_for(1)]
    shown = cmds.apply(cmds.escalate("c2", KEY, params, incident, now=at + timedelta(minutes=5)), incident)
    assert shown.escalation is not None and shown.escalation.level == 0 and "db" in shown.labels
    assert label_for(1) not in shown.labels


def team_level(team_id: str, person: Person) -> ResolvedLevel:
    contact = Contact(account_id=person.account_id, display_name=person.display_name)
    return ResolvedLevel(
        index=1,
        name="L2 secondary",
        source=Source.JSM_OPS_SCHEDULE,
        shifts=(OnCallShift(contact, Source.JSM_OPS_SCHEDULE),),
        team_id=team_id,
        team_name="Payments",
    )


async def paging_rig(sim: CheckedSimServer, tmp_path: Path) -> Rig:
    from oncall_tui.jira.ops import OpsClient

    def configure(pipeline: Any) -> None:
        ops = OpsClient(pipeline.client)
        pipeline.ops = lambda: ops
        pipeline.page_check_wait = 0.0

    return await make_rig(sim, tmp_path / "outbox.sqlite3", configure=configure)


async def test_the_page_reaches_jsm_ops_once_for_the_levels_team(sim: CheckedSimServer, tmp_path: Path) -> None:
    rig = await paging_rig(sim, tmp_path)
    try:
        team = next(t for t in sim.state.teams.values() if t.member_ids)
        person = await colleague(rig)
        command = escalation(rig, team_level(team.id, person), esc.EscalationChoice(page=True))
        done = await rig.until(command.id, DONE)
        assert done.state is State.CONFIRMED, done.error
        (alert,) = sim.state.alerts.values()
        assert alert.alias == f"oncall-tui-{command.id}" and [r.id for r in alert.responders] == [team.id]
        assert KEY in alert.message
    finally:
        await rig.pipeline.stop()
        await rig.client.aclose()
        rig.outbox.close()


async def test_a_page_jsm_ops_does_not_carry_out_fails_at_the_page_step(sim: CheckedSimServer, tmp_path: Path) -> None:
    rig = await paging_rig(sim, tmp_path)
    try:
        person = await colleague(rig)
        # A team JSM Ops does not know: it accepts the request (202) and fails it while processing.
        command = escalation(
            rig, team_level("00000000-0000-4000-8000-000000000000", person), esc.EscalationChoice(page=True)
        )
        failed = await rig.until(command.id, DONE)
        assert failed.state is State.FAILED
        step = esc.next_step(failed.params)
        assert step is not None and step.kind is esc.StepKind.PAGE
        assert PROPERTY not in rig.issue(KEY)["properties"], "the level is not recorded while nobody was paged"
    finally:
        await rig.pipeline.stop()
        await rig.client.aclose()
        rig.outbox.close()


async def test_a_resend_after_a_colleague_escalated_meanwhile_asks_first(rig: Rig, sim: CheckedSimServer) -> None:
    person = await colleague(rig)
    sim.set_faults(f"status=403,paths={COMMENT_PATH},methods=POST")
    command = escalation(rig, level_two(person), esc.EscalationChoice(reassign=True, comment=True))
    assert (await rig.until(command.id, DONE)).state is State.FAILED
    sim.set_faults("")
    theirs = {"format": 1, "policy": "Payments", "level": 2, "levelName": "L3", "history": []}
    await rig.client.set_property(KEY, PROPERTY, theirs)
    rig.pipeline.resend(command.id)
    stopped = await rig.until(command.id, DONE)
    assert stopped.state is State.CONFLICT and stopped.conflict is not None and stopped.conflict.now == "L3"
    assert rig.issue(KEY)["properties"][PROPERTY]["level"] == 2, "their level stands"


async def test_a_long_reason_is_cut_and_a_long_history_stays_under_jiras_property_limit(
    rig: Rig, sim: CheckedSimServer
) -> None:
    import json

    from oncall_tui.domain.escalation import EscalationRecord, EscalationState, state_to_data

    person = await colleague(rig)
    command = escalation(rig, level_two(person), esc.EscalationChoice(comment=True), reason="x" * 50_000)
    done = await rig.until(command.id, DONE)
    assert done.state is State.CONFIRMED, done.error
    assert len(rig.issue(KEY)["properties"][PROPERTY]["history"][0]["reason"]) == esc.REASON_LIMIT
    at = datetime.now(UTC)
    records = tuple(EscalationRecord(f"c{n}", at, "Ann", "a1", "r" * esc.REASON_LIMIT, 0, 1, "L2") for n in range(40))
    data = state_to_data(EscalationState("P", 1, "L2", records))
    assert len(json.dumps(data).encode()) < 32_768 and data["history"][-1]["command"] == "c39"


def test_an_escalation_raises_the_priority_by_name_or_id_and_never_lowers_it() -> None:
    from oncall_tui.domain.incident import Incident
    from oncall_tui.domain.oncall import Effects
    from oncall_tui.sync.escalation_desk import EscalationDesk

    desk = EscalationDesk(
        policies=(),
        pipeline=None,
        leads=lambda p: None,
        queues_of=lambda k: frozenset(),
        clock=lambda: None,  # type: ignore[arg-type]
    )
    desk.priorities = [("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low")]

    def level(value: str) -> ResolvedLevel:
        return ResolvedLevel(1, "L2", Source.FIXED, effects=Effects(raise_priority_to=value))

    medium = Incident(KEY, "1", "x", priority="Medium", priority_id="3")
    highest = Incident(KEY, "1", "x", priority="Highest", priority_id="1")
    assert desk.raise_to(medium, level("High")) == FieldChoice("High", id="2")
    assert desk.raise_to(medium, level("1")) == FieldChoice("Highest", id="1"), "an id, as the config allows"
    assert desk.raise_to(highest, level("High")) is None, "an escalation never lowers the priority"
    assert desk.raise_to(Incident(KEY, "1", "x", priority="High", priority_id="2"), level("high")) is None


async def test_a_step_jira_keeps_refusing_can_be_skipped_and_the_rest_goes_on(rig: Rig, sim: CheckedSimServer) -> None:
    from oncall_tui.i18n import ENGLISH
    from oncall_tui.ui.words import state_words

    person = await colleague(rig)
    # A transition this workflow does not offer from the incident's status: refused before anything is sent.
    choice = esc.EscalationChoice(reassign=True, transition="Teleport", comment=True)
    command = escalation(rig, level_two(person), choice)
    failed = await rig.until(command.id, DONE)
    assert failed.state is State.FAILED
    step = esc.next_step(failed.params)
    assert step is not None and step.kind is esc.StepKind.TRANSITION
    assert "failed at moving it on (transition)" in state_words(failed, ENGLISH)
    rig.pipeline.skip_step(command.id)
    done = await rig.until(command.id, DONE)
    assert done.state is State.CONFIRMED, done.error
    assert "skipped: moving it on (transition)" in state_words(done.with_state(State.QUEUED), ENGLISH)
    issue = rig.issue(KEY)
    assert issue["assignee"] == person.account_id and issue["properties"][PROPERTY]["level"] == 1
    assert len([c for c in issue["comments"] if "DB is down" in c["text"]]) == 1


async def test_de_escalating_goes_back_down_with_its_label_comment_and_history(rig: Rig, sim: CheckedSimServer) -> None:
    person = await colleague(rig)
    up = escalation(rig, level_two(person), esc.EscalationChoice(comment=True))
    assert (await rig.until(up.id, DONE)).state is State.CONFIRMED
    rig.store.put(await rig.client.get_issue(KEY))
    me = rig.pipeline.me
    incident = rig.store.get(KEY)
    assert me is not None and incident is not None and incident.escalation is not None
    first = ResolvedLevel(index=0, name="L1 on-call", source=Source.FIXED)
    command_id = cmds.new_id()
    params = esc.escalation_params(
        command_id=command_id,
        incident=incident,
        policy="Payments",
        from_level=1,
        from_name="L2 secondary",
        target=first,
        choice=esc.EscalationChoice(comment=True),
        reason="false alarm: the monitor was wrong",
        me=me,
        comment_text="De-escalated to L1: false alarm",
        page_message="",
        page_description="",
    )
    down = rig.pipeline.submit(cmds.escalate(command_id, KEY, params, incident, now=rig.pipeline.clock()))
    done = await rig.until(down.id, DONE)
    assert done.state is State.CONFIRMED, done.error
    issue = rig.issue(KEY)
    assert label_for(0) in issue["labels"] and label_for(1) not in issue["labels"]
    record = issue["properties"][PROPERTY]
    assert record["level"] == 0 and [h["direction"] for h in record["history"]] == ["up", "down"]
    assert any("false alarm" in c["text"] and c["public"] is False for c in issue["comments"])
