"""Every key binding of the TUI, as data: id, default keys, action, English description, footer flag, scope.

One list so that the screens' `BINDINGS`, the `[keymap]` validation, the `?` help and the README cannot
disagree. Textual-free on purpose: config validation reads it without starting a UI, so key names are
checked against a small vocabulary that mirrors how Textual names keys (`textual.keys`); a test keeps the
two in step.

Descriptions are English message ids; the UI translates them (`oncall_tui.i18n`).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "BINDINGS",
    "BY_ID",
    "MODIFIERS",
    "BindingRow",
    "BindingSpec",
    "KeyNameError",
    "Scope",
    "binding_rows",
    "bindings",
    "display_key",
    "normalize_key",
    "normalize_keys",
    "reserved_reason",
    "suggest_id",
]


class Scope(StrEnum):
    """Where a binding is active. Two bindings of one scope must not share a key; a dialog's own bindings
    deliberately shadow the app's (q closes a list instead of quitting mid-decision)."""

    MAIN = "main screen"
    COMMENT = "comment dialog"
    PICK = "pick dialog"
    ASSIGN = "assign dialog"
    HELP = "help dialog"
    CONFIRM = "confirmation"
    COMMANDS = "command list"
    CONFLICT = "conflict question"
    ESCALATE = "escalate dialog"


@dataclass(frozen=True, slots=True)
class BindingSpec:
    id: str
    keys: tuple[str, ...]  # Textual key names, the defaults
    action: str
    description: str  # English message id; may hold {placeholders} filled from `params`
    scope: Scope
    show: bool = True  # in the footer
    command: bool = False  # an incident/queue action: offered in the command palette and listed by `?`
    app_level: bool = False  # defined on the App (active under every screen), not on the scope's screen
    priority: bool = False  # fires before the focused widget sees the key (Textual's `priority`)
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The default keys as Textual's `Binding(key=...)` takes them."""
        return ",".join(self.keys)

    @property
    def text(self) -> str:
        """The description in English, placeholders filled."""
        return self.description.format(**self.params) if self.params else self.description


def _main(bid: str, key: str, action: str, description: str, *, show: bool) -> BindingSpec:
    return BindingSpec(bid, (key,), action, description, Scope.MAIN, show=show, command=True)


