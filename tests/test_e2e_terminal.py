"""The process and the terminal, in a real terminal (tmux): what the installed `oncall-tui` leaves behind.

- `q` (and `demo`) ends with exit status 0 and no traceback;
- SIGTERM and SIGHUP restore the terminal exactly as `q` does, also when the terminal is already gone;
- the ASCII fallback follows the locale variables, not Python's own encoding;
- text from Jira that terminals measure differently (emoji with VS16, ZWJ sequences, skin tones, zero-width and
  TAG characters, bidirectional marks, line separators) never reaches the screen, and table rows line up.

Screen columns are measured by tmux itself (copy-mode cursor, or the cursor position report), never with
Rich's idea of a string's width: that is what is under test.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len

from oncall_tui.domain.text import sanitize, sanitize_line
from tests.tmux_harness import (
    Sim,
    Terminal,
    alive,
    installed_command,
    running_sim,
    table_lines,
    tmux_terminal,
)

pytestmark = pytest.mark.e2e

MOUSE_FLAGS = ("mouse_any_flag", "mouse_button_flag", "mouse_all_flag", "mouse_standard_flag", "mouse_sgr_flag")
TRACEBACK_WORDS = ("Traceback", "Error", "Exception")


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with running_sim(tmp_path) as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=200, height=60, budget=20.0) as term:
        yield term


def wait_for_table(term: Terminal) -> tuple[str, list[str]]:
    """The table's header and rows, once it shows some."""

    last: list[tuple[str, list[str]] | None] = [None]

    def shown() -> tuple[str, list[str]] | None:
        # The same table on two reads in a row: not a frame caught half written (the header's columns already
        # widened for a row mark, the rows not yet).
        lines = table_lines(term.screen())
        settled = lines is not None and lines[1] and lines == last[0]
        last[0] = lines
        return lines if settled else None

    return term.wait("the queue table", shown)


def wait_for_exit(term: Terminal) -> int:
    return term.wait("the TUI to exit", term.exit_status)


def assert_no_traceback(screen: str) -> None:
    found = [word for word in TRACEBACK_WORDS if word in screen]
    assert not found, f"the terminal shows {found} after the TUI ended:\n{screen}"


def assert_restored(term: Terminal, raw: bytes) -> None:
    """The terminal as before the TUI: normal screen, no mouse tracking, cursor visible, bracketed paste off."""
    flags = term.flags("alternate_on", "cursor_flag", *MOUSE_FLAGS)
    assert flags == {"alternate_on": "0", "cursor_flag": "1", **dict.fromkeys(MOUSE_FLAGS, "0")}, flags
    # tmux has no format for bracketed paste: read the app's last word on it from the bytes it wrote.
    assert b"\x1b[?2004h" in raw, "the TUI never turned bracketed paste on: nothing to check"
    assert raw.rindex(b"\x1b[?2004l") > raw.rindex(b"\x1b[?2004h"), "bracketed paste left on"


# ---- item 16: every quit used to be a crash ------------------------------------------------------------------


def test_q_exits_with_status_0_and_no_traceback(terminal: Terminal, sim: Sim, tmp_path: Path) -> None:
    raw = tmp_path / "pane.raw"
    terminal.start([str(installed_command()), "--config", str(sim.config)], record=raw)
    wait_for_table(terminal)
    terminal.keys("q")
    assert wait_for_exit(terminal) == 0
    assert_no_traceback(terminal.screen())
    assert_restored(terminal, raw.read_bytes())


def test_demo_q_exits_with_status_0_and_no_traceback(terminal: Terminal) -> None:
    terminal.start([str(installed_command()), "demo"])
    wait_for_table(terminal)
    terminal.keys("q")
    assert wait_for_exit(terminal) == 0
    assert_no_traceback(terminal.screen())


