"""Which JiraError a failed request is: from the response (status, headers, body) or the transport failure.

Failures are named for what they are, because the engineer acts on the name: "cannot reach Jira" (check
the VPN) only when no connection could be made; a connection that broke mid-answer, a 503 asking to come
back later, rate limiting and a login page in Jira's place are each their own error.
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
from typing import Any

import httpx

from oncall_tui.domain.text import sanitize_line
from oncall_tui.jira.errors import (
    MAX_RETRY_AFTER,
    ApiGone,
    AuthError,
    BadRequest,
    BadResponse,
    ConnectionLost,
    DeadlineExceeded,
    DnsError,
    HtmlInsteadOfJson,
    InvalidJql,
    JiraError,
    NetworkError,
    NotFound,
    PermissionDenied,
    PlainHttpServer,
    ProxyError,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TlsError,
    msgid,
)
from oncall_tui.jira.urls import display_url, hide_url_secrets

__all__ = ["CERTIFICATE_UNTRUSTED", "error_from_response", "error_from_transport", "parse_retry_after"]

_CAPTCHA_HINT = msgid("Jira now wants a CAPTCHA after failed log-ins: log in once in a browser, then retry")
# The message of a certificate Jira's trust settings reject; the Transport gives it the config's own hint.
CERTIFICATE_UNTRUSTED = msgid("Jira's TLS certificate could not be verified ({url}).")
_MAX_DETAIL = 400

# Credential-shaped values only: long, with a digit, after an auth scheme or a "token=" style label.
# "Basic authentication failed" must stay readable. The Transport also removes the token's exact value.
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


def clean_text(text: str, limit: int = 300) -> str:
    """Text from Jira or the OS made fit for a message: one sanitised line, URLs without query strings or
    userinfo, credential-shaped values masked, at most `limit` characters."""
    text = _REDACT.sub(_mask, hide_url_secrets(sanitize_line(text[: limit * 8])))
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
    cleaned = [clean_text(m) for m in messages[:50]]
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
    title = clean_text(match.group(1).decode("utf-8", errors="replace"), limit=80)
    return title or None


def _seconds_until(when: datetime, now: datetime) -> float:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date), else from `X-RateLimit-Reset` (ISO time).

    Capped at MAX_RETRY_AFTER: an enormous, infinite or unreadable value becomes the cap (the server did
    ask us to wait, only not sensibly), a past time becomes 0. None when neither header is there.
    """
    now = now or datetime.now(UTC)
    seconds: float | None = None
    value = _header(headers, "retry-after")
    reset = _header(headers, "x-ratelimit-reset")
    if value is not None and value.strip():
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                seconds = _seconds_until(parsedate_to_datetime(text), now)
            except (TypeError, ValueError, IndexError, OverflowError):
                seconds = None
    elif reset is not None and reset.strip():
        try:
            seconds = _seconds_until(datetime.fromisoformat(reset.strip().replace("z", "Z")), now)
        except (ValueError, OverflowError):
            seconds = None
    else:
        return None
    if seconds is None or not math.isfinite(seconds):
        return MAX_RETRY_AFTER
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _detail_or_not(detail: str | None, with_detail: str, without: str) -> tuple[str, dict[str, object]]:
    return (with_detail, {"detail": detail}) if detail else (without, {})


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
    body = bytes(body)
    content_type = (_header(headers, "content-type") or "").lower()
    html = _looks_like_html(content_type, body)
    messages = [] if html else _jira_messages(_decode_json(body[:200_000]))
    if not messages and not html and body.strip() and "json" not in content_type:
        snippet = clean_text(body[:600].decode("utf-8", errors="replace"), limit=200)
        messages = [snippet] if snippet else []
    detail = "; ".join(messages)[:_MAX_DETAIL] or None

    if status == 429:
        return RateLimited(
            retry_after=parse_retry_after(headers, now=now),
            reason=clean_text(_header(headers, "ratelimit-reason") or "", limit=60) or None,
            status=status,
            detail=detail,
        )
    if status == 503 and (_header(headers, "retry-after") or "").strip():
        return ServiceUnavailable(retry_after=parse_retry_after(headers, now=now), detail=detail)
    if status >= 500:
        return ServerError(status=status, detail=detail)
    if status == 407:
        return ProxyError(msgid("The proxy wants credentials before it lets requests through to Jira."), status=407)
    if html and status != 404:
        title = _html_title(body)
        if title:
            hint = msgid(
                "Check that `url` is Jira's base URL, and whether the proxy or SSO lets API calls through "
                "(page title: '{title}')"
            )
            return HtmlInsteadOfJson(hint=hint, hint_params={"title": title}, status=status, detail=title)
        return HtmlInsteadOfJson(status=status)
    captcha = "captcha" in (_header(headers, "x-authentication-denied-reason") or "").lower() or (
        "authentication_denied" in (_header(headers, "x-seraph-loginreason") or "").lower()
    )
    if status == 401 or (status == 403 and captcha):
        return AuthError(auth_mode=auth_mode, hint=_CAPTCHA_HINT if captcha else None, status=status, detail=detail)
    if status == 403:
        text, params = _detail_or_not(
            detail, msgid("Jira says you may not do that: {detail}"), msgid("Jira says you may not do that.")
        )
        return PermissionDenied(text, params=params, status=403, detail=detail)
    if status == 404:
        hint = msgid("Check `url` in the config (a Data Center Jira may live under a path such as /jira)")
        text, params = _detail_or_not(
            detail, msgid("Jira could not find it: {detail}"), msgid("Jira could not find it.")
        )
        return NotFound(text, params=params, hint=hint if html else None, status=404, detail=detail)
    if status == 410:
        text, params = _detail_or_not(
            detail,
            msgid("This Jira no longer offers that API: {detail}"),
            msgid("This Jira no longer offers that API."),
        )
        return ApiGone(text, params=params, status=410, detail=detail)
    if status == 400 and (is_search or (detail is not None and "jql" in detail.lower())):
        text, params = _detail_or_not(
            detail, msgid("Jira rejected the JQL query: {detail}"), msgid("Jira rejected the JQL query.")
        )
        return InvalidJql(text, params=params, status=400, detail=detail)
    if 400 <= status < 500:
        text, params = _detail_or_not(
            detail, msgid("Jira refused the request: {detail}"), msgid("Jira refused the request.")
        )
        return BadRequest(text, params=params, status=status, detail=detail)
    if 300 <= status < 400:
        location = clean_text(display_url(_header(headers, "location") or ""), limit=120)
        if location and location != "(invalid URL)":
            text = msgid(
                "Jira redirected the request to {location} instead of answering — probably an SSO or proxy login."
            )
            return HtmlInsteadOfJson(text, params={"location": location}, status=status, detail=location)
        text = msgid("Jira redirected the request instead of answering — probably an SSO or proxy login.")
        return HtmlInsteadOfJson(text, status=status)
    text, params = _detail_or_not(
        detail,
        msgid("Jira answered HTTP {status} without the expected JSON: {detail}"),
        msgid("Jira answered HTTP {status} without the expected JSON."),
    )
    return BadResponse(text, params={**params, "status": status}, status=status, detail=detail)