BINDINGS: tuple[BindingSpec, ...] = (
    # The main screen's incident and queue actions, in footer / palette / help order.
    _main("incident.assign", "a", "assign", "assign", show=True),
    _main("incident.take", "m", "take", "take", show=True),
    _main("incident.comment", "c", "comment", "comment", show=True),
    _main("incident.escalate", "e", "escalate", "escalate", show=False),
    _main("incident.transition", "t", "transition", "transition", show=True),
    _main("incident.priority", "p", "priority", "prio", show=True),
    _main("queue.filter", "slash", "filter", "filter", show=True),
    _main("queue.sort", "s", "cycle_sort", "sort", show=False),
    _main("queue.refresh", "r", "refresh", "refresh", show=False),
    _main("incident.copy_key", "y", "copy_key", "copy key", show=False),
    _main("incident.copy_url", "Y", "copy_url", "copy URL", show=False),
    _main("incident.open", "o", "open_url", "open", show=False),
    _main("app.commands", "w", "commands", "writes waiting", show=False),
    # Marks incidents for one action on all of them (an alert storm: escalate them together).
    _main("incident.mark", "space", "toggle_mark", "mark", show=False),
    # The escalation pane's contact (the next level's first, unless [ / ] picked another): OSC 52 to the
    # engineer's own clipboard, as y / Y do. Shifted and punctuation keys: the letters are incident actions.
    _main("contact.copy_phone", "P", "copy_phone", "copy contact's phone", show=False),
    _main("contact.copy_email", "at", "copy_email", "copy contact's e-mail", show=False),
    _main("contact.next", "right_square_bracket", "next_contact", "next contact", show=False),
    _main("contact.previous", "left_square_bracket", "previous_contact", "previous contact", show=False),
    *(
        BindingSpec(
            f"queue.switch_{n}",
            (str(n),),
            f"switch_queue({n - 1})",
            "queue {number}",
            Scope.MAIN,
            show=False,
            params=MappingProxyType({"number": str(n)}),
        )
        for n in range(1, 10)
    ),
    BindingSpec("queue.clear_filter", ("escape",), "clear_filter", "clear filter", Scope.MAIN, show=False),
    BindingSpec("app.quit", ("q",), "quit_safely", "quit", Scope.MAIN, app_level=True),
    BindingSpec("app.help", ("question_mark",), "help", "help", Scope.MAIN, app_level=True),
    # Quiet mode: no bell, no desktop notification until pressed again (the header says "quiet" meanwhile).
    BindingSpec("app.quiet", ("n",), "toggle_quiet", "quiet", Scope.MAIN, show=False, app_level=True),
    # Not priority bindings: the comment box handles these two itself, in the order keys arrive (a burst of text
    # and ctrl+s from a laggy link must send exactly the text typed before ctrl+s; ui/screens/dialogs.py).
    BindingSpec("comment.send", ("ctrl+s",), "send", "Send", Scope.COMMENT),
    BindingSpec("comment.toggle", ("ctrl+t",), "toggle_public", "Public/internal", Scope.COMMENT),
    BindingSpec("comment.cancel", ("escape",), "cancel", "Cancel (keeps draft)", Scope.COMMENT),
    BindingSpec("pick.cancel", ("escape", "q"), "cancel", "Cancel", Scope.PICK),
    BindingSpec("assign.cancel", ("escape",), "cancel", "Cancel", Scope.ASSIGN),
    BindingSpec("assign.down", ("down",), "focus_list", "Results", Scope.ASSIGN, show=False),
    BindingSpec("help.close", ("escape", "question_mark", "q"), "close", "Close", Scope.HELP),
    # The one-key question before taking a colleague's incident; yes is the take key itself (and y, enter).
    BindingSpec("confirm.no", ("escape", "n"), "answer(False)", "No", Scope.CONFIRM),
    # The list of writes not yet in Jira (`w`), and the question when an issue changed under the user.
    BindingSpec("commands.resend", ("r",), "resend", "Resend", Scope.COMMANDS),
    BindingSpec("commands.edit", ("e",), "edit", "Edit and resend", Scope.COMMANDS),
    BindingSpec("commands.drop", ("d",), "drop", "Drop", Scope.COMMANDS),
    BindingSpec("commands.skip_step", ("s",), "skip_step", "Skip the failed step", Scope.COMMANDS),
    BindingSpec("commands.go_ahead", ("g",), "go_ahead", "Send anyway", Scope.COMMANDS),
    BindingSpec("commands.copy", ("y",), "copy", "Copy text", Scope.COMMANDS),
    BindingSpec("commands.close", ("escape", "q", "w"), "close", "Close", Scope.COMMANDS),
    BindingSpec("conflict.go_ahead", ("y",), "answer('go')", "Send anyway", Scope.CONFLICT),
    BindingSpec("conflict.drop", ("d",), "answer('drop')", "Drop", Scope.CONFLICT),
    BindingSpec("conflict.later", ("escape",), "answer('')", "Later", Scope.CONFLICT),
    # Not a priority binding: ctrl+s reaches the dialog after the keys typed before it have reached the reason
    # field (the focused widget gets keys in order; a priority binding would read the field too early).
    BindingSpec("escalate.send", ("ctrl+s",), "send", "Escalate", Scope.ESCALATE),
    BindingSpec("escalate.cancel", ("escape",), "cancel", "Cancel", Scope.ESCALATE),
)

BY_ID: Mapping[str, BindingSpec] = MappingProxyType({b.id: b for b in BINDINGS})


def bindings(scope: Scope, *, app_level: bool = False) -> tuple[BindingSpec, ...]:
    """The bindings one node defines: `app_level=True` gives the App's, otherwise the scope's screen's."""
    return tuple(b for b in BINDINGS if b.scope is scope and b.app_level == app_level)


class BindingRow(NamedTuple):
    """One line of the key help: id, keys as people write them ("/", "ctrl+s"), English description
    (a message id with `params` for its placeholders), and where it applies."""

    id: str
    keys: str
    description: str
    params: Mapping[str, str]
    scope: Scope


def binding_rows(keymap: Mapping[str, str] | None = None) -> Iterator[BindingRow]:
    """Every binding in registry order, with the keys `keymap` (a validated [keymap]) gives it, else its
    defaults. For the `?` help and the README."""
    overrides = keymap or {}
    for spec in BINDINGS:
        keys = overrides[spec.id].split(",") if spec.id in overrides else spec.keys
        shown = ",".join(display_key(k) for k in keys)
        yield BindingRow(spec.id, shown, spec.description, spec.params, spec.scope)


