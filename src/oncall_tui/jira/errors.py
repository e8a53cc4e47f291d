"""Errors from talking to Jira, each with a short message a tired engineer can act on.

`message` says what went wrong, `hint` (optional) what to do about it, `detail` carries Jira's own words.
Nothing here ever contains a credential: messages are built from fixed text and from Jira's response,
with anything that looks like an Authorization value masked.
"""

from __future__ import annotations

import json
import math
import re
import socket
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from oncall_tui.domain.text import sanitize_line

__all__ = [
    "AUTH_MODE_LABELS",
    "ApiGone",
    "AuthError",
    "BadRequest",
    "BadResponse",
    "DeadlineExceeded",
    "DnsError",
    "HtmlInsteadOfJson",
    "InvalidJql",
    "JiraError",
    "NetworkError",
    "NotFound",
    "PermissionDenied",
    "ProxyError",
    "RateLimited",
    "ServerError",
    "TlsError",
    "error_from_response",
    "error_from_transport",
    "parse_retry_after",
]

AUTH_MODE_LABELS = {
    "basic": "basic (e-mail + API token)",
    "bearer": "bearer (personal access token)",
}
_AUTH_HINTS = {
    "basic": "Check `email` and the API token in the config; tokens are made at "
    "https://id.atlassian.com/manage-profile/security/api-tokens",
    "bearer": "Check the personal access token (Jira: Profile > Personal Access Tokens); "
    "it may have expired or been revoked",
}
_CAPTCHA_HINT = "Jira now wants a CAPTCHA after failed log-ins: log in once in a browser, then retry"
# Longest wait we believe; beyond that the header is more likely garbage than policy.
MAX_RETRY_AFTER = 24 * 3600.0
_MAX_DETAIL = 400