# Mapping a transport failure ----------------------------------------------------------------------------

_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated",
    "name resolution",
)
# What OpenSSL says when the other side answers a ClientHello in plain HTTP (OpenSSL 1.1 / 3.0, 3.2+, and
# the server-side wording some middleboxes echo back).
_PLAIN_HTTP_WORDS = ("wrong version number", "wrong_version_number", "record layer failure", "record_layer_failure")
_PLAIN_HTTP_WORDS_STRICT = ("http_request", "http request")
# The connection existed and broke: after the request went out, or in the middle of the answer.
_LOST = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError)
_LOST_OS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 16:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _tls_error(text: str, url: str | None, detail: str) -> TlsError:
    shown = display_url(url) if url else None
    if any(w in text for w in _PLAIN_HTTP_WORDS) or (
        "certificate" not in text and any(w in text for w in _PLAIN_HTTP_WORDS_STRICT)
    ):
        if shown is None:
            return PlainHttpServer(detail=detail)
        http_url = "http://" + shown.split("://", 1)[-1]
        return PlainHttpServer(
            msgid("The server at {url} speaks plain HTTP, not HTTPS."),
            params={"url": shown},
            hint=msgid('If plain HTTP is intended, set url = "{http_url}"; otherwise check the port in `url`'),
            hint_params={"http_url": http_url},
            detail=detail,
        )
    if "certificate" in text or "verify" in text:
        if shown is None:
            return TlsError(detail=detail)
        return TlsError(CERTIFICATE_UNTRUSTED, params={"url": shown}, detail=detail)
    hint = msgid("Check that `url` points at Jira's HTTPS port; a proxy that intercepts TLS needs its CA in ca_bundle")
    if shown is None:
        return TlsError(msgid("The TLS handshake with Jira failed."), hint=hint, detail=detail)
    return TlsError(
        msgid("The TLS handshake with Jira failed ({url})."),
        params={"url": shown},
        hint=hint,
        detail=detail,
    )


