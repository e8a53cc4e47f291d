"""HTTP plumbing for the Jira client: one httpx.AsyncClient, auth, TLS, proxies, retries, typed errors.

Retries follow what is safe, not what is convenient: a request is repeated when it provably never reached
Jira (connect errors, a full pool, a 429, which Jira rejects before doing anything) or when repeating it
cannot do harm (idempotent reads and PUTs, after stale keep-alives and 502/503/504). The overall deadline
of a call bounds the retries and their waits; an in-flight request is never cancelled, because httpx
leaks pool slots when one is cancelled while connecting (httpx #1461).

Each attempt is bounded too, without cancelling anything: the response is streamed and read by body.py,
which stops at `attempt_deadline` seconds after sending (a server trickling a byte a second keeps httpx's
read timeout happy forever) and at `max_body_bytes` decoded bytes (a gzip bomb); the response is then
closed, which returns nothing broken to the pool. Every error passes `_redact` before it is logged or
raised, so a token the server echoes back never leaves this module.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from urllib.request import getproxies

import httpx

from oncall_tui import __version__
from oncall_tui.config_schema import Secret
from oncall_tui.jira.body import ACCEPT_ENCODING, MAX_BODY_BYTES, MAX_ERROR_BODY_BYTES, read_body
from oncall_tui.jira.classify import CERTIFICATE_UNTRUSTED, error_from_response, error_from_transport
from oncall_tui.jira.errors import BadRequest, BadResponse, JiraError, ProxyError, TlsError, msgid
from oncall_tui.jira.redact import Redactor
from oncall_tui.jira.urls import display_url, hide_url_secrets

__all__ = [
    "AuthMode",
    "RetryPolicy",
    "Sleep",
    "Transport",
    "basic_auth_header",
    "bearer_auth_header",
    "build_ssl_context",
    "display_url",
    "env_proxy_for",
]

log = logging.getLogger("oncall_tui.jira")

AuthMode = Literal["basic", "bearer"]
Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int | bool]

_NO_BODY: Any = object()
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Statuses worth a second try of an idempotent request: a proxy or load balancer in trouble, or Jira busy.
_RETRY_STATUSES = frozenset({502, 503, 504})
# Transport failures that happen before a single byte of the request reached Jira.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_CONNECT_PHASE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)
_MAX_RETIRED = 2


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one call tries. `attempts` counts the first try; `deadline` bounds a call's retries."""

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    # A Retry-After above this is not waited out: the caller hears "rate limited, N s" at once instead.
    retry_after_max: float = 60.0
    retry_after_jitter: float = 1.0
    deadline: float = 60.0
    pool_timeouts_before_reset: int = 2

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if min(self.backoff_base, self.backoff_max, self.retry_after_max, self.retry_after_jitter) < 0:
            raise ValueError("RetryPolicy delays must not be negative")


def basic_auth_header(email: str, token: str) -> Secret:
    raw = base64.b64encode(f"{email}:{token}".encode()).decode("ascii")
    return Secret(f"Basic {raw}")


def bearer_auth_header(token: str) -> Secret:
    return Secret(f"Bearer {token}")


class _HeaderAuth(httpx.Auth):
    """Sets the Authorization header per request, so the value lives only in a Secret and in the
    request's headers (whose repr httpx masks), never in a plain attribute a traceback could show."""

    def __init__(self, header: Secret) -> None:
        self._header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header.reveal()
        yield request

    def __repr__(self) -> str:
        return "_HeaderAuth('***')"


def env_proxy_for(url: str) -> str | None:
    """The proxy the environment sets for `url` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY minus NO_PROXY), if any.

    httpx (trust_env) reads the same variables through the same `getproxies()`; this copy only serves to
    tell "the proxy is unreachable" from "Jira is unreachable" in error messages.
    """
    proxies = getproxies()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    for entry in proxies.get("no", "").split(","):
        rule = entry.strip().lower()
        if "://" in rule:
            rule = rule.split("://", 1)[1]
        rule = rule.split("/", 1)[0].strip("[]")
        if not rule:
            continue
        if rule == "*":
            return None
        bare = rule.lstrip(".").lstrip("*").lstrip(".")
        if host == rule or (bare and (host == bare or host.endswith("." + bare))):
            return None
    return proxy if "://" in proxy else f"http://{proxy}"


