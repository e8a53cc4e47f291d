"""JQL tokenizer for the simulator: query text to tokens carrying line/character positions.

Keywords (AND, OR, NOT, IN, IS, EMPTY...) are not decided here: they come out as unquoted words and the
parser recognises them, because the same spelling inside quotes is an ordinary value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TokenKind = Literal["word", "string", "lparen", "rparen", "comma", "op", "bang", "and", "or", "eof"]


class JqlError(Exception):
    """A query Jira would refuse with HTTP 400; `message` is worded the way Jira words it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Pos:
    line: int  # 1-based
    column: int  # 1-based character within the line

    def suffix(self) -> str:
        return f" (line {self.line}, character {self.column})"


def syntax_error(detail: str, pos: Pos | None) -> JqlError:
    return JqlError(f"Error in the JQL Query: {detail}{pos.suffix() if pos else ''}")


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    value: str  # unescaped text for words and strings, the symbol otherwise
    raw: str  # as written, for keyword checks and error messages
    pos: Pos

    def describe(self) -> str:
        """How an error message names this token."""
        if self.kind == "eof":
            return "the end of the query"
        return f"'{self.raw}'"


# Characters that end an unquoted word because they mean something on their own.
_WORD_STOP = frozenset("()=,!<>~\"'&|")
# Jira reserves these outside quotes (they must be quoted or escaped as \uXXXX).
_RESERVED_CHARS = frozenset("+.;?*/%^$#@[]")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", " ": " "}


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.line_start = 0

    def pos_at(self, offset: int) -> Pos:
        return Pos(self.line, offset - self.line_start + 1)

    def advance(self) -> str:
        ch = self.text[self.i]
        self.i += 1
        if ch == "\n":
            self.line += 1
            self.line_start = self.i
        return ch

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        text = self.text
        while True:
            while self.i < len(text) and text[self.i].isspace():
                self.advance()
            if self.i >= len(text):
                out.append(Token("eof", "", "", self.pos_at(self.i)))
                return out
            out.append(self.next_token())

    def next_token(self) -> Token:
        text = self.text
        start = self.i
        pos = self.pos_at(start)
        ch = text[start]
        nxt = text[start + 1] if start + 1 < len(text) else ""
        if ch in "()":
            self.advance()
            return Token("lparen" if ch == "(" else "rparen", ch, ch, pos)
        if ch == ",":
            self.advance()
            return Token("comma", ch, ch, pos)
        if ch in "=~":
            self.advance()
            return Token("op", ch, ch, pos)
        if ch in "<>!":
            self.advance()
            if nxt == "=" or (ch == "!" and nxt == "~"):
                self.advance()
                return Token("op", ch + nxt, ch + nxt, pos)
            if ch == "!":
                return Token("bang", ch, ch, pos)
            return Token("op", ch, ch, pos)
        if ch in "&|":
            self.advance()
            if nxt == ch:
                self.advance()
            raw = text[start : self.i]
            return Token("and" if ch == "&" else "or", raw, raw, pos)
        if ch in "\"'":
            return self.quoted(ch, pos)
        return self.word(pos)

    def escape(self, pos_of_backslash: Pos) -> str:
        """Consume one escape sequence after its backslash (already consumed)."""
        text = self.text
        if self.i >= len(text):
            raise syntax_error("The escape sequence '\\' at the end of the query is not valid.", pos_of_backslash)
        ch = self.advance()
        if ch in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[ch]
        if ch == "u":
            digits = text[self.i : self.i + 4]
            if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                self.i += 4
                return chr(int(digits, 16))
            raise syntax_error(f"The escape sequence '\\u{digits}' is not valid.", pos_of_backslash)
        raise syntax_error(f"The escape sequence '\\{ch}' is not valid.", pos_of_backslash)

    def quoted(self, quote: str, pos: Pos) -> Token:
        text = self.text
        start = self.i
        self.advance()
        chars: list[str] = []
        while True:
            if self.i >= len(text):
                partial = text[start + 1 :]
                raise syntax_error(f"The quoted string '{partial}' has not been completed.", pos)
            ch = text[self.i]
            if ch == quote:
                self.advance()
                return Token("string", "".join(chars), text[start : self.i], pos)
            if ch == "\\":
                backslash = self.pos_at(self.i)
                self.advance()
                chars.append(self.escape(backslash))
            else:
                chars.append(self.advance())

    def word(self, pos: Pos) -> Token:
        text = self.text
        start = self.i
        chars: list[str] = []
        while self.i < len(text):
            ch = text[self.i]
            if ch.isspace() or ch in _WORD_STOP:
                break
            if ch == "\\":
                backslash = self.pos_at(self.i)
                self.advance()
                chars.append(self.escape(backslash))
                continue
            if ch == "[" and "".join(chars).lower() == "cf":
                chars.append(self.custom_field_suffix())
                continue
            # A leading sign is how relative dates and function increments are written ("+1d").
            if ch in _RESERVED_CHARS and not (ch == "+" and self.i == start):
                raise syntax_error(
                    f"The character '{ch}' is a reserved JQL character. You must enclose it in a string "
                    f"or use the escape '\\u{ord(ch):04x}' instead.",
                    self.pos_at(self.i),
                )
            chars.append(self.advance())
        return Token("word", "".join(chars), text[start : self.i], pos)

    def custom_field_suffix(self) -> str:
        """The `[10030]` of `cf[10030]`."""
        text = self.text
        open_pos = self.pos_at(self.i)
        end = text.find("]", self.i)
        digits = text[self.i + 1 : end] if end != -1 else ""
        if end == -1 or not digits.isdigit():
            raise syntax_error("Expecting a custom field id of the form 'cf[12345]'.", open_pos)
        self.i = end + 1
        return f"[{digits}]"


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens, ending with one `eof` token; raises JqlError on lexical errors."""
    return _Lexer(text).tokens()