def suggest_id(name: str) -> str | None:
    """The binding id someone probably meant: `take` -> `incident.take`, `copy_url` -> `incident.copy_url`."""
    lowered = name.strip().lower()
    by_tail = [b.id for b in BINDINGS if b.id.rsplit(".", 1)[-1] == lowered or b.action == lowered]
    if by_tail:
        return by_tail[0]
    tails = {b.id.rsplit(".", 1)[-1]: b.id for b in BINDINGS}
    close = difflib.get_close_matches(lowered, list(BY_ID), n=1) or [
        tails[t] for t in difflib.get_close_matches(lowered.rsplit(".", 1)[-1], list(tails), n=1)
    ]
    return close[0] if close else None


# ---- key names -------------------------------------------------------------------------------------------------

# Textual writes modifiers in this (alphabetical) order: "ctrl+shift+up", "alt+shift+a".
MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
_FUNCTION_KEYS = frozenset(f"f{n}" for n in range(1, 25))
NAMED_KEYS = frozenset(
    {
        "escape",
        "enter",
        "tab",
        "space",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        *_FUNCTION_KEYS,
    }
)
# Spellings people use that Textual does not: accepted and written the way Textual names the key.
_ALIASES = {
    "esc": "escape",
    "return": "enter",
    "del": "delete",
    "ins": "insert",
    "pgup": "pageup",
    "pgdn": "pagedown",
    "control": "ctrl",
    "option": "alt",
    "cmd": "super",
}
# textual.keys.KEY_NAME_REPLACEMENTS: Textual shortens a few Unicode character names.
_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def _character_key(char: str) -> str:
    """Textual's name for the key that types `char` (as `textual.keys._character_to_key` derives it)."""
    if char.isalnum():
        return char
    if char == " ":
        return "space"
    try:
        name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return char
    return _REPLACEMENTS.get(name, name)


# Keys named after the printable ASCII characters they type: "slash", "question_mark", "comma", ...
CHARACTER_KEYS: Mapping[str, str] = MappingProxyType(
    {_character_key(c): c for c in map(chr, range(33, 127)) if not c.isalnum()}
)


class KeyNameError(ValueError):
    """A key Textual would never report; the message says what was wrong and what would work."""


def normalize_key(text: str) -> str:
    """One key as Textual names it: "/" -> "slash", "Ctrl+K" -> "ctrl+k", "shift+ctrl+up" -> "ctrl+shift+up"."""
    raw = text.strip()
    if not raw or any(c.isspace() for c in raw):
        raise KeyNameError('expected a key such as "ctrl+k" or "f2"')
    if len(raw) == 1:
        return _character_key(raw)
    *mods, base = raw.split("+")
    if base == "" and mods and mods[-1] == "":
        mods, base = mods[:-1], "plus"  # "ctrl++"
    modifiers: list[str] = []
    for mod in mods:
        name = _ALIASES.get(mod.lower(), mod.lower())
        if name not in MODIFIERS:
            close = difflib.get_close_matches(name, MODIFIERS, n=1)
            hint = f'did you mean "{close[0]}"?' if close else f"expected one of {', '.join(MODIFIERS)}"
            raise KeyNameError(f'unknown modifier "{mod}" in "{raw}"; {hint}')
        if name in modifiers:
            raise KeyNameError(f'"{name}" appears twice in "{raw}"')
        modifiers.append(name)
    if not base:
        raise KeyNameError(f'"{raw}" names modifiers but no key')
    if len(base) == 1:
        key = _character_key(base)
        if key.isalpha() and modifiers == ["shift"]:
            # Shift+a arrives as the character it types, "A".
            return key.upper()
        if key.isalpha() and modifiers:
            # With ctrl or alt Textual reports the lower-case letter ("ctrl+k"; shift held: "ctrl+shift+k"), so
            # "Ctrl+K" means ctrl+k, as in most editors' keymaps.
            key = key.lower()
    else:
        key = _ALIASES.get(base.lower(), base.lower())
        if key not in NAMED_KEYS and key not in CHARACTER_KEYS:
            close = difflib.get_close_matches(key, sorted(NAMED_KEYS | set(CHARACTER_KEYS)), n=1)
            hint = f'did you mean "{close[0]}"?' if close else 'expected a key such as "ctrl+k" or "f2"'
            raise KeyNameError(f'unknown key "{base}"; {hint}')
    return "+".join([*sorted(modifiers, key=MODIFIERS.index), key])