def build_ssl_context(
    ca_bundle: Path | str | None,
    *,
    verify: bool = True,
    client_cert: Path | None = None,
    client_key: Path | None = None,
) -> ssl.SSLContext:
    """The TLS context for Jira: the OS trust store ("system", via truststore) or a CA bundle file.

    Raises TlsError naming the file when a bundle or client certificate cannot be loaded.
    """
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif ca_bundle is None or str(ca_bundle) == "system":
        import truststore  # imported late: it loads platform trust-store bindings

        context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        path = Path(ca_bundle).expanduser()
        try:
            context = ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise TlsError(
                msgid("Cannot load the CA bundle {path}."),
                params={"path": str(path)},
                hint=msgid('Set ca_bundle in the [jira] section to a PEM file with your CA, or to "system"'),
                detail=_reason(exc),
            ) from None
    if client_cert is not None:
        cert = Path(client_cert).expanduser()
        key = Path(client_key).expanduser() if client_key is not None else None
        try:
            context.load_cert_chain(str(cert), str(key) if key else None)
        except (OSError, ssl.SSLError) as exc:
            text = (
                msgid("Cannot load the client certificate {cert} with key {key}.")
                if key
                else msgid("Cannot load the client certificate {cert}.")
            )
            raise TlsError(
                text,
                params={"cert": str(cert), "key": str(key)} if key else {"cert": str(cert)},
                hint=msgid("Check client_cert and client_key in the [jira] section (PEM files, key not encrypted)"),
                detail=_reason(exc),
            ) from None
    return context


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or getattr(exc, "reason", None) or type(exc).__name__


