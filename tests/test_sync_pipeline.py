"""The command pipeline against the simulator over HTTP, with a real outbox on disk.

Each write is a command: recorded before it is sent, shown at once, confirmed or refused with the reason, and,
when its answer is lost or the process dies on the way, looked for in Jira before anything is sent again, so it
lands exactly once.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from oncall_tui.domain.incident import FieldChoice, TransitionOption
from oncall_tui.jira.errors import NetworkError, PermissionDenied, RateLimited
from oncall_tui.sync import commands as cmds
from oncall_tui.sync.commands import CommandKind, State
from oncall_tui.sync.outbox import Outbox
from oncall_tui.sync.pipeline import OutboxTrouble
from tests.conftest import CheckedSimServer, start_sim
from tests.pipeline_harness import Rig, client_for, make_rig

KEY = "OPS-4"  # open and unassigned in the default scenario
COMMENT_PATH = f"/rest/api/3/issue/{KEY}/comment"
ASSIGN_PATH = f"/rest/api/3/issue/{KEY}/assignee"
TRANSITION_PATH = f"/rest/api/3/issue/{KEY}/transitions"
DONE = {State.CONFIRMED, State.FAILED, State.CONFLICT}


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "oncall-tui" / "outbox.sqlite3"


@pytest.fixture
async def rig(sim: CheckedSimServer, outbox_path: Path) -> AsyncIterator[Rig]:
    made = await make_rig(sim, outbox_path)
    yield made
    await made.pipeline.stop()
    await made.client.aclose()
    made.outbox.close()


def stored(path: Path) -> dict[str, dict[str, object]]:
    """The outbox's rows as another process would read them: id -> command data."""
    db = sqlite3.connect(path)
    try:
        return {row[0]: json.loads(row[1]) for row in db.execute("SELECT id, data FROM commands")}
    finally:
        db.close()


async def open_transition(rig: Rig, name: str = "Resolve") -> TransitionOption:
    options = await rig.client.transitions(KEY)
    return (
        next(o for o in options if o.name == name and not o.required_fields)
        if any(o.name == name and not o.required_fields for o in options)
        else next(o for o in options if not o.required_fields)
    )


# ---- the happy path ------------------------------------------------------------------------------------------


async def test_a_new_command_is_called_kept_only_once_it_is_in_the_outbox(rig: Rig, outbox_path: Path) -> None:
    """The screen says "1 queued" for commands the outbox holds: a crash between the key and the outbox's write
    (a moment, in a thread) would lose one that had been called queued (found by tests/test_e2e_crash.py)."""
    import asyncio

    from oncall_tui.sync.pipeline import CommandKept

    kept = asyncio.get_running_loop().create_future()
    rig.pipeline.bus.subscribe(
        lambda event: kept.set_result(event) if isinstance(event, CommandKept) and not kept.done() else None
    )
    command = rig.pipeline.take(KEY)
    assert command.id in rig.pipeline.unrecorded and command.id not in stored(outbox_path)
    event = await asyncio.wait_for(kept, 10)
    assert event.command_id == command.id
    assert command.id in stored(outbox_path) and command.id not in rig.pipeline.unrecorded
    await rig.until(command.id, DONE)


async def test_a_take_is_shown_at_once_recorded_before_it_is_sent_and_confirmed(rig: Rig, outbox_path: Path) -> None:
    me = rig.pipeline.me
    assert me is not None
    command = rig.pipeline.take(KEY)
    shown = rig.store.get(KEY)
    assert shown is not None and shown.assignee is not None and shown.assignee.id == me.id, "shown before Jira answers"
    assert rig.store.pending(KEY) == [command.id]
    done = await rig.until(command.id, DONE)
    assert done.state is State.CONFIRMED
    assert rig.states(command.id) == [State.QUEUED, State.SENDING, State.CONFIRMED]
    assert rig.issue(KEY)["assignee"] == me.account_id
    assert not rig.store.pending(KEY)
    assert stored(outbox_path)[command.id]["state"] == "confirmed"