def normalize_keys(text: str) -> tuple[str, ...]:
    """A comma-separated list of keys, each normalised, duplicates dropped (order kept)."""
    return tuple(dict.fromkeys(normalize_key(part) for part in text.split(",")))


def display_key(key: str) -> str:
    """A key as people write it: "slash" -> "/", "question_mark" -> "?", "escape" -> "esc"."""
    *mods, base = key.split("+")
    shown = {"escape": "esc"}.get(base) or CHARACTER_KEYS.get(base, base)
    return "+".join([*mods, shown])


# ---- keys that belong to something else --------------------------------------------------------------------

# What Textual itself binds on every screen (App and Screen BINDINGS, the command palette).
_EVERYWHERE = {
    "ctrl+p": "opens the command palette",
    "ctrl+q": "quits (Textual's own key)",
    "ctrl+c": "copies the selection",
    "super+c": "copies the selection",
    "tab": "moves the focus",
    "shift+tab": "moves the focus",
}
# The keys of the widget that has the focus in each scope, as Textual 8.2.8 binds them (a test compares).
_DATA_TABLE = ("up", "down", "left", "right", "pageup", "pagedown", "home", "end", "ctrl+home", "ctrl+end", "enter")
_OPTION_LIST = ("up", "down", "pageup", "pagedown", "home", "end", "enter")
_SCROLL = ("up", "down", "left", "right", "pageup", "pagedown", "home", "end", "ctrl+pageup", "ctrl+pagedown")
_EDITING = (
    *("left", "right", "home", "end", "backspace", "delete"),
    *("shift+left", "shift+right", "shift+home", "shift+end", "ctrl+left", "ctrl+right"),
    *("ctrl+shift+left", "ctrl+shift+right", "alt+backspace", "ctrl+backspace", "super+backspace"),
    *("ctrl+a", "ctrl+d", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+v", "ctrl+x"),
)
_INPUT = (*_EDITING, "enter", "ctrl+shift+a")
_TEXT_AREA = (
    *_EDITING,
    *("up", "down", "pageup", "pagedown", "shift+up", "shift+down", "alt+delete", "ctrl+shift+k"),
    *("ctrl+y", "ctrl+z", "super+x", "super+y", "super+z", "f6", "f7"),
)
_RESERVED: Mapping[Scope, Mapping[str, str]] = MappingProxyType(
    {
        Scope.MAIN: dict.fromkeys(_DATA_TABLE, "moves the table cursor"),
        Scope.COMMENT: dict.fromkeys(_TEXT_AREA, "edits the comment text"),
        Scope.PICK: dict.fromkeys(_OPTION_LIST, "moves in the list"),
        Scope.ASSIGN: {
            **dict.fromkeys(_OPTION_LIST, "moves in the result list"),
            **dict.fromkeys(_INPUT, "edits the search text"),
        },
        Scope.HELP: dict.fromkeys(_SCROLL, "scrolls the help"),
        # The take key(s), y and enter answer yes (ui/screens/dialogs.py ConfirmDialog).
        Scope.CONFIRM: dict.fromkeys(("y", "enter"), "answers yes"),
        Scope.COMMANDS: dict.fromkeys(("up", "down", "enter"), "moves in the command list"),
        Scope.CONFLICT: {},
        Scope.ESCALATE: {
            **dict.fromkeys(_INPUT, "edits the reason"),
            **dict.fromkeys(("up", "down", "left", "right", "space"), "moves in and toggles the choices"),
        },
    }
)
# Where a text field has the focus, keys that type a character never reach a binding (or, with
# `priority`, would stop the character from being typed).
_TEXT_SCOPES = frozenset({Scope.COMMENT, Scope.ASSIGN, Scope.ESCALATE})


def reserved_reason(scope: Scope, key: str) -> str | None:
    """Why `key` (normalised) cannot be given to a binding in `scope`, or None when it is free."""
    if key in _EVERYWHERE:
        return _EVERYWHERE[key]
    if key in _RESERVED[scope]:
        return _RESERVED[scope][key]
    if scope in _TEXT_SCOPES and _types_a_character(key):
        return "types a character into the text field"
    return None


def _types_a_character(key: str) -> bool:
    *mods, base = key.split("+")
    if any(m != "shift" for m in mods):
        return False
    return len(base) == 1 or base in CHARACTER_KEYS or base == "space"
