"""A Static that repaints only when its text really changed: most of the screen is redrawn from the 1 Hz tick,
and over SSH every repaint is bytes on the wire."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class ChangeOnly(Static):
    """`show_text` updates the widget only when the text or its styles differ from what it shows; an empty text
    hides it (`hide_empty`). Widgets of a fixed height skip the layout pass a new text would otherwise cost."""

    hide_empty = False
    fixed_height = False
    _shown: tuple[str, str] | None = None

    def show_text(self, text: Text) -> None:
        signature = (text.plain, repr(text.spans))
        if signature != self._shown:
            self._shown = signature
            self.update(text, layout=not self.fixed_height)
        if self.hide_empty:
            self.display = bool(text.plain)