async def test_the_command_is_on_disk_as_sending_while_its_request_is_held(
    sim: CheckedSimServer, rig: Rig, outbox_path: Path
) -> None:
    sim.set_faults(f"latency=600-600ms,paths={COMMENT_PATH},methods=POST")
    command = rig.pipeline.comment(KEY, "Rolled back the deploy.", public=False)
    await rig.until(command.id, {State.SENDING})
    # Another process (the next start after a crash) would find it as sending, with its whole text.
    row = stored(outbox_path)[command.id]
    assert row["state"] == "sending" and row["params"]["text"] == "Rolled back the deploy."
    assert (await rig.until(command.id, DONE)).state is State.CONFIRMED


async def test_a_comment_carries_its_command_id_in_a_property(rig: Rig) -> None:
    command = rig.pipeline.comment(KEY, "Looking into it", public=False)
    await rig.until(command.id, DONE)
    found = await rig.client.comment_by_command(KEY, command.id)
    assert found is not None and found.body_text.strip() == "Looking into it" and found.public is False
    assert await rig.client.comment_by_command(KEY, cmds.new_id()) is None


async def test_transition_and_priority_land(rig: Rig) -> None:
    option = await open_transition(rig)
    moved = rig.pipeline.transition(KEY, option)
    assert (await rig.until(moved.id, DONE)).state is State.CONFIRMED
    assert rig.issue(KEY)["status"] == option.to_status
    priorities = await rig.client.priorities()
    choice = next(p for p in priorities if p.name != (rig.store.get(KEY).priority if rig.store.get(KEY) else ""))
    raised = rig.pipeline.set_priority(KEY, FieldChoice(choice.name, choice.id))
    assert (await rig.until(raised.id, DONE)).state is State.CONFIRMED
    assert rig.issue(KEY)["priority"] == choice.name


# ---- refused, unreachable, lost -----------------------------------------------------------------------------


async def test_a_refused_take_fails_with_the_reason_and_rolls_back(sim: CheckedSimServer, rig: Rig) -> None:
    before = rig.store.get(KEY)
    sim.set_faults(f"status=403,paths={ASSIGN_PATH}")
    command = rig.pipeline.take(KEY)
    failed = await rig.until(command.id, DONE)
    assert failed.state is State.FAILED and isinstance(failed.error, PermissionDenied)
    assert rig.store.get(KEY) == before and not rig.store.pending(KEY)
    assert rig.pipeline.stopped() == [failed], "a failed command waits in the list"


async def test_rate_limited_writes_wait_and_go_when_woken(sim: CheckedSimServer, rig: Rig) -> None:
    sim.set_faults(f"rate=1,retry-after=1,paths={COMMENT_PATH},methods=POST")
    command = rig.pipeline.comment(KEY, "Queued while Jira limits us", public=False)
    waiting = await rig.until(command.id, {State.QUEUED}, where=lambda c: c.error is not None)
    assert isinstance(waiting.error, RateLimited) and waiting.kind is CommandKind.COMMENT
    assert rig.pipeline.active() and State.UNCERTAIN not in rig.states(command.id), "a 429 is no maybe"
    assert rig.comment_texts(KEY).count("Queued while Jira limits us") == 0
    sim.set_faults("")
    rig.pipeline.wake()
    assert (await rig.until(command.id, DONE)).state is State.CONFIRMED
    assert rig.comment_texts(KEY).count("Queued while Jira limits us") == 1


async def test_an_unreachable_jira_keeps_the_command_queued_not_failed(
    sim: CheckedSimServer, outbox_path: Path
) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    rig = await make_rig(sim, outbox_path, client=client_for(sim, url=f"http://127.0.0.1:{port}"), keys=())
    try:
        command = rig.pipeline.comment(KEY, "Written on the train", public=False)
        queued = await rig.until(command.id, {State.QUEUED}, where=lambda c: c.error is not None)
        assert isinstance(queued.error, NetworkError) and queued.error.unreachable
        assert stored(outbox_path)[command.id]["state"] == "queued"
    finally:
        await rig.pipeline.stop()
        await rig.client.aclose()
        rig.outbox.close()