# ---- item 17: SIGTERM / SIGHUP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_restores_the_terminal_as_q_does(
    terminal: Terminal, sim: Sim, tmp_path: Path, signum: signal.Signals
) -> None:
    raw = tmp_path / "pane.raw"
    # Mouse tracking on (the default), so that there is something to switch off.
    terminal.start([str(installed_command()), "--config", str(sim.config)], record=raw)
    wait_for_table(terminal)
    assert terminal.flags("alternate_on", "mouse_any_flag") == {"alternate_on": "1", "mouse_any_flag": "1"}
    os.kill(terminal.process(), signum)
    # The shell's convention for "ended by signal N", reached through the app's own exit path.
    assert wait_for_exit(terminal) == 128 + signum
    assert_no_traceback(terminal.screen())
    assert_restored(terminal, raw.read_bytes())


# What an interactive login shell does when the SSH connection drops: the kernel hangs up the terminal and
# signals the session leader (the shell), which then sends SIGHUP to its jobs. This stands in for that shell
# and writes the TUI's exit status to a file, as nobody can read it from a terminal that is gone.
HANGUP_SHELL = """
import os, signal, subprocess, sys
status = sys.argv[1]
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGHUP, lambda signum, frame: child.send_signal(signal.SIGHUP))
code = child.wait()
with open(status + ".tmp", "w") as out:
    out.write(str(code))
os.rename(status + ".tmp", status)
"""


def test_sighup_after_the_terminal_is_gone_ends_cleanly(terminal: Terminal, sim: Sim, tmp_path: Path) -> None:
    status = tmp_path / "status"
    tui = [str(installed_command()), "--config", str(sim.config)]
    terminal.exec([sys.executable, "-c", HANGUP_SHELL, str(status), *tui])
    wait_for_table(terminal)
    pid = terminal.process()
    # Closing the pane closes the terminal (the pty), as sshd does when the connection drops.
    terminal.run("kill-pane", "-t", "e2e")
    code = terminal.wait("the TUI's exit status after the hang-up", lambda: status.exists() and status.read_text())
    # 129: ended through the app's exit path; a traceback would be 1, death by the signal itself -1.
    assert int(code) == 128 + signal.SIGHUP
    assert not alive(pid)


# ---- item 13 (the locale half): is this terminal UTF-8? ------------------------------------------------------

UNICODE_SLA_GLYPHS = set("●⚠✖‖☾✔✗")
ASCII_SLA_GLYPHS = set(">!X=zx+")
BOX_DRAWING = {chr(c) for c in range(0x2500, 0x2580)} | {chr(c) for c in range(0x2580, 0x25A0)}


def sla_glyphs(header: str, rows: list[str]) -> set[str]:
    start, end = header.index("SLA"), header.index("Age")
    return {row[start:end].strip()[:1] for row in rows} - {"", "—", "-"}


def side_border(header: str, rows: list[str]) -> set[str]:
    """The characters drawn in the side pane's border column, on the header line and every row (the
    scenario's own text is all one column per character: string index is screen column here)."""
    at = header.index("Summary") + len("Summary")
    while header[at] == " ":
        at += 1
    return {line[at] for line in [header, *rows] if len(line) > at}


LOCALES = [
    # (the locale variables for the TUI, whether they mean ASCII)
    ({"LANG": "C", "LC_ALL": ""}, True),
    ({"LANG": "C.UTF-8", "LC_ALL": "POSIX"}, True),  # LC_ALL decides first
    ({"LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": "de_DE.ISO-8859-1"}, True),  # then LC_CTYPE
    ({"LANG": "C.UTF-8", "LC_ALL": ""}, False),  # and the same terminal with a UTF-8 locale is not ASCII
]


def test_ascii_fallback_follows_the_locale_variables(terminal: Terminal, sim: Sim) -> None:
    for locale, ascii_only in LOCALES:
        terminal.start([str(installed_command()), "--config", str(sim.config), "--no-mouse"], env=locale)
        header, rows = wait_for_table(terminal)
        glyphs = sla_glyphs(header, rows)
        border = side_border(header, rows)
        terminal.keys("q")
        assert wait_for_exit(terminal) == 0
        terminal.kill()  # the next case starts a fresh tmux server
        if ascii_only:
            assert glyphs and glyphs <= ASCII_SLA_GLYPHS, f"SLA glyphs under {locale}: {glyphs}"
            assert border and not border & BOX_DRAWING, f"side pane border under {locale}: {border}"
        else:
            assert glyphs and glyphs <= UNICODE_SLA_GLYPHS, f"SLA glyphs under {locale}: {glyphs}"
            assert border == {"│"}, f"side pane border under {locale}: {border}"


