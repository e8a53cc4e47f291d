"""The escalation pane: its text at 80x24 and wide with three levels, night hours where the contact is, problems
in words, hostile names; in the app, the copy keys (OSC 52), picking a contact and the minute tick."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text

from oncall_tui.domain.escalation import EscalationState
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.oncall import (
    Contact,
    FixedContacts,
    Level,
    OnCallShift,
    Policy,
    ResolvedLevel,
    ResolvedPolicy,
    Source,
)
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.ui.ascii_filter import to_ascii
from oncall_tui.ui.widgets.escalation import EscalationPane, escalation_text
from tests.tui_harness import notes, quiet_tui, send_keys, started, wait_for

UNREAD = "The leads could not be read from Jira; trying again shortly"

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
# A Monday evening in Berlin: night in Tokyo, working hours in Berlin and Warsaw.
NOW = datetime(2026, 3, 2, 19, 3, tzinfo=BERLIN)
# The pane's content box at 80x24 (measured in the app: the side area's right column, inside border and padding).
NARROW = (27, 9)
DE = Translator("de")


def person(name: str, **kw: Any) -> Contact:
    return Contact(account_id="id-" + name.split()[0].lower(), display_name=name, **kw)


MUELLER = person("Maximilian Müller", phone="+49 170 1234567", email="m.mueller@example.com", time_zone="Europe/Berlin")
TANAKA = person("Yuki Tanaka", phone="+81 90 1234 5678", email="yuki@example.jp", chat="@yuki", time_zone="Asia/Tokyo")
WEBER = person("Jana Weber", phone="+49 151 7654321", time_zone="Europe/Berlin")
NOWAK = person("Katarzyna Nowak", email="k.nowak@example.com", time_zone="Europe/Warsaw")
PHONES = [c.phone for c in (MUELLER, TANAKA, WEBER) if c.phone]

L1_UNTIL = NOW + timedelta(hours=14)  # Tuesday 09:03 in Berlin
L2_UNTIL = NOW + timedelta(days=2)  # Wednesday 19:03


def three_levels(problem: tuple[str, dict[str, object]] | None = None, l3: Contact = NOWAK) -> ResolvedPolicy:
    s = Source
    levels = (
        ResolvedLevel(
            0,
            "L1 on-call",
            s.JSM_OPS_SCHEDULE,
            (OnCallShift(MUELLER, s.JSM_OPS_SCHEDULE, NOW - timedelta(hours=10), L1_UNTIL, WEBER, L1_UNTIL),),
        ),
        ResolvedLevel(
            1,
            "L2 specialist",
            s.CONFIG_ROTA,
            (OnCallShift(TANAKA, s.CONFIG_ROTA, None, L2_UNTIL), OnCallShift(WEBER, s.CONFIG_ROTA)),
        ),
        ResolvedLevel(2, "L3 duty manager", s.JIRA_LEADS, (OnCallShift(l3, s.JIRA_LEADS),), problem=problem),
    )
    configured = tuple(Level(level.name, FixedContacts((MUELLER,))) for level in levels)
    return ResolvedPolicy(Policy("CRM Platform", configured, default=True), levels, NOW)


def incident(level: int | None = None, key: str = "OPS-7") -> Incident:
    state = EscalationState("CRM Platform", level, f"L{level + 1}") if level is not None else None
    return Incident(key, "7", "Checkout 502", escalation=state)


def lines(text: Text) -> list[str]:
    return text.plain.split("\n")


def line_with(text: Text, needle: str) -> int:
    return next(i for i, line in enumerate(lines(text)) if needle in line)


def styles_on_line(text: Text, number: int) -> list[Any]:
    start = sum(len(line) + 1 for line in lines(text)[:number])
    end = start + len(lines(text)[number])
    found = [span.style for span in text.spans if span.start < end and span.end > start]
    return [text.style, *found] if text.style else found


def render(level: int | None = None, *, size: tuple[int, int] = NARROW, tr: Translator = ENGLISH, **kw: Any) -> Text:
    resolved = kw.pop("resolved", None) or three_levels()
    width, height = size
    return escalation_text(
        incident(level), resolved, "CRM Platform", NOW, tr, tz=BERLIN, width=width, height=height, **kw
    )


def tokyo_clock() -> str:
    local = NOW.astimezone(TOKYO)
    assert local.hour >= 22 or local.hour < 7, "the fixed instant is night in Tokyo"
    return local.strftime("%H:%M")


# ---- the text ---------------------------------------------------------------------------------------------------


def test_at_80x24_three_levels_fit_with_the_current_level_highlighted_and_the_next_marked() -> None:
    text = render(level=1)
    shown = lines(text)
    assert len(shown) <= NARROW[1], shown
    assert all(cell_len(line) <= NARROW[0] for line in shown), shown
    assert shown[0] == "Escalation: CRM Platform"
    # One cell too many for "Level 2 of 3 · L2 specialist": the level's name is cut, the numbers are not.
    assert shown[1] == "Level 2 of 3 · L2 speciali…"
    # Every level is there, each with its marker: passed, current, escalate to.
    assert any(line.startswith("✔ L1 on-call") for line in shown), shown
    assert any(line.startswith("▸ L2 specialist") for line in shown), shown
    assert any(line.startswith("→ ") and "L3 duty" in line for line in shown), shown
    # The current level's header stands out (reverse); the passed level is dimmed.
    current = styles_on_line(text, line_with(text, "▸ L2"))
    assert any(getattr(s, "reverse", False) for s in current), current
    passed = styles_on_line(text, line_with(text, "✔ L1"))
    assert any(getattr(s, "dim", False) for s in passed), passed
    # The current and the next level name whom to call, with the time where they are.
    assert f"Yuki Tanaka ☽{tokyo_clock()}" in text.plain
    assert "Katarzyna Nowak" in text.plain
    # A phone number is shown whole or not at all, never cut.
    for phone in PHONES:
        for line in shown:
            assert phone[:5] not in line or phone in line, line


def test_wide_shows_every_contact_until_next_and_every_way_to_reach_them() -> None:
    text = render(level=0, size=(72, 40), hint="P phone · @ e-mail · [ ] contact")
    plain = text.plain
    assert all(cell_len(line) <= 72 for line in lines(text))
    for contact in (MUELLER, TANAKA, WEBER, NOWAK):
        assert contact.display_name is not None and contact.display_name in plain
    for reach in (*PHONES, "m.mueller@example.com", "yuki@example.jp", "@yuki", "k.nowak@example.com"):
        assert reach in plain, reach
    # "until" and "next" in the user's zone, computed here from the shifts' instants.
    l1_until = L1_UNTIL.astimezone(BERLIN)
    assert l1_until.weekday() == 1
    assert f"Maximilian Müller · on call until Tue {l1_until:%H:%M}" in plain
    assert f"next: J. Weber from Tue {l1_until:%H:%M}" in plain
    assert f"on call until Wed {L2_UNTIL.astimezone(BERLIN):%H:%M}" in plain
    # Where each answer comes from, and the next level marked as the one to escalate to.
    assert "▸ L1 on-call · JSM Ops schedule" in plain
    assert "→ escalate to: L2 specialist · config rota" in plain
    assert "L3 duty manager · Jira leads" in plain
    # The contacts' own clocks: Tokyo at night (marked, and said), Warsaw in the evening (not marked).
    assert f"☽{tokyo_clock()} Tokyo night there" in plain
    warsaw = NOW.astimezone(ZoneInfo("Europe/Warsaw"))
    assert f"{warsaw:%H:%M} Warsaw" in plain and f"☽{warsaw:%H:%M}" not in plain
    assert "P phone · @ e-mail · [ ] contact" in plain


def test_night_hours_are_marked_in_the_contacts_own_time_with_an_ascii_fallback() -> None:
    text = render(level=0, size=(72, 40), ascii_only=True)
    assert f"z{tokyo_clock()} Tokyo" in text.plain and "☽" not in text.plain
    assert to_ascii("☽") == "z" and to_ascii("▸") == ">"
    berlin = NOW.astimezone(BERLIN)
    assert 7 <= berlin.hour < 22
    assert f" {berlin:%H:%M} Berlin" in text.plain and f"z{berlin:%H:%M}" not in text.plain
    # Just before 07:00 there is still night, at 07:00 not any more.
    early = Contact(account_id="x", display_name="Early", time_zone="Asia/Tokyo")
    for local_hour, night in ((6, True), (7, False), (21, False), (22, True)):
        at = datetime(2026, 3, 3, local_hour, 0, tzinfo=TOKYO)
        level = ResolvedLevel(0, "L1", Source.FIXED, (OnCallShift(early, Source.FIXED),))
        policy = ResolvedPolicy(Policy("P", (Level("L1", FixedContacts((early,))),), default=True), (level,), at)
        shown = escalation_text(incident(), policy, "P", at, tz=BERLIN, width=60, height=20).plain
        assert (f"☽{local_hour:02d}:00" in shown) is night, (local_hour, shown)


def test_a_level_with_a_problem_says_it_in_words_in_english_and_german() -> None:
    resolved = three_levels(problem=(UNREAD, {}))
    narrow = render(level=1, resolved=resolved)
    assert "⚠ The leads could not" in narrow.plain
    assert all(cell_len(line) <= NARROW[0] for line in lines(narrow))
    wide = render(level=1, resolved=resolved, size=(72, 40))
    assert UNREAD in " ".join(wide.plain.split()), wide.plain
    german = render(level=1, resolved=resolved, size=(72, 40), tr=DE)
    assert "Die Verantwortlichen konnten nicht aus Jira gelesen werden" in " ".join(german.plain.split())
    assert "Stufe 2 von 3 · L2 specialist" in german.plain
    assert "eskalieren an: L3 duty manager · Verantwortliche in Jira" in german.plain
    assert f"Bereitschaft bis Mi {L2_UNTIL.astimezone(BERLIN):%H:%M}" in german.plain
    assert "dort Nacht" in german.plain
    assert not re.search(r"\b(Level|until|next|escalate)\b", german.plain), german.plain


def test_hostile_and_wide_names_are_sanitised_shown_literally_and_fit() -> None:
    hostile = Contact(
        account_id="evil",
        display_name="[bold red]Mallory[/] \x1b]52;c;ZWNobyBoaQ==\x07\x1b[2J山田太郎",
        phone="+1 555\x1b[31m 0100",
        time_zone="Asia/Tokyo",
    )
    resolved = three_levels(l3=hostile, problem=("Schedule {name} not found", {"name": "\x1b[5mx[/]"}))
    for size in (NARROW, (72, 40)):
        text = render(level=1, resolved=resolved, size=size)
        assert "\x1b" not in text.plain and "\x07" not in text.plain
        assert "red]Mallory[/]" in text.plain  # markup is text, not style
        assert all(cell_len(line) <= size[0] for line in lines(text)), lines(text)
    wide = render(level=1, resolved=resolved, size=(72, 40)).plain
    assert "[bold red]Mallory[/] 山田太郎" in wide and "+1 555 0100" in wide and "Schedule x[/] not found" in wide


def test_while_the_policy_is_looked_up_the_pane_says_so() -> None:
    text = escalation_text(incident(), None, "CRM Platform", NOW, width=27, height=9)
    assert lines(text) == ["Escalation: CRM Platform", "Looking up who is on call…"]
    none = escalation_text(incident(), None, None, NOW, width=50, height=9)
    assert none.plain == "No escalation policy matches this incident"


# ---- in the app ----------------------------------------------------------------------------------------------


class Recorder:
    """What the app writes to its (headless) driver: OSC 52 clipboard writes go there."""

    def __init__(self, driver: Any) -> None:
        self.written: list[str] = []
        inner = driver.write

        def write(data: str) -> None:
            self.written.append(data)
            inner(data)

        driver.write = write

    def clipboard_writes(self) -> list[str]:
        found = re.findall(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", "".join(self.written))
        return [base64.b64decode(item).decode() for item in found]


def pane_of(app: Any) -> EscalationPane:
    return app.main.query_one(EscalationPane)


async def test_copy_keys_put_the_next_levels_contact_on_the_clipboard_through_osc_52() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(80, 24)) as pilot:
            await started(pilot, tui)
            asked: list[str] = []

            def provider(inc: Incident) -> tuple[ResolvedPolicy | None, str | None]:
                asked.append(inc.key)
                return three_levels(), "CRM Platform"

            pane = pane_of(app)
            pane.provider = provider
            app.main.show_detail()
            assert app._driver is not None
            recorder = Recorder(app._driver)
            # Without focusing the pane: the table keeps the focus.
            assert app.focused is app.main.query_one("#queue")
            await send_keys(pilot, [("P", "P")])
            # The incident is at the first level: the copy keys mean the next level's first contact.
            await wait_for(pilot, lambda: app.clipboard == TANAKA.phone)
            assert recorder.clipboard_writes() == [TANAKA.phone]
            assert any(f"Copied the phone number of Yuki Tanaka: {TANAKA.phone}" in n for n in notes(app))
            await send_keys(pilot, [("at", "@")])
            await wait_for(pilot, lambda: app.clipboard == TANAKA.email)
            assert recorder.clipboard_writes()[-1] == TANAKA.email
            # ] picks the next contact (Jana Weber, on the same level), shown in the pane.
            await send_keys(pilot, [("right_square_bracket", "]")])
            assert any("Copy keys: Jana Weber (L2 specialist)" in n for n in notes(app))
            await send_keys(pilot, [("P", "P")])
            await wait_for(pilot, lambda: app.clipboard == WEBER.phone)
            # Jana Weber has no e-mail: said so, the clipboard keeps what it had.
            await send_keys(pilot, [("at", "@")])
            await wait_for(pilot, lambda: any("Jana Weber has no e-mail address." in n for n in notes(app)))
            assert app.clipboard == WEBER.phone
            # [ twice: back past Tanaka to Müller on the first level.
            await send_keys(pilot, [("left_square_bracket", "["), ("left_square_bracket", "[")])
            await send_keys(pilot, [("P", "P")])
            await wait_for(pilot, lambda: app.clipboard == MUELLER.phone)
            assert recorder.clipboard_writes() == [TANAKA.phone, TANAKA.email, WEBER.phone, MUELLER.phone]
            # The pane shows whom the keys mean (reversed), the first level's contact here.
            shown = pane.content
            assert isinstance(shown, Text)
            chosen = [shown.plain[s.start : s.end] for s in shown.spans if getattr(s.style, "reverse", False)]
            assert any("Müller" in name for name in chosen), chosen


async def test_a_contact_without_a_phone_number_says_so() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(80, 24)) as pilot:
            await started(pilot, tui)
            app.copy_to_clipboard("before")
            # The shipped provider: Jira's leads, who have e-mail addresses but no phone numbers.
            await wait_for(pilot, lambda: pane_of(app).chosen() is not None)
            chosen = pane_of(app).chosen()
            assert chosen is not None
            level, contact = chosen
            assert level.source is Source.JIRA_LEADS and contact.phone is None
            await send_keys(pilot, [("P", "P")])
            await wait_for(pilot, lambda: any(f"{contact.display_name} has no phone number." in n for n in notes(app)))
            assert app.clipboard == "before"
            await send_keys(pilot, [("at", "@")])
            await wait_for(pilot, lambda: app.clipboard == contact.email)


async def test_the_pane_follows_the_clock_once_a_minute_not_every_second() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(160, 48)) as pilot:
            await started(pilot, tui)
            asked: list[datetime] = []

            def provider(inc: Incident) -> tuple[ResolvedPolicy | None, str | None]:
                asked.append(app.now)
                return three_levels(), "CRM Platform"

            pane = pane_of(app)
            pane.provider = provider
            start = NOW.replace(second=0)
            app.clock = lambda: start
            app._tick()
            app.main.show_detail()
            tokyo = start.astimezone(TOKYO)
            await wait_for(pilot, lambda: f"{tokyo:%H:%M} Tokyo" in pane.content.plain)  # type: ignore[union-attr]
            # The selected incident's full read redraws the pane once more; the ticks are what is counted.
            selected = app.main.selected()
            assert selected is not None
            details = tui.session.details
            await wait_for(pilot, lambda: (d := details.get(selected.key)) is not None and d.incident is not None)
            await pilot.pause()
            before = len(asked)
            for seconds in (1, 20, 59):
                app.clock = lambda seconds=seconds: start + timedelta(seconds=seconds)
                app._tick()
                await pilot.pause()
            assert len(asked) == before, "seconds passing within the minute neither ask nor redraw"
            later = start + timedelta(minutes=1, seconds=2)
            app.clock = lambda: later
            app._tick()
            moved = later.astimezone(TOKYO)
            await wait_for(pilot, lambda: f"{moved:%H:%M} Tokyo" in pane.content.plain)  # type: ignore[union-attr]
            assert len(asked) == before + 1
