"""Pilot: a comment goes out exactly as the box shows it when ctrl+s is pressed, even when the text and ctrl+s
arrive in one burst (as a laggy SSH link delivers them), and keys that follow never reach it."""

from __future__ import annotations

from textual.keys import _character_to_key

from oncall_tui.ui.screens.dialogs import CommentDialog
from oncall_tui.ui.screens.main import MainScreen
from tests.tui_harness import notes, quiet_tui, send_keys, started, table, wait_for

SIZE = (200, 60)


def keys_for(text: str) -> list[tuple[str, str | None]]:
    return [(ch if ch.isalnum() else _character_to_key(ch), ch) for ch in text]


async def test_text_and_ctrl_s_in_one_burst_send_exactly_the_text_four_times_over() -> None:
    lines = [f"W{n}: Restarted the consumer group, lag is dropping; next update 09:{30 + n}." for n in range(1, 5)]
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            before = len(tui.issue(key)["comments"])
            for n, line in enumerate(lines, start=1):
                await pilot.press("c")
                await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
                # The whole line and ctrl+s in one go, and some keys after it that belong to nobody's comment.
                await send_keys(pilot, [*keys_for(line), ("ctrl+s", None), *keys_for("zz")])
                await wait_for(pilot, lambda n=n: len(tui.issue(key)["comments"]) == before + n)
                await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            stored = [c["text"] for c in tui.issue(key)["comments"][before:]]
            assert stored == lines
            assert key not in app.drafts, "each sent draft is forgotten"
            assert not any("empty" in n for n in notes(app))
