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
  methods=M|M     apply them only to requests of these methods (POST|PUT: lose a write's answer, not the reads)
  times=N         apply the faults to the first N requests they match only, then answer normally (one 503 on
                  one of many parallel requests)
  seed=N          seed of the fault dice (deterministic runs)

Hostile servers, for drills of a client's limits (each applies to every request, within `paths`):

  trickle=B       send every answer's body at B bytes per second (headers at once): a read timeout never
                  fires, only a deadline on the whole answer helps
  bomb=MB         answer 200 with a gzip body that inflates to MB megabytes (a decompression bomb)
  echo-auth=MODE  echo the caller's credentials back: `400` (in errorMessages), `html` (in a login page's
                  <title>), `redirect` (in a 302's Location path and query)
  huge-text=N     pad the summary, description and comment bodies of every issue in an answer to N characters
  bad-issue=N     break the first N issues of every search page (no key, a number as key, not an object)
  endless-pages=M enhanced search never ends: `empty` (empty pages, each with a new token), `same` (the
                  first page again and again, each with a new token), `loop` (the first page with the same
                  token every time)

Ratios are between 0 and 1. The `/_sim/` control API is never subject to faults.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import random
import zlib
from collections.abc import Callable
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
    # Only requests of these methods ("POST", "PUT"): a write's answer lost while the reads that check on it work.
    methods: frozenset[str] = frozenset()
    # At most this many requests get the faults (0: every one); counted from when the faults were set.
    times: int = 0
    seed: int | None = None
    trickle: int = 0
    bomb_mb: int = 0
    echo_auth: str | None = None
    huge_text: int = 0
    bad_issue: int = 0
    endless_pages: str | None = None

    @property
    def active(self) -> bool:
        return (
            bool(
                self.rate
                or self.server_error
                or self.latency_ms[1]
                or self.drop
                or self.lose
                or self.html
                or self.status
            )
            or self.hostile
        )

    @property
    def hostile(self) -> bool:
        return bool(
            self.trickle or self.bomb_mb or self.echo_auth or self.huge_text or self.bad_issue or self.endless_pages
        )

    @property
    def rewrites(self) -> bool:
        """Whether the app's own answer is changed or slowed on its way out."""
        return bool(self.trickle or self.huge_text or self.bad_issue)

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
            "methods": ",".join(sorted(self.methods)),
            "times": self.times,
            "seed": self.seed,
            "trickle": self.trickle,
            "bomb": self.bomb_mb,
            "echo-auth": self.echo_auth,
            "huge-text": self.huge_text,
            "bad-issue": self.bad_issue,
            "endless-pages": self.endless_pages,
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


def _count(key: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise FaultSpecError(f"faults: {key}={value}: expected a whole number from {low} to {high}")
    return int(value)


def _choice(key: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise FaultSpecError(f"faults: {key}={value}: expected one of {', '.join(choices)}")
    return value


_HOSTILE_KEYS: dict[str, Callable[[Faults, str, str], Faults]] = {
    "trickle": lambda f, k, v: replace(f, trickle=_count(k, v, 1, 10_000_000)),
    "bomb": lambda f, k, v: replace(f, bomb_mb=_count(k, v, 1, 4096)),
    "echo-auth": lambda f, k, v: replace(f, echo_auth=_choice(k, v, ("400", "html", "redirect"))),
    "huge-text": lambda f, k, v: replace(f, huge_text=_count(k, v, 1, 100_000_000)),
    "bad-issue": lambda f, k, v: replace(f, bad_issue=_count(k, v, 0, 1000)),
    "endless-pages": lambda f, k, v: replace(f, endless_pages=_choice(k, v, ("empty", "same", "loop"))),
}


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
        elif key == "methods":
            methods = frozenset(m.strip().upper() for m in value.split("|") if m.strip())
            unknown = methods - {"GET", "POST", "PUT", "DELETE"}
            if not methods or unknown:
                raise FaultSpecError(f"faults: methods={value!r}: expected methods like POST|PUT")
            faults = replace(faults, methods=methods)
        elif key == "times":
            faults = replace(faults, times=_count(key, value, 1, 1_000_000))
        elif key == "seed":
            if not value.lstrip("-").isdigit():
                raise FaultSpecError(f"faults: seed={value}: expected an integer")
            faults = replace(faults, seed=int(value))
        elif key in _HOSTILE_KEYS:
            faults = _HOSTILE_KEYS[key](faults, key, value)
        else:
            raise FaultSpecError(
                f"faults: unknown key '{key}' (known: rate, retry-after, 5xx, latency, drop, html, status, lose, "
                "paths, methods, times, seed, trickle, bomb, echo-auth, huge-text, bad-issue, endless-pages)"
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
        self._hits = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        faults: Faults = self.holder.faults
        if (
            not faults.active
            or (faults.paths and not scope["path"].startswith(faults.paths))
            or (faults.methods and scope["method"] not in faults.methods)
        ):
            await self.app(scope, receive, send)
            return
        if self._seeded_for is not faults:
            self._rng = random.Random(faults.seed)
            self._seeded_for = faults
            self._hits = 0
        if faults.times:
            if self._hits >= faults.times:
                await self.app(scope, receive, send)
                return
            self._hits += 1
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
        if faults.hostile:
            await _hostile(self.app, scope, receive, send, faults)
            return
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


# Hostile servers ------------------------------------------------------------------------------------------

# Enhanced search (Cloud), where endless-pages applies; bad-issue also breaks Data Center's search.
_SEARCH_PATHS = ("/rest/api/3/search/jql", "/rest/api/2/search/jql")
_ANY_SEARCH = (*_SEARCH_PATHS, "/rest/api/2/search")
_BOMBS: dict[int, bytes] = {}
_FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "


async def _hostile(app: ASGIApp, scope: Scope, receive: Receive, send: Send, faults: Faults) -> None:
    if faults.echo_auth:
        await _echo_auth(scope, send, faults.echo_auth)
        return
    if faults.bomb_mb:
        await _send_bomb(send, faults.bomb_mb)
        return
    endless = faults.endless_pages if scope["path"] in _SEARCH_PATHS else None
    if endless == "empty":
        page = {"issues": [], "isLast": False, "nextPageToken": _fresh_token()}
        await _send_json(send, 200, page)
        return
    if endless:
        receive = await _without_page_token(scope, receive)
        scope = {**scope, "query_string": _strip_query_token(scope.get("query_string", b""))}
    if not (faults.rewrites or endless):
        await app(scope, receive, send)
        return
    start, body = await _captured(app, scope, receive)
    if _is_json(start):
        body = _rewrite(body, faults, endless, search=scope["path"] in _ANY_SEARCH)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    if faults.trickle:
        await _trickle(send, receive, body, faults.trickle)
    else:
        await send({"type": "http.response.body", "body": body})


async def _captured(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    start: Message = {"type": "http.response.start", "status": 500, "headers": []}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start, b"".join(chunks)


def _is_json(start: Message) -> bool:
    return any(k.lower() == b"content-type" and b"json" in v.lower() for k, v in start.get("headers", []))


def _rewrite(body: bytes, faults: Faults, endless: str | None, *, search: bool) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if faults.huge_text:
        _pad_issues(data, faults.huge_text)
    if search and isinstance(data, dict) and isinstance(data.get("issues"), list):
        issues = data["issues"]
        for i in range(min(faults.bad_issue, len(issues))):
            issues[i] = _broken_issue(issues[i], i)
        if endless:
            data["isLast"] = False
            data["nextPageToken"] = "sim-endless-loop" if endless == "loop" else _fresh_token()
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _broken_issue(issue: Any, i: int) -> Any:
    if i % 3 == 2 or not isinstance(issue, dict):
        return "not an issue"
    broken = dict(issue)
    if i % 3 == 0:
        broken.pop("key", None)
    else:
        broken["key"] = 10_000 + i
    return broken


def _padded(text: Any, size: int) -> str:
    start = text if isinstance(text, str) else ""
    filler = _FILLER * (size // len(_FILLER) + 1)
    return (start + " " + filler)[:size]


def _pad_body(body: Any, size: int) -> Any:
    if isinstance(body, dict) and body.get("type") == "doc":
        paragraph = {"type": "paragraph", "content": [{"type": "text", "text": _padded("", size)}]}
        return {**body, "content": [*(body.get("content") or []), paragraph]}
    return _padded(body, size)


def _pad_issues(data: Any, size: int) -> None:
    issues = data.get("issues") if isinstance(data, dict) and "issues" in data else [data]
    for issue in issues if isinstance(issues, list) else []:
        fields = issue.get("fields") if isinstance(issue, dict) else None
        if not isinstance(fields, dict):
            continue
        fields["summary"] = _padded(fields.get("summary"), size)
        if "description" in fields:
            fields["description"] = _pad_body(fields.get("description"), size)
        page = fields.get("comment")
        for comment in page.get("comments", []) if isinstance(page, dict) else []:
            if isinstance(comment, dict):
                comment["body"] = _pad_body(comment.get("body"), size)


def _fresh_token() -> str:
    return base64.urlsafe_b64encode(random.randbytes(12)).decode("ascii")


async def _without_page_token(scope: Scope, receive: Receive) -> Receive:
    """The request as if it asked for the first page (its body's nextPageToken removed)."""
    if scope["method"] != "POST":
        return receive
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            break
    body = b"".join(chunks)
    try:
        data = json.loads(body)
        if isinstance(data, dict):
            data.pop("nextPageToken", None)
            body = json.dumps(data).encode()
    except ValueError:
        pass
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _strip_query_token(query: bytes) -> bytes:
    return b"&".join(p for p in query.split(b"&") if p and not p.startswith(b"nextPageToken="))


async def _trickle(send: Send, receive: Receive, body: bytes, rate: int) -> None:
    """`body` at `rate` bytes a second, ten sends a second at most; stops when the client goes away."""
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    watcher = asyncio.create_task(watch())
    step = max(1, rate // 10)
    try:
        for offset in range(0, len(body), step):
            if gone.is_set():
                return
            last = offset + step >= len(body)
            await send({"type": "http.response.body", "body": body[offset : offset + step], "more_body": not last})
            if not last:
                await asyncio.sleep(step / rate)
    finally:
        watcher.cancel()
    if not body:
        await send({"type": "http.response.body", "body": b""})


def _bomb(megabytes: int) -> bytes:
    if megabytes not in _BOMBS:
        deflate = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        parts = [deflate.compress(b'{"issues":[')]
        block = b" " * (1024 * 1024)
        parts.extend(deflate.compress(block) for _ in range(megabytes))
        parts.append(deflate.compress(b"]}") + deflate.flush())
        _BOMBS[megabytes] = b"".join(parts)
    return _BOMBS[megabytes]


async def _send_bomb(send: Send, megabytes: int) -> None:
    payload = _bomb(megabytes)
    headers = [
        (b"content-type", b"application/json;charset=UTF-8"),
        (b"content-encoding", b"gzip"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _credentials(scope: Scope) -> tuple[str, str, str]:
    """The Authorization header as sent, the credential after the scheme, and the token alone."""
    header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"authorization"), "")
    scheme, _, credential = header.partition(" ")
    token = credential
    if scheme.lower() == "basic":
        try:
            token = base64.b64decode(credential).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            token = credential
    return header, credential, token


async def _echo_auth(scope: Scope, send: Send, mode: str) -> None:
    """A careless server or gateway quoting the credentials back, as some do in errors and redirects."""
    header, credential, token = _credentials(scope)
    if mode == "400":
        messages = [f"Rejected {token}: the request with Authorization: {header} is malformed", credential]
        await _send_json(send, 400, {"errorMessages": messages, "errors": {"token": token}})
    elif mode == "html":
        page = f"<!DOCTYPE html><html><head><title>Session {token} expired</title></head><body>{header}</body></html>"
        start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}
        await send(start)
        await send({"type": "http.response.body", "body": page.encode()})
    else:
        location = f"https://sso.example.invalid/login/{token}?token={token}&auth={credential}"
        headers = [(b"location", location.encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 302, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