# ---- item 15: widths terminals disagree on ---------------------------------------------------------------------

# Each summary starts with "#n ", so that its first screen column can be found; the rest is what terminals
# and Rich measure differently, and ordinary text that must survive.
TRICKY_SUMMARIES = [
    "#1 heart ❤️ smile ☺️ keycap 1️⃣ sun ☀️ end",
    "#2 family 👨‍👩‍👧 coder 🧑‍💻 heart on fire ❤️‍🔥 end",
    "#3 thumbs 👍🏽 wave 👋🏿 face 😀🏻 end",
    "#4 zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeffbom\u00adsoft end",
    "#5 flag 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f hidden\U000e0041\U000e0042 end",
    "#6 bidi \u200eLRM \u200fRLM \u061cALM end",
    "#7 line\u2028separator\u2029paragraph end",
    "#8 filler\u3164hangul trigram ☰ flags 🇩🇪🇫🇷 end",
    "#9 Mu\u0308ller Ágnes Łódź 東京障害 Сбой 한국 end",
]
TRICKY_DESCRIPTION = "Customer says ❤️‍🔥 and 👍🏽 in\u2028two lines\u2029and \u200ehidden\U000e0041 marks"
TRICKY_LABELS = ["vip❤️", "zw\u200bsp"]


def removed(char: str) -> bool:
    """The characters `sanitize` promises never to let through (apart from controls, tested elsewhere)."""
    cp = ord(char)
    return (
        unicodedata.category(char) in ("Cf", "Zl", "Zp", "Cn", "Cs")
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0000 <= cp <= 0xE01EF
        or 0x1F3FB <= cp <= 0x1F3FF
        or char in "\u115f\u1160\u3164\uffa0"
    )


def frozen_lines(term: Terminal, lines: range, marks: str) -> dict[int, tuple[str, dict[str, int | None]]]:
    """For each of `lines`: its text and the screen column of the first of each of `marks` on it (None: none).

    Measured by tmux's copy-mode cursor, not computed from captured text (that would need the very widths in
    question), on one frozen copy of the screen: the 1 Hz tick may re-sort the table meanwhile.
    """
    pane = ("-t", "e2e")
    term.run("copy-mode", *pane)
    found: dict[int, tuple[str, dict[str, int | None]]] = {}
    try:
        for y in lines:
            args = ["send-keys", *pane, "-X", "top-line", ";"]
            if y:
                args += ["send-keys", *pane, "-X", "-N", str(y), "cursor-down", ";"]
            for mark in marks:
                args += ["send-keys", *pane, "-X", "start-of-line", ";"]
                args += ["send-keys", *pane, "-X", "jump-forward", mark, ";"]
                args += ["display-message", "-p", *pane, "#{copy_cursor_x}", ";"]
            args += ["display-message", "-p", *pane, "#{copy_cursor_y}\t#{copy_cursor_line}"]
            *xs, last = term.run(*args).rstrip("\n").split("\n")
            at, text = last.split("\t", 1)
            assert int(at) == y, f"the copy-mode cursor is on line {at}, not {y}"
            found[y] = (text, {mark: int(x) if x != "0" else None for mark, x in zip(marks, xs, strict=True)})
    finally:
        term.run("send-keys", *pane, "-X", "cancel")
    return found