@pytest.mark.parametrize("kind", ["comment", "take", "transition", "priority"])
async def test_a_lost_answer_is_confirmed_by_looking_and_lands_once(sim: CheckedSimServer, rig: Rig, kind: str) -> None:
    before = rig.comment_texts(KEY)
    option = await open_transition(rig)
    priorities = await rig.client.priorities()
    held = rig.store.get(KEY)
    choice = next(p for p in priorities if held is None or p.name != held.priority)
    sim.set_faults("lose=1,methods=POST|PUT")
    match kind:
        case "comment":
            command = rig.pipeline.comment(KEY, "Rolled back.", public=True)
        case "take":
            command = rig.pipeline.take(KEY)
        case "transition":
            command = rig.pipeline.transition(KEY, option)
        case _:
            command = rig.pipeline.set_priority(KEY, FieldChoice(choice.name, choice.id))
    done = await rig.until(command.id, DONE)
    assert done.state is State.CONFIRMED and done.after_doubt
    assert State.UNCERTAIN in rig.states(command.id)
    issue = rig.issue(KEY)
    if kind == "comment":
        assert rig.comment_texts(KEY) == [*before, "Rolled back."], "exactly one comment"
    elif kind == "take":
        assert issue["assignee"] == rig.pipeline.account
    elif kind == "transition":
        assert issue["status"] == option.to_status
    else:
        assert issue["priority"] == choice.name


async def test_a_dropped_comment_is_looked_for_then_sent_again_once(sim: CheckedSimServer, rig: Rig) -> None:
    before = rig.comment_texts(KEY)
    sim.set_faults(f"drop=1,paths={COMMENT_PATH},methods=POST")
    command = rig.pipeline.comment(KEY, "Second try lands", public=False)
    await rig.until(command.id, {State.UNCERTAIN})
    # Looked for (absent: drop means Jira never saw it), queued again; the next attempt works.
    await rig.until(command.id, {State.QUEUED})
    sim.set_faults("")
    rig.pipeline.wake()
    assert (await rig.until(command.id, DONE)).state is State.CONFIRMED
    assert rig.comment_texts(KEY) == [*before, "Second try lands"]


# ---- conflicts -----------------------------------------------------------------------------------------------


async def test_a_take_of_an_incident_someone_else_took_meanwhile_stops_and_asks(
    sim: CheckedSimServer, rig: Rig
) -> None:
    # A colleague takes it in Jira; our copy (what the user saw) still says unassigned-or-whoever-it-was.
    seen = rig.store.get(KEY)
    assert seen is not None
    people = await rig.client.assignable_users(KEY)
    colleague = next(
        p for p in people if p.id != rig.pipeline.account and (not seen.assignee or p.id != seen.assignee.id)
    )
    async with client_for(sim) as other:
        await other.assign(KEY, colleague)  # seconds after the last poll: our store has not heard of it
    assert rig.store.jira_copy(KEY) == seen
    command = rig.pipeline.take(KEY)
    stopped = await rig.until(command.id, DONE)
    assert stopped.state is State.CONFLICT and stopped.conflict is not None
    assert stopped.conflict.field == "assignee" and stopped.conflict.now == colleague.display_name
    assert rig.issue(KEY)["assignee"] == colleague.id, "nothing overwritten"
    shown = rig.store.get(KEY)
    assert shown is not None and shown.assignee is not None and shown.assignee.id == colleague.id, "Jira's truth"
    rig.pipeline.go_ahead(command.id)
    assert (await rig.until(command.id, {State.CONFIRMED})).forced
    assert rig.issue(KEY)["assignee"] == rig.pipeline.account


