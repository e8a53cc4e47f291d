"""Short garbage-collector pauses with a big queue held (issue 10): once a poll has put its incidents in the store
they are frozen out of the collector's full passes, and everything is collected again only while the user is
idle, at most every ten minutes."""

from __future__ import annotations

import gc
import weakref

from oncall_tui.heap import HeapKeeper
from tests.tui_harness import quiet_tui, started


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_what_a_load_brought_is_frozen_and_collected_again_only_when_the_user_is_idle() -> None:
    clock = Clock()
    heap = HeapKeeper(monotonic=clock, full_every=600, idle_seconds=5)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    assert not heap.maybe_collect(), "nothing frozen yet: nothing to do"
    heap.settled()
    assert gc.get_freeze_count() > 0
    clock.now += 601
    heap.input()
    clock.now += 4
    assert not heap.maybe_collect(), "a key 4 s ago: a full collection now could be felt"
    clock.now += 2

    class Node:
        pass

    cycle = Node()
    cycle.self = cycle  # type: ignore[attr-defined]  # garbage only the cyclic collector frees
    gone = weakref.ref(cycle)
    gc.freeze()  # as if it had been alive at the last freeze
    del cycle
    gc.collect()
    assert gone() is not None, "frozen: out of the collector's reach"
    assert heap.maybe_collect(), "idle for 6 s, ten minutes since the freeze"
    assert gone() is None, "the full collection freed the frozen garbage"
    assert gc.get_freeze_count() > 0, "frozen again after the full collection"
    clock.now += 60
    assert not heap.maybe_collect(), "at most every ten minutes"
    # Someone who never stops for 5 s: a full collection after half an hour all the same.
    clock.now += 1700
    heap.input()
    assert not heap.maybe_collect(), "busy, 29 minutes since the last"
    clock.now += 100
    heap.input()
    assert heap.maybe_collect(), "busy, but half an hour since the last"
    gc.unfreeze()


async def test_the_app_freezes_the_heap_after_a_poll() -> None:
    gc.unfreeze()
    with quiet_tui() as tui:
        assert tui.app.heap is not None, "oncall-tui runs with a heap keeper"
        async with tui.app.run_test() as pilot:
            await started(pilot, tui)
            assert gc.get_freeze_count() > 0 and tui.app.heap.frozen_at is not None
    gc.unfreeze()


def test_what_survives_pythons_own_full_pass_is_frozen_and_what_it_frees_is_not_kept() -> None:
    """Python's own full passes walk every object not frozen, all that survived since the last freeze (10-40 ms
    with a big queue held, every second or two while someone scrolls): once one has run, what is left is
    alive, and frozen too, so the next pass walks only what was made since."""
    gc.unfreeze()
    heap = HeapKeeper()
    heap.settled()
    try:

        class Node:
            pass

        survivors = [Node() for _ in range(1_000)]
        cycle = Node()
        cycle.self = cycle  # type: ignore[attr-defined]
        gone = weakref.ref(cycle)
        del cycle
        frozen = gc.get_freeze_count()
        gc.collect(1)
        assert gc.get_freeze_count() == frozen, "a younger pass freezes nothing"
        gc.collect(2)
        assert gone() is None, "the pass freed the garbage before anything was frozen"
        assert gc.get_freeze_count() >= frozen + len(survivors), "what survived is frozen"
        heap.close()
        gc.unfreeze()
        gc.collect()
        assert gc.get_freeze_count() == 0, "closed: no more freezing"
    finally:
        heap.close()
        gc.unfreeze()
