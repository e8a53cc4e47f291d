"""Injected faults: what corporate networks and a busy Jira Cloud do to a client.

SPEC is comma-separated `key=value` pairs, e.g. `rate=0.2,retry-after=3,5xx=0.1,latency=50-300ms,seed=1`:

  rate=R          answer 429 (Jira's rate limiting: Retry-After, X-RateLimit-* headers) to R of requests
  retry-after=S   seconds announced in Retry-After for rate=...      (default 2)
  5xx=R           answer 500/502/503/504 to R of requests (503 carries Retry-After)
  latency=A-Bms   delay every response by a uniform random time between A and B (`ms` or `s`)
  drop=R          start the response and cut the connection mid-body, for R of requests (Jira never saw them)
  lose=R          let Jira process R of requests (a comment IS stored), then cut the connection mid-answer:
                  the client cannot tell whether its write landed
  html=R          answer R of requests with an HTML SSO login page and status 200 (proxies do this)
  status=N        answer every request with status N and a Jira-shaped error body (e.g. 403, 404)
  paths=PREFIX    apply the faults only to paths starting with PREFIX (default: every API path)
  seed=N          seed of the fault dice (deterministic runs)

Ratios are between 0 and 1. The `/_sim/` control API is never subject to faults.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _QuietInjectedDrops(logging.Filter):
    """uvicorn logs a traceback for every connection the drop/lose faults cut on purpose: keep the console
    of `oncall-tui sim --faults drop=...` readable."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, ConnectionAbortedError) and str(exc).startswith("simulated "))


logging.getLogger("uvicorn.error").addFilter(_QuietInjectedDrops())


class FaultSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Faults:
    rate: float = 0.0
    retry_after: int = 2
    server_error: float = 0.0
    latency_ms: tuple[int, int] = (0, 0)
    drop: float = 0.0
    lose: float = 0.0
    html: float = 0.0
    status: int | None = None
    paths: str = ""
    seed: int | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.rate or self.server_error or self.latency_ms[1] or self.drop or self.lose or self.html or self.status
        )

    def describe(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "retry-after": self.retry_after,
            "5xx": self.server_error,
            "latency": f"{self.latency_ms[0]}-{self.latency_ms[1]}ms",
            "drop": self.drop,
            "lose": self.lose,
            "html": self.html,
            "status": self.status,
            "paths": self.paths,
            "seed": self.seed,
        }


def _ratio(key: str, value: str) -> float:
    try:
        ratio = float(value)
    except ValueError:
        raise FaultSpecError(f"faults: {key}={value}: expected a ratio between 0 and 1") from None
    if not 0.0 <= ratio <= 1.0:
        raise FaultSpecError(f"faults: {key}={value}: expected a ratio between 0 and 1")
    return ratio


def _duration_ms(key: str, value: str) -> int:
    text = value.strip().lower()
    try:
        if text.endswith("ms"):
            return int(float(text[:-2]))
        if text.endswith("s"):
            return int(float(text[:-1]) * 1000)
        return int(float(text))
    except ValueError:
        raise FaultSpecError(f"faults: {key}={value}: expected a duration like 200ms or 1.5s") from None


def parse_faults(spec: str | None) -> Faults:
    faults = Faults()
    if not spec or not spec.strip():
        return faults
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if not sep:
            raise FaultSpecError(f"faults: '{part}': expected key=value")
        if key in ("rate", "429"):
            faults = replace(faults, rate=_ratio(key, value))
        elif key == "retry-after":
            if not value.isdigit():
                raise FaultSpecError(f"faults: retry-after={value}: expected whole seconds")
            faults = replace(faults, retry_after=int(value))
        elif key == "5xx":
            faults = replace(faults, server_error=_ratio(key, value))
        elif key == "latency":
            low, dash, high = value.partition("-")
            if dash:
                unit = "ms" if high.strip().lower().endswith("ms") else ("s" if high.endswith("s") else "")
                lo = _duration_ms(key, low + unit if not low.endswith(("s", "ms")) else low)
                hi = _duration_ms(key, high)
            else:
                lo = hi = _duration_ms(key, value)
            if lo > hi or lo < 0:
                raise FaultSpecError(f"faults: latency={value}: expected MIN-MAX with MIN <= MAX")
            faults = replace(faults, latency_ms=(lo, hi))
        elif key == "drop":
            faults = replace(faults, drop=_ratio(key, value))
        elif key == "lose":
            faults = replace(faults, lose=_ratio(key, value))
        elif key == "html":
            faults = replace(faults, html=_ratio(key, value))
        elif key == "status":
            if not value.isdigit() or not 400 <= int(value) <= 599:
                raise FaultSpecError(f"faults: status={value}: expected an HTTP error status 400-599")
            faults = replace(faults, status=int(value))
        elif key == "paths":
            faults = replace(faults, paths=value)
        elif key == "seed":
            if not value.lstrip("-").isdigit():
                raise FaultSpecError(f"faults: seed={value}: expected an integer")
            faults = replace(faults, seed=int(value))
        else:
            raise FaultSpecError(
                f"faults: unknown key '{key}' (known: rate, retry-after, 5xx, latency, drop, html, status, lose, "
                "paths, seed)"
            )
    return faults