def test_tricky_text_lines_up_and_never_reaches_the_screen(terminal: Terminal, sim: Sim, tmp_path: Path) -> None:
    keys = []
    for summary in TRICKY_SUMMARIES:
        created = sim.control(
            "POST",
            "/incidents",
            json={
                "summary": summary,
                "priority": "High",
                "service": "CRM Platform",
                "description": TRICKY_DESCRIPTION,
                "labels": TRICKY_LABELS,
            },
        )
        keys.append(created["key"])
    raw = tmp_path / "pane.raw"
    terminal.start([str(installed_command()), "--config", str(sim.config), "--no-mouse"], record=raw)
    wait_for_table(terminal)
    terminal.keys("2")  # Unassigned: the new incidents and the scenario's own, all on one screen

    def all_rows() -> tuple[int, int] | None:
        screen = terminal.screen()
        found = table_lines(screen)
        if found is None or not set(keys) <= {line.split()[0] for line in found[1]}:
            return None
        return screen.splitlines().index(found[0]), len(found[1])

    top, count = terminal.wait("the new incidents in the Unassigned queue", all_rows)
    measured = frozen_lines(terminal, range(top, top + 1 + count), "│#")
    header, header_at = measured[top]
    rows = {text.split()[0]: at for text, at in (measured[y] for y in range(top + 1, top + 1 + count))}
    assert set(keys) <= set(rows), f"the table changed under the measurement: {sorted(rows)}"

    # The side pane's border: the same screen column on the header line and on every row.
    border = header_at["│"]
    misplaced = {key: at["│"] for key, at in rows.items() if at["│"] != border}
    assert border is not None and not misplaced, f"border at {border} on the header; rows (None: none): {misplaced}"
    # Each column starts where its header does: the columns left of the summary hold no tricky text (one column
    # per character), and every tricky summary starts (its "#") at the Summary header's screen column.
    starts = [header.index(name) for name in ("P ", "Status", "Assignee", "SLA", "Age", "Summary")]
    for text, _ in measured.values():
        for start in starts[:-1]:
            assert text[start - 1] == " " and text[start] != " ", f"not under its header:\n{header}\n{text}"
    misplaced = {key: rows[key]["#"] for key in keys if rows[key]["#"] != starts[-1]}
    assert not misplaced, f"summaries not at the Summary column {starts[-1]}: {misplaced}"
    table = terminal.screen()

    # Show one of them in the detail pane too (description, labels): filter the queue down to it.
    terminal.keys("/")
    # Keys typed before the field has the focus go to the table; the footer hides the table's keys then.
    terminal.wait("the filter field", lambda: "c comment" not in terminal.screen().rstrip("\n").splitlines()[-1])
    terminal.type("#5")
    terminal.keys("Enter")
    terminal.wait("the detail of #5", lambda: "hidden" in terminal.screen() and "Customer says" in terminal.screen())
    screens = table + terminal.screen()
    terminal.keys("q")
    assert wait_for_exit(terminal) == 0

    on_screen = sorted({f"U+{ord(c):04X}" for c in screens if removed(c)})
    assert not on_screen, f"removed characters on the screen: {on_screen}"
    written = raw.read_bytes().decode("utf-8", errors="strict")
    in_bytes = sorted({f"U+{ord(c):04X}" for c in written if removed(c)})
    assert not in_bytes, f"removed characters written to the terminal: {in_bytes}"
    assert "Müller Ágnes Łódź 東京障害 Сбой 한국" in screens, "ordinary text must survive, composed"


# ---- Rich's width of sanitised text is the terminal's ----------------------------------------------------------

# Runs in the pane: writes each string between two letters, asks the terminal where the cursor is (DSR 6) and
# records how many columns the string took.
PROBE = """
import json, os, sys, tty
strings, answer = sys.argv[1], sys.argv[2]
tty.setraw(0)
widths = []
for text in json.load(open(strings, encoding="utf-8")):
    os.write(1, b"\\r\\x1b[2KA" + text.encode("utf-8") + b"B\\x1b[6n")
    reply = b""
    while not reply.endswith(b"R"):
        reply += os.read(0, 64)
    widths.append(int(reply[reply.rindex(b";") + 1 : -1]) - 1 - 2)
with open(answer + ".tmp", "w") as out:
    json.dump(widths, out)
os.rename(answer + ".tmp", answer)
"""