def error_from_transport(
    exc: BaseException,
    *,
    url: str | None = None,
    timeout: float | None = None,
    connect_timeout: float | None = None,
    pool_timeout: float | None = None,
) -> JiraError:
    """Classify an exception raised while sending a request (httpx or plain socket/ssl errors).

    `timeout` is the read timeout, `connect_timeout` and `pool_timeout` the others (each defaults to it).
    """
    if isinstance(exc, JiraError):
        return exc
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    text = " ".join(str(e) for e in chain).lower()
    detail = clean_text(text, 200)
    shown = display_url(url) if url else None
    connect_timeout = connect_timeout if connect_timeout is not None else timeout
    pool_timeout = pool_timeout if pool_timeout is not None else timeout
    if isinstance(exc, httpx.ProxyError) or "ProxyError" in names:
        return ProxyError(detail=detail)
    if isinstance(exc, httpx.PoolTimeout):
        if pool_timeout is None:
            return DeadlineExceeded(msgid("No connection to Jira became free in time."), detail=detail)
        return DeadlineExceeded(
            msgid("No connection to Jira became free within {seconds} s."), seconds=pool_timeout, detail=detail
        )
    if isinstance(exc, httpx.ConnectTimeout) and shown is not None and connect_timeout is not None:
        return NetworkError(
            msgid("Cannot reach Jira ({url}): no connection within {seconds} s."),
            params={"url": shown, "seconds": max(0, math.ceil(connect_timeout))},
            detail=detail,
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return _unreachable(shown, detail)
    if any(isinstance(e, TimeoutError) for e in chain) or any(n.endswith("Timeout") for n in names):
        return DeadlineExceeded(seconds=timeout, detail=detail)
    lost = isinstance(exc, _LOST) or (not isinstance(exc, httpx.HTTPError) and isinstance(exc, _LOST_OS))
    if lost:
        return ConnectionLost(detail=detail)
    if any(isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain) or "[ssl" in text:
        return _tls_error(text, url, detail)
    if any(isinstance(e, socket.gaierror) for e in chain) or any(w in text for w in _DNS_WORDS):
        if shown is None:
            return DnsError(detail=detail)
        return DnsError(msgid("Cannot resolve Jira's host name ({url})."), params={"url": shown}, detail=detail)
    return _unreachable(shown, detail)


def _unreachable(shown: str | None, detail: str) -> NetworkError:
    if shown is None:
        return NetworkError(detail=detail or None)
    return NetworkError(msgid("Cannot reach Jira ({url})."), params={"url": shown}, detail=detail or None)