async def test_a_conflicting_transition_can_be_dropped(sim: CheckedSimServer, rig: Rig) -> None:
    seen = rig.store.get(KEY)
    option = await open_transition(rig)
    others = [o for o in await rig.client.transitions(KEY) if o.to_status != option.to_status and not o.required_fields]
    async with client_for(sim) as other:
        await other.transition(KEY, others[0].id)  # not polled yet: only Jira knows
    assert rig.store.jira_copy(KEY) == seen
    command = rig.pipeline.transition(KEY, option)
    stopped = await rig.until(command.id, DONE)
    assert stopped.state is State.CONFLICT and stopped.conflict is not None and stopped.conflict.field == "status"
    rig.pipeline.drop(command.id)
    assert rig.states(command.id)[-1] is State.DROPPED
    assert rig.issue(KEY)["status"] == others[0].to_status
    assert not rig.pipeline.commands


# ---- after a crash -------------------------------------------------------------------------------------------


async def test_a_comment_recorded_but_never_sent_is_sent_once_at_the_next_start(
    sim: CheckedSimServer, outbox_path: Path
) -> None:
    first = await make_rig(sim, outbox_path)
    before = first.comment_texts(KEY)
    command = cmds.comment(KEY, "Typed before the crash", public=False, seen=first.store.get(KEY))
    first.outbox.record(first.pipeline.site, first.pipeline.account, command)  # what submit writes first
    first.outbox.close()
    await first.client.aclose()
    # The process died before sending. The next start takes it up by itself.
    second = await make_rig(sim, outbox_path, resume=True)
    try:
        assert (await second.until(command.id, DONE)).state is State.CONFIRMED
        assert second.comment_texts(KEY) == [*before, "Typed before the crash"]
    finally:
        await second.pipeline.stop()
        await second.client.aclose()
        second.outbox.close()


async def test_a_comment_that_landed_before_the_crash_is_not_sent_again(
    sim: CheckedSimServer, outbox_path: Path
) -> None:
    first = await make_rig(sim, outbox_path)
    command = cmds.comment(KEY, "Landed, answer never read", public=False, seen=first.store.get(KEY))
    sending = command.with_state(State.SENDING, attempts=1)
    first.outbox.record(first.pipeline.site, first.pipeline.account, sending)
    # The request reached Jira; the process died before it read the answer.
    await first.client.add_comment(KEY, command.text, internal=True, command_id=command.id)
    after_first = first.comment_texts(KEY)
    first.outbox.close()
    await first.client.aclose()
    second = await make_rig(sim, outbox_path, resume=True)
    try:
        done = await second.until(command.id, DONE)
        assert done.state is State.CONFIRMED and done.after_doubt
        assert second.comment_texts(KEY) == after_first, "not posted twice"
    finally:
        await second.pipeline.stop()
        await second.client.aclose()
        second.outbox.close()


async def test_a_take_in_flight_at_the_crash_is_checked_not_repeated(sim: CheckedSimServer, outbox_path: Path) -> None:
    mark = len(sim.exchanges)
    first = await make_rig(sim, outbox_path)
    me = first.pipeline.me
    assert me is not None
    command = cmds.take(KEY, me, first.store.get(KEY)).with_state(State.SENDING, attempts=1)
    first.outbox.record(first.pipeline.site, first.pipeline.account, command)
    await first.client.assign(KEY, me)
    first.outbox.close()
    await first.client.aclose()
    second = await make_rig(sim, outbox_path, resume=True)
    try:
        assert (await second.until(command.id, DONE)).state is State.CONFIRMED
        puts = [ex for ex in sim.exchanges[mark:] if ex.method == "PUT"]
        assert len(puts) == 1, "the assignment (the first process's) was seen in Jira and not sent again"
    finally:
        await second.pipeline.stop()
        await second.client.aclose()
        second.outbox.close()


