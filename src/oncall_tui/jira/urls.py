"""URLs as the client may quote them: without userinfo, query string or fragment.

A Jira URL in a config, a proxy variable or a redirect's Location can carry a password (`user:pw@`) or a
token (`?token=…`, an SSO ticket); a message or a log line only ever needs scheme, host, port and path.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["display_url", "hide_url_secrets"]

_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\s'\"<>()\[\]{}]+")


def display_url(url: str) -> str:
    """`url` without user:password@, query string and fragment, for messages and logs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "(invalid URL)"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def hide_url_secrets(text: str) -> str:
    """Every URL inside `text` shown as `display_url` shows it."""
    return _URL.sub(lambda match: display_url(match.group(0)), text) if "://" in text else text