TRICKY_STRINGS = [
    *TRICKY_SUMMARIES,
    TRICKY_DESCRIPTION,
    *TRICKY_LABELS,
    "❤️",
    "❤︎",
    "☺️",
    "©️ ®️ ™️",
    "1️⃣ #️⃣",
    "👨‍👩‍👧‍👦",
    "🧑🏽‍💻",
    "🏳️‍🌈",
    "👍🏻👍🏼👍🏽👍🏾👍🏿",
    "🏻",
    "🇩🇪",
    "🇩",
    "🇩🇪🇫",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "\U000e0001\U000e0020",
    "a\u200bb\u200cc\u200dd\u2060e\ufefff\u00adg\u180eh",
    "\u200e\u200f\u061c\u202a\u202e\u2066\u2069",
    "x\u2028y\u2029z",
    "\u3164\uffa0\u115f\u1160",
    "☰☷⚊⚏𝌀𝍠㉈",
    "\u0378\U0001fae8",
    "e\u0301 a\u0308 n\u0303 \u0301leading",
    "😀\u0301 漢\u0301",
    "Zalgo z\u0301\u0302\u0303\u0304\u0305\u0306\u0307",
    "東京 サーバー 障害 한국어",
    "Störung im Händlerportal ✖ ⚠ ● ‖ ☾ ✔ ✗ — …",
    "Сбой Ελληνικά Łódź Ágnes Çağrı naïve",
    "مشکل در سرور עברית",
]


def random_strings(count: int, seed: int = 15) -> list[str]:
    """Deterministic strings over what Jira text holds: scripts, combining marks, emoji and their modifiers,
    format and invisible characters. Without the Indic spacing vowel signs (category Mc), which Rich counts as
    zero columns and terminals as one: a known disagreement that `sanitize` leaves alone (see its module)."""
    rng = random.Random(seed)
    blocks = [
        (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x52F), (0x590, 0x6FF), (0x900, 0x97F),
        (0x1100, 0x11FF), (0x1F00, 0x1FFF), (0x2000, 0x206F), (0x20A0, 0x20FF), (0x2190, 0x27BF),
        (0x2E80, 0x2FFF), (0x3000, 0x30FF), (0x3130, 0x318F), (0x3200, 0x33FF), (0x4DC0, 0x4DFF),
        (0x4E00, 0x4E80), (0xAC00, 0xAC80), (0xFE00, 0xFE6F), (0xFF00, 0xFFFF), (0x1D300, 0x1D37F),
        (0x1F000, 0x1FAFF), (0xE0000, 0xE01EF),
    ]  # fmt: skip
    out = []
    for _ in range(count):
        chars = []
        while len(chars) < rng.randint(1, 12):
            low, high = rng.choice(blocks)
            char = chr(rng.randint(low, high))
            if unicodedata.category(char) != "Mc":
                chars.append(char)
        out.append("".join(chars))
    return out


def test_rich_width_of_sanitised_text_is_what_tmux_shows(tmp_path: Path) -> None:
    texts = [sanitize_line(s) for s in TRICKY_STRINGS + random_strings(400)]
    texts += [line for s in TRICKY_STRINGS for line in sanitize(s).split("\n")]
    strings, answer = tmp_path / "strings.json", tmp_path / "widths.json"
    strings.write_text(json.dumps(texts), encoding="utf-8")
    with tmux_terminal(tmp_path, width=200, height=10, budget=15.0) as term:
        term.exec([sys.executable, "-c", PROBE, str(strings), str(answer)])
        term.wait("the terminal's measurements", answer.exists)
    measured = json.loads(answer.read_text())
    wrong = {
        text: (cell_len(text), shown) for text, shown in zip(texts, measured, strict=True) if cell_len(text) != shown
    }
    assert not wrong, "Rich's width != the terminal's (rich, tmux): " + "; ".join(
        f"{text!a}: {widths}" for text, widths in list(wrong.items())[:20]
    )