async def test_failed_commands_are_listed_again_after_a_restart_with_their_text(
    sim: CheckedSimServer, outbox_path: Path
) -> None:
    first = await make_rig(sim, outbox_path)
    sim.set_faults(f"status=403,paths={COMMENT_PATH}")
    command = first.pipeline.comment(KEY, "Refused, but kept", public=True)
    await first.until(command.id, DONE)
    await first.pipeline.stop()
    first.outbox.close()
    await first.client.aclose()
    sim.set_faults("")
    second = await make_rig(sim, outbox_path, resume=True)
    try:
        listed = second.pipeline.stopped()
        assert [c.id for c in listed] == [command.id] and listed[0].text == "Refused, but kept"
        assert listed[0].error is not None and type(listed[0].error) is PermissionDenied
        resent = second.pipeline.resend(command.id, text="Refused, but kept (edited)")
        assert resent is not None
        assert (await second.until(command.id, DONE)).state is State.CONFIRMED
        assert second.comment_texts(KEY)[-1] == "Refused, but kept (edited)"
    finally:
        await second.pipeline.stop()
        await second.client.aclose()
        second.outbox.close()


async def test_another_live_process_keeps_its_commands(sim: CheckedSimServer, outbox_path: Path) -> None:
    first = await make_rig(sim, outbox_path)
    command = cmds.comment(KEY, "Mine, still being sent", public=False, seen=None)
    first.outbox.record(first.pipeline.site, first.pipeline.account, command)
    # A second oncall-tui on the same outbox (another SSH session) while the first still runs.
    other = Outbox(outbox_path, owner=f"{socket.gethostname()}:1")  # pid 1 is alive: init
    try:
        assert other.claim(first.pipeline.site, first.pipeline.account) == []
        gone = Outbox(outbox_path, owner=f"{socket.gethostname()}:999999")
        assert [c.id for c in gone.claim(first.pipeline.site, first.pipeline.account)] == []
    finally:
        other.close()
    first.outbox.close()
    await first.client.aclose()


# ---- the outbox itself ---------------------------------------------------------------------------------------


