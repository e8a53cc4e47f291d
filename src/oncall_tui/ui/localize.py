"""Binding descriptions in the UI language.

Textual reads `BINDINGS` once per class, so descriptions are English at class level. Each node copies them
into its own `_bindings` map when it is created; this swaps in translated copies of those bindings (new
`Binding` objects in new lists: the lists are shared with the class). Keys, actions and ids are untouched, so
the user's [keymap] still applies. English originals are kept, so a node can be translated again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from weakref import WeakKeyDictionary

from textual.binding import Binding
from textual.dom import DOMNode

from oncall_tui.i18n import Translator

_ENGLISH: WeakKeyDictionary[DOMNode, dict[str, list[Binding]]] = WeakKeyDictionary()


def localize_bindings(node: DOMNode, tr: Translator, describe: Callable[[Binding], str | None] | None = None) -> None:
    """Translate `node`'s binding descriptions with `tr`; `describe` may supply the text for bindings whose
    description is built from parameters (it returns None for the rest)."""
    original = _ENGLISH.setdefault(node, {key: list(found) for key, found in node._bindings.key_to_bindings.items()})
    for key, found in original.items():
        node._bindings.key_to_bindings[key] = [_translated(binding, tr, describe) for binding in found]


def _translated(binding: Binding, tr: Translator, describe: Callable[[Binding], str | None] | None) -> Binding:
    custom = describe(binding) if describe is not None else None
    # Bindings show in the footer, where space is short: the short form of the word, where there is one.
    description = custom if custom is not None else tr.short(binding.description) if binding.description else ""
    if description == binding.description:
        return binding
    return dataclasses.replace(binding, description=description)