class JiraError(Exception):
    """Root of every error the Jira client raises."""

    default_message: ClassVar[str] = "The request to Jira failed."
    default_hint: ClassVar[str | None] = None
    # Whether trying the same request again later can succeed without the user changing anything.
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        status: int | None = None,
        detail: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.hint = hint if hint is not None else self.default_hint
        self.status = status
        self.detail = detail
        # False when the request provably never reached Jira (the connection was never made), so a write
        # cannot have happened; None when unknown.
        self.sent: bool | None = None
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def full_text(self) -> str:
        """Message and hint, for a notification or the `doctor` output."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class AuthError(JiraError):
    default_message = "Jira did not accept the credentials."

    def __init__(
        self,
        message: str | None = None,
        *,
        auth_mode: str = "basic",
        hint: str | None = None,
        status: int | None = 401,
        detail: str | None = None,
    ) -> None:
        self.auth_mode = auth_mode
        label = AUTH_MODE_LABELS.get(auth_mode, auth_mode)
        super().__init__(
            message or f"Jira did not accept the credentials (auth: {label}).",
            hint=hint if hint is not None else _AUTH_HINTS.get(auth_mode),
            status=status,
            detail=detail,
        )


class PermissionDenied(JiraError):
    default_message = "Jira says you may not do that."
    default_hint = "Ask a Jira admin for the project permission (e.g. 'Service Desk Agent')"


class NotFound(JiraError):
    default_message = "Jira could not find it, or you may not see it."


class InvalidJql(JiraError):
    default_message = "Jira rejected the JQL query."
    default_hint = "Fix the queue's `jql` in the config; try it in Jira's issue search first"


class BadRequest(JiraError):
    default_message = "Jira refused the request."


class ApiGone(JiraError):
    default_message = "This Jira no longer offers that API."
    default_hint = "Check `deployment` in the config (cloud or datacenter) and update oncall-tui"


class RateLimited(JiraError):
    default_message = "Jira is rate-limiting requests."
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        reason: str | None = None,
        hint: str | None = None,
        status: int | None = 429,
        detail: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.reason = reason
        if message is None:
            wait = f"try again in {_format_seconds(retry_after)}" if retry_after is not None else "slow down"
            message = f"Jira is rate-limiting requests; {wait}."
        super().__init__(message, hint=hint, status=status, detail=detail)


class ServerError(JiraError):
    default_message = "Jira had an internal problem."
    default_hint = "Usually temporary; check Jira's status page if it persists"
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        hint: str | None = None,
        detail: str | None = None,
    ) -> None:
        if message is None and status is not None:
            message = f"Jira answered HTTP {status}: a problem on Jira's side or in a proxy before it."
        super().__init__(message, hint=hint, status=status, detail=detail)


class NetworkError(JiraError):
    default_message = "Cannot reach Jira."
    default_hint = "Check the network or VPN, and `url` in the config"
    retryable = True


class DnsError(NetworkError):
    default_message = "Cannot resolve Jira's host name."
    default_hint = "Check `url` in the config, and DNS or VPN (internal names often need the VPN)"


class ProxyError(NetworkError):
    default_message = "The proxy refused or broke the connection to Jira."
    default_hint = "Check HTTPS_PROXY / NO_PROXY (and proxy credentials)"


class TlsError(NetworkError):
    default_message = "Jira's TLS certificate could not be verified."
    default_hint = (
        'If your company uses its own CA, set ca_bundle = "system" in the [jira] section of the config '
        '(uses the OS trust store), or ca_bundle = "/path/to/ca.pem"'
    )
    retryable = False


class HtmlInsteadOfJson(JiraError):
    default_message = "An HTML page answered instead of Jira — probably an SSO or proxy login page."
    default_hint = "Check that `url` is Jira's base URL, and whether the proxy or SSO lets API calls through"


class BadResponse(JiraError):
    default_message = "Jira sent a response oncall-tui cannot read."


class DeadlineExceeded(JiraError):
    default_message = "Jira did not answer in time."
    default_hint = "Jira or the network is slow; it will be retried"
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        seconds: float | None = None,
        hint: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.seconds = seconds
        if message is None and seconds is not None:
            message = f"Jira did not answer within {_format_seconds(seconds)}."
        super().__init__(message, hint=hint, detail=detail)


def _format_seconds(seconds: float) -> str:
    seconds = max(0, math.ceil(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


# Mapping a response -------------------------------------------------------------------------------------

# Credential-shaped values only: long, with a digit, after an auth scheme or a "token=" style label.
# "Basic authentication failed" must stay readable.
_REDACT = re.compile(
    r"(?i)\b(basic|bearer)(\s+)(?=[^\s]*\d)[A-Za-z0-9._~+/=-]{16,}"
    r"|\b(token|password|api[_-]?key)(\s*[:=]\s*)[^\s,;]{6,}"
)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name and isinstance(value, str):
            return value
    return None


def _mask(match: re.Match[str]) -> str:
    label, gap = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{label}{gap}***"


def _clean(text: str, limit: int = 300) -> str:
    text = _REDACT.sub(_mask, sanitize_line(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jira_messages(data: Any) -> list[str]:
    """Jira's own explanation, from any of the error shapes its APIs use."""
    messages: list[str] = []
    if isinstance(data, dict):
        error_messages = data.get("errorMessages")
        if isinstance(error_messages, list):
            messages.extend(m for m in error_messages if isinstance(m, str))
        errors = data.get("errors")
        if isinstance(errors, dict):
            messages.extend(f"{k}: {v}" for k, v in errors.items() if isinstance(k, str) and isinstance(v, str))
        for key in ("errorMessage", "message", "error_description", "error"):
            value = data.get(key)
            if isinstance(value, str):
                messages.append(value)
    elif isinstance(data, list):
        messages.extend(m for m in data if isinstance(m, str))
    cleaned = [_clean(m) for m in messages]
    return [m for m in dict.fromkeys(cleaned) if m]


def _decode_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None


