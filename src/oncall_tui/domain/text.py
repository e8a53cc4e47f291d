"""Make text from Jira safe to show in a terminal.

Everything that comes from Jira is untrusted: a summary can carry escape sequences that would recolour,
retitle or even rewrite the engineer's terminal. `sanitize` removes them; Rich/Textual markup is left
alone on purpose, because escaping it is the renderer's job (it must print literally, not vanish).
"""

from __future__ import annotations

import re

__all__ = ["sanitize", "sanitize_line"]

# Order matters: string-type sequences (OSC, DCS, SOS, PM, APC) first, because their payload may contain
# bytes that look like other sequences. An unterminated payload is cut at the end of the line so that a
# stray ESC cannot swallow the rest of a comment.
_ESC_SEQUENCE = re.compile(
    r"""
      \x1b[\]PX^_] [^\x07\x1b\x9c\n]* (?:\x07|\x1b\\|\x9c)?   # 7-bit OSC / DCS / SOS / PM / APC
    | [\x90\x98\x9d\x9e\x9f] [^\x07\x1b\x9c\n]* (?:\x07|\x1b\\|\x9c)?   # the same, 8-bit introducers
    | \x1b\[ [0-?]* [\x20-/]* [@-~]?                          # 7-bit CSI (colours, cursor moves ...)
    | \x9b [0-?]* [\x20-/]* [@-~]?                            # 8-bit CSI
    | \x1b [\x20-/]* [0-~]                                    # other escapes: ESC c, ESC ( B, ESC 7 ...
    """,
    re.VERBOSE,
)
# Whatever is left: C0 controls except tab and newline, DEL, the C1 range, and the bidirectional
# embedding/override/isolate controls, which can make a summary display as something other than it is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str) -> str:
    """Return `text` without terminal control characters or escape sequences.

    Newlines are normalised to ``\\n`` (a bare ``\\r`` would let text overwrite the start of its line);
    tabs and newlines survive, every other C0 control, DEL and every C1 control is removed.
    """
    if not isinstance(text, str):
        return ""
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESC_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def sanitize_line(text: str) -> str:
    """`sanitize`, then fold the text onto one line (for summaries, names and other table cells)."""
    cleaned = sanitize(text)
    if "\n" in cleaned or "\t" in cleaned:
        cleaned = " ".join(cleaned.split())
    return cleaned.strip()