class Transport:
    """One Jira connection: the AsyncClient, its auth, and the retry loop every call goes through."""

    def __init__(
        self,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | bool,
        timeout: httpx.Timeout,
        policy: RetryPolicy | None = None,
        trust_env: bool = True,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] | None = None,
        limits: httpx.Limits | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        tls_hint: str | tuple[str, Mapping[str, object]] | None = None,
        attempt_deadline: float | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        """`attempt_deadline` bounds one attempt from sending to the body's last byte (default: twice the
        read timeout); `tls_hint` (a message id, or id and parameters) replaces the hint of a certificate
        the trust settings reject."""
        self.base_url = base_url.rstrip("/")
        self.display_url = display_url(self.base_url)
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.trust_env = trust_env
        self._ssl_context = ssl_context
        self._sleep: Sleep = sleep or asyncio.sleep
        self._rng = rng or random.Random()
        self._clock = clock or time.monotonic
        self._limits = limits or httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=20)
        self._http_transport = http_transport
        self._tls_hint: tuple[str, Mapping[str, object]] | None = (
            (tls_hint, {}) if isinstance(tls_hint, str) else tls_hint
        )
        if attempt_deadline is None and timeout.read is not None:
            attempt_deadline = 2 * timeout.read
        self.attempt_deadline = attempt_deadline
        self.max_body_bytes = max_body_bytes
        self._auth: _HeaderAuth | None = None
        self._redactor = Redactor()
        self.auth_mode: AuthMode = "basic"
        self._client: httpx.AsyncClient | None = None
        self._retired: list[httpx.AsyncClient] = []
        self._pool_timeouts = 0
        self.client_resets = 0

    def __repr__(self) -> str:
        return f"Transport(url={self.display_url!r}, auth={self.auth_mode})"

    def set_auth(self, mode: AuthMode, header: Secret) -> None:
        self.auth_mode = mode
        self._auth = _HeaderAuth(header)
        self._redactor = Redactor(header)

    # The client ------------------------------------------------------------------------------------------

    def _make_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            verify=self._ssl_context,
            timeout=self.timeout,
            limits=self._limits,
            trust_env=self.trust_env,
            transport=self._http_transport,
            follow_redirects=False,  # a redirect is an SSO login page far more often than a moved Jira
            headers={
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": f"oncall-tui/{__version__}",
                "X-Atlassian-Token": "no-check",
            },
        )

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self._make_client()
        return self._client

    async def _reset_client(self) -> None:
        # Slots leaked by cancelled connects never come back (httpx #1461); only a new pool helps. The old
        # client is retired, not closed: requests still running on it finish normally. Only the oldest
        # retirees, long idle by then, are closed.
        if self._client is not None:
            self._retired.append(self._client)
        self._client = self._make_client()
        self._pool_timeouts = 0
        self.client_resets += 1
        log.warning("Jira connection pool exhausted; recreating the HTTP client for %s", self.display_url)
        while len(self._retired) > _MAX_RETIRED:
            await self._retired.pop(0).aclose()

    async def aclose(self) -> None:
        clients = [*self._retired, *([self._client] if self._client is not None else [])]
        self._client, self._retired = None, []
        for client in clients:
            await client.aclose()

    # Requests --------------------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Any = _NO_BODY,
        idempotent: bool | None = None,
        is_search: bool = False,
        authenticated: bool = True,
    ) -> Any:
        """Send a request and return its decoded JSON (None for an empty answer); raise a JiraError.

        `idempotent` defaults by method (GET, PUT, DELETE yes; POST no). `is_search` makes a 400 an
        InvalidJql. `authenticated=False` sends no credentials (deployment detection).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(method, path, params, body, authenticated, is_search, attempt)
            if not isinstance(outcome, _Failure):
                return outcome
            # The one place every error passes before anyone (a log line, the caller) sees it.
            error = self._redact(outcome.error)
            delay = self._delay(outcome, error, idempotent, attempt)
            if delay is None or attempt >= self.policy.attempts:
                raise error
            if self._clock() - started + delay > self.policy.deadline:
                log.info("%s %s: giving up, a retry in %.1f s would pass the call's deadline", method, path, delay)
                raise error
            log.info("%s %s: %s; retry %d in %.1f s", method, path, error.message, attempt, delay)
            await self._sleep(delay)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Params | None,
        body: Any,
        authenticated: bool,
        is_search: bool,
        attempt: int,
    ) -> Any:
        """One try: the decoded answer, or a _Failure saying what went wrong and whether it was sent."""
        sent_at = self._clock()
        try:
            response = await self._send(method, path, params, body, authenticated)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            error = BadRequest(
                msgid("Not a valid Jira URL: {url}"),
                params={"url": self.display_url},
                hint=msgid("Write `url` in the [jira] section as https://host (or http://host for plain HTTP)"),
            )
            return _Failure(error)
        except (httpx.RequestError, OSError, ssl.SSLError) as exc:
            log.debug("%s %s failed: %s (attempt %d)", method, path, type(exc).__name__, attempt)
            if isinstance(exc, httpx.PoolTimeout):
                self._pool_timeouts += 1
                if self._pool_timeouts >= self.policy.pool_timeouts_before_reset:
                    await self._reset_client()
            return _Failure(self._transport_error(exc), exc=exc)
        self._pool_timeouts = 0
        status = response.status_code
        ok = 200 <= status < 300
        try:
            content = await read_body(
                response,
                cap=self.max_body_bytes if ok else MAX_ERROR_BODY_BYTES,
                truncate=not ok,
                clock=self._clock,
                sent_at=sent_at,
                deadline=self.attempt_deadline,
            )
        except JiraError as error:
            # Over the size cap, past the deadline, undecodable: not retried here (the next poll asks again).
            error.status = status
            return _Failure(error)
        except (httpx.RequestError, OSError, ssl.SSLError) as exc:
            # Headers came, then the body broke off: Jira was reachable, and may have done the work.
            log.debug("%s %s: the answer broke off: %s (attempt %d)", method, path, type(exc).__name__, attempt)
            return _Failure(self._transport_error(exc), exc=exc)
        finally:
            await response.aclose()
        log.debug(
            "%s %s -> %d in %.0f ms (attempt %d)", method, path, status, (self._clock() - sent_at) * 1000, attempt
        )
        if ok:
            try:
                return self._decode(status, response.headers, content)
            except JiraError as error:
                return _Failure(error)
        error = error_from_response(status, response.headers, content, auth_mode=self.auth_mode, is_search=is_search)
        return _Failure(error, status=status)

    async def _send(
        self, method: str, path: str, params: Params | None, body: Any, authenticated: bool
    ) -> httpx.Response:
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = {k: _param(v) for k, v in params.items()}
        if body is not _NO_BODY:
            kwargs["content"] = json.dumps(body, ensure_ascii=False).encode("utf-8")
            kwargs["headers"] = {"Content-Type": "application/json"}
        auth = self._auth if authenticated and self._auth is not None else None
        request = self.client.build_request(method, path, **kwargs)
        # Streamed, so the body is read under the size cap and the deadline (body.py).
        return await self.client.send(request, auth=auth, stream=True)

    def _decode(self, status: int, headers: httpx.Headers, content: bytes) -> Any:
        if not content.strip():
            return None
        content_type = headers.get("content-type", "").lower()
        head = content[:256].lstrip().lower()
        if "html" in content_type or head.startswith((b"<!doctype html", b"<html")):
            # A 200 with a web page: an SSO or proxy login answered in Jira's place.
            raise error_from_response(status, headers, content, auth_mode=self.auth_mode)
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            raise BadResponse(
                msgid("Jira answered HTTP {status} with something that is not JSON."),
                params={"status": status},
                status=status,
            ) from None

    def _redact(self, error: JiraError) -> JiraError:
        error.scrub(lambda text: self._redactor(hide_url_secrets(text)))
        return error

    # Retry decisions -------------------------------------------------------------------------------------

    def _transport_error(self, exc: BaseException) -> JiraError:
        error = self._classify_transport_error(exc)
        if isinstance(exc, _NEVER_SENT):
            error.sent = False
        return error

    def _classify_transport_error(self, exc: BaseException) -> JiraError:
        error = error_from_transport(
            exc,
            url=self.display_url,
            timeout=self.timeout.read,
            connect_timeout=self.timeout.connect,
            pool_timeout=self.timeout.pool,
        )
        if error.message_id == CERTIFICATE_UNTRUSTED and self._tls_hint is not None:
            error.hint_id, error.hint_params = self._tls_hint[0], dict(self._tls_hint[1])
            return error
        proxy = env_proxy_for(self.base_url) if self.trust_env and self._http_transport is None else None
        if proxy and isinstance(exc, _CONNECT_PHASE) and not isinstance(error, ProxyError | TlsError):
            failed = ProxyError(
                msgid(
                    "Cannot connect to Jira through the proxy {proxy} (from the HTTPS_PROXY / HTTP_PROXY "
                    "environment variables)."
                ),
                params={"proxy": display_url(proxy)},
                detail=error.detail,
            )
            return failed
        return error

    def _delay(self, failure: _Failure, error: JiraError, idempotent: bool, attempt: int) -> float | None:
        if failure.exc is not None:
            return self._transport_delay(failure.exc, error, idempotent, attempt)
        if failure.status is not None:
            return self._status_delay(failure.status, error, idempotent, attempt)
        return None

    def _transport_delay(self, exc: BaseException, error: JiraError, idempotent: bool, attempt: int) -> float | None:
        if not error.retryable:
            return None
        if isinstance(exc, _NEVER_SENT) or idempotent:
            return self._backoff(attempt)
        return None

    def _status_delay(self, status: int, error: JiraError, idempotent: bool, attempt: int) -> float | None:
        # A 429 is refused before Jira does anything, so even a POST may be repeated.
        if status != 429 and not (idempotent and status in _RETRY_STATUSES):
            return None
        announced = error.retry_after
        if announced is None:
            return self._backoff(attempt)
        if announced > self.policy.retry_after_max:
            return None
        # Never earlier than announced: retrying early only earns a longer wait.
        return announced + self._rng.uniform(0, self.policy.retry_after_jitter)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)


@dataclass(frozen=True, slots=True)
class _Failure:
    """A failed attempt: the error, and what the retry decision needs (the exception or the status)."""

    error: JiraError
    exc: BaseException | None = None
    status: int | None = None


def _param(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