LOGIN_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Corporate SSO</title></head>
<body><form method="post" action="/sso/login"><h1>Sign in to continue</h1>
<label>User name <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form></body></html>
"""

_STATUS_MESSAGES = {
    401: "You are not authenticated. Authentication required to perform this operation.",
    403: "You do not have permission to perform this operation.",
    404: "The requested resource does not exist.",
    500: "Internal server error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class FaultMiddleware:
    """ASGI middleware applying the site's current `Faults` (read per request, so tests can change them)."""

    def __init__(self, app: ASGIApp, holder: Any) -> None:
        self.app = app
        self.holder = holder  # anything with a `.faults` attribute (the Starlette app state)
        self._rng = random.Random()
        self._seeded_for: Faults | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        faults: Faults = self.holder.faults
        if not faults.active or (faults.paths and not scope["path"].startswith(faults.paths)):
            await self.app(scope, receive, send)
            return
        if self._seeded_for is not faults:
            self._rng = random.Random(faults.seed)
            self._seeded_for = faults
        rng = self._rng
        low, high = faults.latency_ms
        if high:
            await asyncio.sleep(rng.uniform(low, high) / 1000)
        if faults.status is not None:
            await _send_json(send, faults.status, {"errorMessages": [_STATUS_MESSAGES.get(faults.status, "Error")]})
            return
        if faults.rate and rng.random() < faults.rate:
            await _send_rate_limited(send, faults.retry_after)
            return
        if faults.server_error and rng.random() < faults.server_error:
            status = rng.choice((500, 502, 503, 504))
            extra = [(b"retry-after", str(faults.retry_after).encode())] if status == 503 else []
            await _send_json(send, status, {"errorMessages": [_STATUS_MESSAGES[status]]}, extra)
            return
        if faults.html and rng.random() < faults.html:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/html;charset=UTF-8")],
                }
            )
            await send({"type": "http.response.body", "body": LOGIN_PAGE})
            return
        if faults.drop and rng.random() < faults.drop:
            # Announce a body and send half of it, then fail: uvicorn closes the socket, and the client sees
            # the peer vanish mid-response (what a flaky proxy or a killed keep-alive does).
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
                }
            )
            await send({"type": "http.response.body", "body": b'{"issues":[', "more_body": True})
            raise ConnectionAbortedError("simulated dropped connection")
        if faults.lose and rng.random() < faults.lose:
            await _lose_answer(self.app, scope, receive, send)
        await self.app(scope, receive, send)


async def _lose_answer(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> NoReturn:
    """Run the request for real, then cut the connection before the client has the whole answer.

    The app's own answer is swallowed; the client gets a 200 announcing a body that never fully arrives (a
    204 would need none, and the loss would go unnoticed), like a proxy or NAT dropping the connection just
    after Jira committed the write.
    """

    async def swallow(message: Message) -> None:
        pass

    await app(scope, receive, swallow)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"id":"', "more_body": True})
    raise ConnectionAbortedError("simulated connection lost after the request was processed")


async def _send_json(
    send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json;charset=UTF-8"), *(extra or [])]
    if status == 401:
        headers.append((b"www-authenticate", b'Basic realm="protected-area"'))
    start: Message = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": payload})


async def _send_rate_limited(send: Send, retry_after: int) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=retry_after)).strftime("%Y-%m-%dT%H:%MZ")
    await _send_json(
        send,
        429,
        {"errorMessages": ["Rate limit exceeded."]},
        [
            (b"retry-after", str(retry_after).encode()),
            (b"x-ratelimit-limit", b"100"),
            (b"x-ratelimit-remaining", b"0"),
            (b"x-ratelimit-reset", reset.encode()),
            (b"x-ratelimit-nearlimit", b"true"),
            (b"ratelimit-reason", b"jira-burst-based"),
        ],
    )
