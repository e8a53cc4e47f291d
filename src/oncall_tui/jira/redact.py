"""Removing the credential itself from whatever a server echoes back.

Pattern masking (classify.py) catches `Bearer …` and `token=…`, but a server may quote the token bare (in
a 400's errorMessages, an HTML <title>, a redirect's Location). The Transport knows the Authorization value,
so it removes every form of it from each error before raising: the header value, the part after the scheme,
for Basic the decoded `email:token` and the token alone, and their URL- and JSON-escaped spellings.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import quote, quote_plus

from oncall_tui.config_schema import Secret

__all__ = ["MASK", "Redactor"]

MASK = "***"
# Shorter values cannot be told apart from ordinary words (a test token "t" would eat every "t"); no real
# API token or personal access token is anywhere near this short.
_MIN_SECRET = 6


def _spellings(value: str) -> set[str]:
    escaped = json.dumps(value)[1:-1]
    return {value, quote(value, safe=""), quote_plus(value), escaped}


class Redactor:
    """Knows the forms of one Authorization header value and removes them from text."""

    __slots__ = ("_secrets",)

    def __init__(self, header: Secret | None = None) -> None:
        self._secrets: tuple[Secret, ...] = ()
        if header is not None:
            self._secrets = tuple(Secret(s) for s in sorted(_forms(header.reveal()), key=len, reverse=True))

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} forms)"

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            value = secret.reveal()
            if value in text:
                text = text.replace(value, MASK)
        return text


def _forms(header: str) -> set[str]:
    found: set[str] = set()
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    found.add(header.strip())
    found.add(credential)
    if scheme.lower() == "basic" and credential:
        try:
            pair = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pair = ""
        if pair:
            found.add(pair)
            _, _, token = pair.partition(":")
            found.add(token)
    spelled: set[str] = set()
    for form in found:
        spelled |= _spellings(form)
    return {form for form in spelled if len(form) >= _MIN_SECRET}