def test_the_outbox_file_is_private_and_versioned(outbox_path: Path) -> None:
    outbox = Outbox(outbox_path)
    try:
        assert outbox.durable and outbox.problem is None
        assert outbox_path.stat().st_mode & 0o777 == 0o600
        assert outbox_path.parent.stat().st_mode & 0o777 == 0o700
    finally:
        outbox.close()
    db = sqlite3.connect(outbox_path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete", "no WAL: NFS homes"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        db.close()


def test_a_corrupt_outbox_is_reported_and_the_app_goes_on_unprotected(outbox_path: Path) -> None:
    outbox_path.parent.mkdir(parents=True)
    outbox_path.write_bytes(b"this is not a database" * 100)
    outbox = Outbox(outbox_path)
    assert not outbox.durable and outbox.problem is not None and outbox.problem.kind == "corrupt"
    command = cmds.comment(KEY, "still works", public=False, seen=None)
    assert outbox.record("https://x", "a", command) is False
    assert outbox.save_draft("https://x", KEY, "draft", False) is False
    assert outbox.drafts("https://x")[KEY].text == "draft", "drafts still live in memory"
    assert outbox_path.read_bytes().startswith(b"this is not a database"), "the damaged file is left for a human"


def test_a_locked_outbox_is_reported(outbox_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import oncall_tui.sync.outbox as outbox_module

    monkeypatch.setattr(outbox_module, "BUSY_TIMEOUT_MS", 50)
    outbox = Outbox(outbox_path)
    holder = sqlite3.connect(outbox_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        ok = outbox.record("https://x", "a", cmds.comment(KEY, "t", public=False, seen=None))
        assert ok is False and outbox.problem is not None and outbox.problem.kind == "locked"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        outbox.close()


def test_an_outbox_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the directory should be")
    outbox = Outbox(blocker / "oncall-tui" / "outbox.sqlite3")
    assert not outbox.durable and outbox.problem is not None
    assert outbox.problem.kind in ("read_only", "failed")


@pytest.fixture
def corrupt_outbox(outbox_path: Path) -> Path:
    outbox_path.parent.mkdir(parents=True)
    outbox_path.write_bytes(b"garbage" * 500)
    return outbox_path


async def test_outbox_trouble_is_told_once_and_writes_still_go(sim: CheckedSimServer, corrupt_outbox: Path) -> None:
    outbox_path = corrupt_outbox
    rig = await make_rig(sim, outbox_path)
    troubles: list[OutboxTrouble] = []
    rig.pipeline.bus.subscribe(lambda e: troubles.append(e) if isinstance(e, OutboxTrouble) else None)
    try:
        first = rig.pipeline.comment(KEY, "one", public=False)
        second = rig.pipeline.comment(KEY, "two", public=False)
        assert (await rig.until(first.id, DONE)).state is State.CONFIRMED
        assert (await rig.until(second.id, DONE)).state is State.CONFIRMED
        assert len(troubles) == 1 and troubles[0].problem.kind == "corrupt"
        assert not rig.pipeline.protected
    finally:
        await rig.pipeline.stop()
        await rig.client.aclose()


def test_commands_survive_the_round_trip_through_the_outbox(outbox_path: Path) -> None:
    from oncall_tui.domain.people import Person

    me = Person("Zoë Müller", account_id="a-1", time_zone="Europe/Berlin")
    made = [
        cmds.take(KEY, me, None),
        cmds.assign(KEY, None, None),
        cmds.comment(KEY, "multi\nline ✓ 🚀", public=True, seen=None),
        cmds.transition(
            KEY,
            TransitionOption("31", "Resolve", to_status="Resolved"),
            None,
            resolution=FieldChoice("Fixed", "1"),
        ),
        cmds.priority(KEY, FieldChoice("P1", "1"), None).with_state(State.FAILED, error=PermissionDenied()),
    ]
    outbox = Outbox(outbox_path)
    try:
        for command in made:
            outbox.record("https://x", "a-1", command)
        back = {c.id: c for c in outbox.claim("https://x", "a-1")}
    finally:
        outbox.close()
    for command in made:
        again = back[command.id]
        assert again == command
        assert type(again.error) is type(command.error)


async def test_writes_of_a_session_that_ended_after_the_start_are_taken_up_when_jira_answers(
    sim: CheckedSimServer, outbox_path: Path
) -> None:
    rig = await make_rig(sim, outbox_path, resume=True)
    try:
        before = rig.comment_texts(KEY)
        # Another session (an SSH session still shutting down when this one started) recorded a comment and is
        # gone now: its pid is free.
        other = Outbox(outbox_path, owner=f"{socket.gethostname()}:999999")
        command = cmds.comment(KEY, "from the session that ended", public=False, seen=None)
        other.record(rig.pipeline.site, rig.pipeline.account, command)
        other.close()
        assert rig.pipeline.get(command.id) is None
        rig.pipeline.wake()  # the engine hears Jira again
        assert (await rig.until(command.id, DONE)).state is State.CONFIRMED
        assert rig.comment_texts(KEY) == [*before, "from the session that ended"]
        mine = rig.pipeline.comment(KEY, "mine", public=False)
        await rig.until(mine.id, DONE)
        rig.pipeline.wake()
        rig.pipeline.wake()
        assert rig.comment_texts(KEY).count("from the session that ended") == 1, "taken up once"
    finally:
        await rig.pipeline.stop()
        await rig.client.aclose()
        rig.outbox.close()


async def test_the_site_is_one_site_however_its_url_is_written_and_no_secret_is_kept(
    sim: CheckedSimServer, outbox_path: Path
) -> None:
    from oncall_tui.sync.session import QueueSpec, Session

    url = sim.login().url
    written = Session(client_for(sim), [QueueSpec("q", "project = OPS")], site_url=url.upper() + "/?token=s3cr3t")
    plain = Session(client_for(sim), [QueueSpec("q", "project = OPS")], site_url=url)
    try:
        assert written.site_key == plain.site_key
        assert "s3cr3t" not in written.site_key
    finally:
        await written.client.aclose()
        await plain.client.aclose()
