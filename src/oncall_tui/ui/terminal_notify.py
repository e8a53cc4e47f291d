"""Notifications written to the user's real terminal: the bell, and a desktop notification by OSC 9 or OSC 777.

They go through Textual's driver (`driver.write`), the same writer thread that draws frames, so a sequence never
lands inside a frame half-written. Inside tmux an OSC reaches the outer terminal only wrapped in DCS passthrough
(tmux >= 3.3 with `allow-passthrough on`); the bell goes bare, tmux handles bells itself. Text from Jira is
sanitised: no control characters, no `;` that would split OSC 777's fields, capped length.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from oncall_tui.display import short_priority
from oncall_tui.i18n import Translator
from oncall_tui.sync.notify import Notify

__all__ = ["BEL", "TITLE", "desktop_kind", "notify_text", "osc9", "osc777", "sanitize", "sequences", "tmux_wrap"]

BEL = "\a"
TITLE = "oncall-tui"
MAX_TEXT = 180

# What the environment says about the terminal -> the desktop notification it understands.
_OSC9_PROGRAMS = {"iterm.app", "wezterm", "ghostty", "vscode", "warpterminal", "apple_terminal"}
_OSC777_TERMS = ("rxvt-unicode", "rxvt", "foot")


def desktop_kind(setting: str, env: Mapping[str, str]) -> str | None:
    """ "osc9", "osc777" or None (bell only) for the `[notify] desktop` setting in this environment."""
    if setting in ("osc9", "osc777"):
        return setting
    if setting == "off":
        return None
    term = env.get("TERM", "").lower()
    program = env.get("TERM_PROGRAM", "").lower()
    if term in ("dumb", "linux") or not term:
        return None
    if env.get("LC_TERMINAL", "").lower() == "iterm2" or program in _OSC9_PROGRAMS or term == "xterm-kitty":
        return "osc9"
    if term.startswith(_OSC777_TERMS) or env.get("VTE_VERSION"):
        return "osc777"
    # Anything else (tmux hides the outer terminal): OSC 9 is the most widely understood, and xterm-style parsers
    # drop an OSC they do not know.
    return "osc9"


def sanitize(text: str, limit: int = MAX_TEXT) -> str:
    """One line of printable text: control and format characters gone, `;` made `,`, at most `limit` long."""
    cleaned = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "\n\r\t":
            cleaned.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue
        else:
            cleaned.append("," if ch == ";" else ch)
    line = " ".join("".join(cleaned).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def osc9(text: str) -> str:
    return f"\x1b]9;{sanitize(text)}{BEL}"


def osc777(title: str, body: str) -> str:
    return f"\x1b]777;notify;{sanitize(title, 60)};{sanitize(body)}{BEL}"


def tmux_wrap(sequence: str) -> str:
    """DCS passthrough: tmux hands the inner sequence to the outer terminal (every ESC in it doubled)."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def sequences(text: str, *, bell: bool, desktop: str | None, tmux: bool) -> str:
    """Everything to write for one notification."""
    out = BEL if bell else ""
    if desktop == "osc9":
        # The title first: OSC 9 text starting with a digit and `;` is a ConEmu/Windows Terminal progress command.
        seq = osc9(f"{TITLE}: {text}")
    elif desktop == "osc777":
        seq = osc777(TITLE, text)
    else:
        return out
    return out + (tmux_wrap(seq) if tmux else seq)


def notify_text(notify: Notify, tr: Translator) -> str:
    """The notification in words, its parts joined."""
    words = []
    for part in notify.parts:
        params = dict(part.params)
        if "priority" in params:
            params["priority"] = short_priority(str(params["priority"]) or None)
        words.append(tr(part.message, **params))
    return " · ".join(words)
