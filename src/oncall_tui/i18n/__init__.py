"""Translations of the text the TUI composes itself (never Jira's data): English and German.

Message ids are the English text, with `str.format` placeholders for the dynamic parts, so English needs no
catalog and the code reads as what it shows. Where one English word needs two German renderings (a short
table cell and a full sentence), the id is symbolic and the catalog carries the English text too.

Pure: no Textual, no I/O; the TUI and the plain-text commands can share it.
"""

from __future__ import annotations

from oncall_tui.i18n.catalog import MESSAGES

LANGUAGES = ("en", "de")
FALLBACK = "en"


class Translator:
    """`tr("Copied {what}", what=key)`: the message in this language, English where it has none."""

    __slots__ = ("language", "missing")

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else FALLBACK
        # When a list: every message asked for that has no form in this language is recorded (tests switch
        # this on to prove that nothing the app composes reaches the screen untranslated).
        self.missing: list[str] | None = None

    def __call__(self, key: str, /, **params: object) -> str:
        entry = MESSAGES.get(key)
        text = key
        if entry is not None:
            text = entry.get(self.language) or entry.get(FALLBACK) or key
        if self.missing is not None and self.language != FALLBACK and (entry is None or self.language not in entry):
            self.missing.append(key)
        # Only messages with parameters are formatted: a literal brace in a plain message stays as it is.
        return text.format(**params) if params else text

    def short(self, key: str, /, **params: object) -> str:
        """The short form of a message where a narrow place needs one (a table cell, the footer): the
        catalog's `short.<key>` entry if it has one, else the message itself."""
        short_key = f"short.{key}"
        return self(short_key if short_key in MESSAGES else key, **params)

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"


ENGLISH = Translator("en")


def translator(language: str) -> Translator:
    """The translator for `language` ("en" or "de"); any other language gets English."""
    return Translator(language)


def t(key: str, /, language: str = FALLBACK, **params: object) -> str:
    """One message in `language` (a shortcut for code that translates a single string)."""
    return Translator(language)(key, **params)


__all__ = ["ENGLISH", "FALLBACK", "LANGUAGES", "MESSAGES", "Translator", "t", "translator"]
