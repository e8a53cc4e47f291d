"""The queue table widget on its own: diffs applied row by row, and a burst of removals with one re-index."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult

from oncall_tui.domain.incident import Incident
from oncall_tui.ui.widgets.queue_table import QueueTable

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


class TableApp(App[None]):
    def __init__(self, incidents: dict[str, Incident]) -> None:
        super().__init__()
        self.incidents = incidents

    def compose(self) -> ComposeResult:
        table = QueueTable(id="queue")
        table.bind_store(self.incidents.get)
        yield table


def incidents(n: int) -> dict[str, Incident]:
    return {f"OPS-{i}": Incident(key=f"OPS-{i}", id=str(i), summary=f"Incident {i}") for i in range(1, n + 1)}


async def test_small_and_large_removals_leave_exactly_the_remaining_rows() -> None:
    data = incidents(200)
    app = TableApp(data)
    async with app.run_test() as pilot:
        table = app.query_one(QueueTable)
        table.show(list(data), NOW)
        await pilot.pause()
        table.apply((), (), ["OPS-1", "OPS-2", "OPS-3"], NOW)
        assert table.row_count == 197 and not table.holds("OPS-2")
        many = [f"OPS-{i}" for i in range(10, 70)]
        data["OPS-500"] = Incident(key="OPS-500", id="500", summary="arrived with the burst")
        table.apply(["OPS-500"], ["OPS-150"], many, NOW)
        assert table.row_count == 197 - len(many) + 1
        assert table.holds("OPS-500") and table.holds("OPS-150")
        assert not any(table.holds(key) for key in many)
        # The index behind the rows is consistent: every remaining row is where the table says it is.
        order = table.order
        assert len(order) == table.row_count == len(set(order))
        assert all(table.get_row_index(key) == index for index, key in enumerate(order))
        assert set(order) == {key for key in data if key not in {"OPS-1", "OPS-2", "OPS-3", *many}}
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        assert table.selected_key == order[-1]


def strip_text(table: QueueTable, key: str) -> str:
    """What the table draws on the line of `key` (the strip, not the model)."""
    line = table.get_row_index(key) - int(table.scroll_offset.y) + 1
    return "".join(segment.text for segment in table.render_line(line))


async def test_a_mark_on_a_row_whose_rank_drifts_is_drawn() -> None:
    """A paused, breached clock is ranked by a time that moves: a change to such a row moves the order, and its
    mark must still be drawn (review of issue 10)."""
    from datetime import timedelta

    from oncall_tui.domain.sla import SlaClock

    def incident(number: int, remaining_ms: int, paused: bool = False) -> Incident:
        clock = SlaClock("TTR", fetched_at=NOW, goal_ms=3_600_000, remaining_ms=remaining_ms, paused=paused)
        return Incident(key=f"OPS-{number}", id=str(number), summary=f"Incident {number}", slas=(clock,))

    data = {i.key: i for i in (incident(1, 7_200_000), incident(2, 10_800_000), incident(3, -600_000, paused=True))}
    marked: set[str] = set()
    app = TableApp(data)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(QueueTable)
        table.is_marked = marked.__contains__
        table.show(list(data), NOW)
        await pilot.pause()
        marked.add("OPS-1")  # the first mark widens the key column: every row is made again then
        table.apply((), ("OPS-1",), (), NOW + timedelta(seconds=2))
        await pilot.pause()
        marked.add("OPS-3")
        table.apply((), ("OPS-3",), (), NOW + timedelta(seconds=3))
        await pilot.pause()
        table.tick(NOW + timedelta(seconds=4))
        await pilot.pause()
        assert "● OPS-3" in strip_text(table, "OPS-3")


async def test_a_row_hidden_by_the_filter_keeps_its_place_when_it_changes() -> None:
    from datetime import timedelta

    from oncall_tui.domain.sla import SlaClock

    def incident(number: int, minutes: int, summary: str) -> Incident:
        clock = SlaClock("TTR", fetched_at=NOW, goal_ms=86_400_000, remaining_ms=minutes * 60_000)
        return Incident(key=f"OPS-{number}", id=str(number), summary=summary, slas=(clock,))

    data = {i.key: i for i in (incident(1, 60, "disk"), incident(2, 120, "kafka"), incident(3, 180, "kafka"))}
    app = TableApp(data)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(QueueTable)
        table.show(list(data), NOW)
        table.set_filter("kafka", NOW)
        await pilot.pause()
        assert table.order == ["OPS-2", "OPS-3"] and table.tracks("OPS-1") and not table.holds("OPS-1")
        data["OPS-1"] = incident(1, 240, "disk")  # another queue's poll: OPS-1 has more time now
        table.apply((), ("OPS-1",), (), NOW + timedelta(seconds=1))
        table.set_filter("", NOW + timedelta(seconds=2))
        await pilot.pause()
        assert table.order == ["OPS-2", "OPS-3", "OPS-1"]


async def test_a_long_priority_name_is_cut_not_ellipsised_in_its_two_columns() -> None:
    """Data Center's priorities (Major, Minor) show as their first letters, as they fit: "M…" would make Major and
    Minor look the same."""
    data = {
        "OPS-1": Incident(key="OPS-1", id="1", summary="a", priority="Major"),
        "OPS-2": Incident(key="OPS-2", id="2", summary="b", priority="Minor"),
    }
    app = TableApp(data)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(QueueTable)
        table.show(list(data), NOW)
        await pilot.pause()
        assert " Ma " in strip_text(table, "OPS-1") and " Mi " in strip_text(table, "OPS-2")


async def test_a_hostile_key_or_priority_name_reaches_the_screen_as_plain_text() -> None:
    """Every string from Jira is drawn literally and without control characters, the key and the priority's name
    as much as the summary."""
    hostile = "OPS-1\x1b]0;owned\x07"
    data = {hostile: Incident(key=hostile, id="1", summary="[red]x\x1b[2J", priority="\x1b[31mHi")}
    app = TableApp(data)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(QueueTable)
        table.show(list(data), NOW)
        await pilot.pause()
        drawn = strip_text(table, hostile)
        assert "\x1b" not in drawn and "\x07" not in drawn
        assert "[red]x" in drawn and "OPS-1" in drawn


async def test_each_sort_is_the_order_of_its_keys_and_a_drifting_row_moves_after_a_return_to_its_sort() -> None:
    """The priority order reuses the breach order's keys (its first sort of 10,000 rows took 90 ms). Whichever
    sort came first, each order is that of `sort_rank`; and a paused, breached clock (ranked by a time that
    moves) still moves with time after the sorts went round to its own again (its key then comes from the
    cache)."""
    from datetime import timedelta

    from oncall_tui.domain.sla import AtRiskThresholds, SlaClock
    from oncall_tui.ui.widgets.queue_table import SORTS, sort_rank

    def incident(number: int, priority: str, remaining_min: int, paused: bool = False) -> Incident:
        clock = SlaClock("TTR", fetched_at=NOW, goal_ms=3_600_000, remaining_ms=remaining_min * 60_000, paused=paused)
        updated = NOW - timedelta(minutes=number)
        return Incident(key=f"OPS-{number}", id=str(number), summary="x", priority=priority, slas=(clock,),
                        created=updated, updated=updated)  # fmt: skip

    data = {
        i.key: i
        for i in (
            incident(1, "P2", 30),
            incident(2, "P1", 90),
            incident(3, "P2", -10, paused=True),  # breached ten minutes ago, stopped: drifts
            incident(4, "P1", 5),
            incident(5, "P3", 45, paused=True),
        )
    }
    app = TableApp(data)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(QueueTable)
        table.show(list(data), NOW)
        await pilot.pause()
        for mode in ("priority", "breach", *SORTS, "priority"):
            table.set_sort(mode, NOW)
            expected = sorted(data, key=lambda k, m=mode: sort_rank(m, data[k], NOW, AtRiskThresholds()))
            assert table.order == expected, mode
        table.set_sort("breach", NOW)
        assert table.order.index("OPS-3") < table.order.index("OPS-4")
        # Twenty minutes on, OPS-3 is ranked as breaching ten minutes after OPS-4, whose clock ticked on.
        table.tick(NOW + timedelta(minutes=20))
        assert table.order.index("OPS-3") > table.order.index("OPS-4")


async def test_a_minute_on_the_drifting_rows_are_keyed_again_a_slice_a_tick_then_sorted(monkeypatch: object) -> None:
    """Once a minute the breach order's reference moment moves and the rows whose key drifts with time (stopped,
    breached clocks) are keyed again: out of business hours that is most of 10,000, and doing them all at once
    took 76 ms. They are keyed `REDRIFT_PER_TICK` a tick; once the last is done the order is that of
    `sort_rank` at the new moment."""
    from datetime import timedelta

    import pytest

    from oncall_tui.domain.sla import AtRiskThresholds, SlaClock
    from oncall_tui.ui.widgets import queue_table

    assert isinstance(monkeypatch, pytest.MonkeyPatch)

    def incident(number: int, remaining_min: int, paused: bool = False) -> Incident:
        clock = SlaClock("TTR", fetched_at=NOW, goal_ms=3_600_000, remaining_ms=remaining_min * 60_000, paused=paused)
        return Incident(key=f"OPS-{number}", id=str(number), summary="x", slas=(clock,))

    per_tick = queue_table.REDRIFT_PER_TICK
    ticking = {i.key: i for i in (incident(n, 5 + n % 50) for n in range(1, 201))}
    # Breached and stopped, 1 to 60 minutes ago: among the ticking rows now, after most of them 20 minutes on.
    numbers = range(201, 201 + 2 * per_tick + 100)
    drifting = {i.key: i for i in (incident(n, -(1 + n % 60), paused=True) for n in numbers)}
    data = {**ticking, **drifting}
    app = TableApp(data)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(QueueTable)
        table.show(list(data), NOW)
        await pilot.pause()
        keyed: list[str] = []
        real = queue_table.sort_rank

        def counting(mode: str, inc: Incident, now: datetime, thresholds: AtRiskThresholds) -> object:
            keyed.append(inc.key)
            return real(mode, inc, now, thresholds)

        monkeypatch.setattr(queue_table, "sort_rank", counting)
        later = NOW + timedelta(minutes=20)
        before = table.order
        for second in range(3):
            table.tick(later + timedelta(seconds=second))
            assert len(keyed) == min(len(drifting), (second + 1) * per_tick), second
            if second < 2:
                assert table.order == before, "sorted only once every drifting row is keyed again"
        assert sorted(keyed) == sorted(drifting), "only the rows whose key drifts"
        assert table.order != before
        assert table.order == sorted(data, key=lambda k: real("breach", data[k], later, AtRiskThresholds()))


async def test_opening_the_filter_makes_its_texts_a_slice_at_a_time_before_the_first_key(monkeypatch: object) -> None:
    """The first filter keystroke over 10,000 rows made every row's text first (25 ms on top of the key). The
    texts are made once the field opens, `HAYSTACKS_PER_TURN` per loop turn; the keystroke then makes none."""
    import pytest

    from oncall_tui.ui.widgets import queue_table

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    per_turn = queue_table.HAYSTACKS_PER_TURN
    data = incidents(2 * per_turn + 10)
    made: list[str] = []
    real = queue_table.haystack

    def counting(incident: Incident, unassigned: str) -> str:
        made.append(incident.key)
        return real(incident, unassigned)

    monkeypatch.setattr(queue_table, "haystack", counting)
    app = TableApp(data)
    async with app.run_test() as pilot:
        table = app.query_one(QueueTable)
        table.show(list(data), NOW)
        await pilot.pause()
        table.prepare_filter()
        assert len(made) == per_turn, "one slice now, the rest in later turns"
        await pilot.pause()
        assert sorted(made) == sorted(data)
        made.clear()
        table.set_filter("7", NOW)
        assert made == [], "the keystroke finds every text made"
        assert set(table.order) == {key for key in data if "7" in key}


async def test_a_filter_keystroke_asks_the_store_for_no_row_and_sees_every_change_the_table_heard() -> None:
    """Each row's filter text is kept as made for the store's copy now: a keystroke over 10,000 rows asked the
    store for every one (17 ms). A change the table hears of (`apply`) is filtered on its new text."""
    data = incidents(2_000)
    asked: list[str] = []

    def lookup(key: str) -> Incident | None:
        asked.append(key)
        return data.get(key)

    app = TableApp(data)
    async with app.run_test() as pilot:
        table = app.query_one(QueueTable)
        table.bind_store(lookup)
        table.show(list(data), NOW)
        table.prepare_filter()
        await pilot.pause()
        asked.clear()
        table.set_filter("alpha", NOW)
        assert table.row_count == 0 and len(asked) < 10, f"{len(asked)} rows asked for"
        data["OPS-3"] = Incident(key="OPS-3", id="3", summary="Alpha site down")
        table.apply((), ["OPS-3"], (), NOW)
        assert table.order == ["OPS-3"]
        data["OPS-3"] = Incident(key="OPS-3", id="3", summary="Beta site down")
        table.apply((), ["OPS-3"], (), NOW)
        table.set_filter("alph", NOW)
        assert table.order == [], "filtered on the text it has now"