def _looks_like_html(content_type: str, body: bytes) -> bool:
    if "html" in content_type:
        return True
    head = body[:256].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _html_title(body: bytes) -> str | None:
    match = _TITLE.search(body[:20000])
    if not match:
        return None
    title = _clean(match.group(1).decode("utf-8", errors="replace"), limit=80)
    return title or None


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date), else from `X-RateLimit-Reset`."""
    now = now or datetime.now(UTC)
    value = _header(headers, "retry-after")
    if value:
        try:
            seconds = float(value.strip())
        except ValueError:
            seconds = None
            try:
                when = parsedate_to_datetime(value.strip())
            except (TypeError, ValueError, IndexError, OverflowError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                seconds = (when - now).total_seconds()
        if seconds is not None and math.isfinite(seconds):
            return min(max(seconds, 0.0), MAX_RETRY_AFTER)
    reset = _header(headers, "x-ratelimit-reset")
    if reset:
        try:
            when = datetime.fromisoformat(reset.strip().replace("z", "Z"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER)
    return None


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    auth_mode: str,
    is_search: bool = False,
    now: datetime | None = None,
) -> JiraError:
    """The error to raise for a response that is not the JSON success the caller expected.

    `is_search` marks JQL searches, where a 400 means the query itself is wrong.
    """
    if not isinstance(body, bytes | bytearray):
        body = b""
    content_type = (_header(headers, "content-type") or "").lower()
    html = _looks_like_html(content_type, bytes(body))
    messages = [] if html else _jira_messages(_decode_json(bytes(body)))
    if not messages and not html and body.strip() and "json" not in content_type:
        snippet = _clean(bytes(body[:600]).decode("utf-8", errors="replace"), limit=200)
        messages = [snippet] if snippet else []
    detail = "; ".join(messages)[:_MAX_DETAIL] or None

    if status == 429 or (status == 503 and _header(headers, "retry-after")):
        return RateLimited(
            retry_after=parse_retry_after(headers, now=now),
            reason=_clean(_header(headers, "ratelimit-reason") or "", limit=60) or None,
            status=status,
            detail=detail,
        )
    if status >= 500:
        return ServerError(status=status, detail=detail)
    if status == 407:
        return ProxyError("The proxy wants credentials before it lets requests through to Jira.", status=407)
    if html and status != 404:
        title = _html_title(bytes(body))
        hint = HtmlInsteadOfJson.default_hint + (f" (page title: {title!r})" if title else "")
        return HtmlInsteadOfJson(hint=hint, status=status, detail=title)
    captcha = "captcha" in (_header(headers, "x-authentication-denied-reason") or "").lower() or (
        "authentication_denied" in (_header(headers, "x-seraph-loginreason") or "").lower()
    )
    if status == 401 or (status == 403 and captcha):
        return AuthError(auth_mode=auth_mode, hint=_CAPTCHA_HINT if captcha else None, status=status, detail=detail)
    if status == 403:
        return PermissionDenied(_with_detail("Jira says you may not do that", detail), status=403, detail=detail)
    if status == 404:
        hint = "Check `url` in the config (a Data Center Jira may live under a path such as /jira)" if html else None
        return NotFound(_with_detail("Jira could not find it", detail), hint=hint, status=404, detail=detail)
    if status == 410:
        return ApiGone(_with_detail("This Jira no longer offers that API", detail), status=410, detail=detail)
    if status == 400 and (is_search or (detail is not None and "jql" in detail.lower())):
        return InvalidJql(_with_detail("Jira rejected the JQL query", detail), status=400, detail=detail)
    if 400 <= status < 500:
        return BadRequest(_with_detail("Jira refused the request", detail), status=status, detail=detail)
    if 300 <= status < 400:
        location = _clean(_header(headers, "location") or "", limit=120)
        return HtmlInsteadOfJson(
            f"Jira redirected the request{f' to {location}' if location else ''} instead of answering — "
            "probably an SSO or proxy login.",
            status=status,
            detail=location or None,
        )
    return BadResponse(
        _with_detail(f"Jira answered HTTP {status} without the expected JSON", detail),
        status=status,
        detail=detail,
    )


def _with_detail(prefix: str, detail: str | None) -> str:
    return f"{prefix}: {detail}" if detail else f"{prefix}."


# Mapping a transport failure ----------------------------------------------------------------------------

_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated",
    "name resolution",
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 16:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def error_from_transport(exc: BaseException, *, url: str | None = None, timeout: float | None = None) -> JiraError:
    """Classify an exception raised while sending a request (httpx or plain socket/ssl errors)."""
    if isinstance(exc, JiraError):
        return exc
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    text = " ".join(str(e) for e in chain).lower()
    where = f" ({_clean(url, limit=120)})" if url else ""
    if any(isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain) or "certificate_verify_failed" in text:
        return TlsError(f"Jira's TLS certificate could not be verified{where}.", detail=_clean(text, 200))
    if "ProxyError" in names:
        return ProxyError(detail=_clean(text, 200))
    if any(isinstance(e, TimeoutError) for e in chain) or any(n.endswith("Timeout") for n in names):
        return DeadlineExceeded(seconds=timeout, detail=_clean(text, 200))
    if any(isinstance(e, socket.gaierror) for e in chain) or any(w in text for w in _DNS_WORDS):
        return DnsError(f"Cannot resolve Jira's host name{where}.", detail=_clean(text, 200))
    return NetworkError(f"Cannot reach Jira{where}.", detail=_clean(text, 200) or None)
