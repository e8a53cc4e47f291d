"""Errors from talking to Jira, each with a short message a tired engineer can act on.

Every error carries its text as a message id (an English `str.format` template, marked with `msgid` so a
test can find every one of them) and language-neutral parameters; `message` and `hint` are the English
rendering, so plain-text callers need nothing else, and the UI translates `message_id` / `hint_id` through
`oncall_tui.i18n`. `detail` carries Jira's own words and is never translated.

Nothing here may contain a credential: messages are built from fixed text and from Jira's response, and the
Transport scrubs the token's value from every error it raises (see `redact.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

__all__ = [
    "AUTH_MODE_LABELS",
    "MAX_RETRY_AFTER",
    "ApiGone",
    "AuthError",
    "BadRequest",
    "BadResponse",
    "ConnectionLost",
    "DeadlineExceeded",
    "DnsError",
    "HtmlInsteadOfJson",
    "InvalidJql",
    "JiraError",
    "NetworkError",
    "NotFound",
    "PermissionDenied",
    "PlainHttpServer",
    "ProxyError",
    "RateLimited",
    "ServerError",
    "ServiceUnavailable",
    "TlsError",
    "msgid",
]


def msgid(template: str) -> str:
    """Marks `template` as a message id of the jira layer (gettext's N_): returned as it is, and found by
    tests/test_jira_messages.py, which checks that every marked id has German."""
    return template


AUTH_MODE_LABELS = {
    "basic": "basic (e-mail + API token)",
    "bearer": "bearer (personal access token)",
}
# The labels above are English fragments; a message carries a whole sentence per mode instead.
_AUTH_MESSAGES = {
    "basic": msgid("Jira did not accept the credentials (auth: basic (e-mail + API token))."),
    "bearer": msgid("Jira did not accept the credentials (auth: bearer (personal access token))."),
}
_AUTH_HINTS = {
    "basic": msgid(
        "Check `email` and the API token in the config; tokens are made at "
        "https://id.atlassian.com/manage-profile/security/api-tokens"
    ),
    "bearer": msgid(
        "Check the personal access token (Jira: Profile > Personal Access Tokens); it may have expired or been revoked"
    ),
}
# Longest wait we believe. Jira Cloud's own limits reset within a minute or two; anything longer is more
# likely a misconfigured proxy or garbage than policy, and believing it would stop polling for hours after
# Jira is healthy again. A garbage value is taken as this cap, never as "no wait".
MAX_RETRY_AFTER = 120.0

Params = Mapping[str, object]


class JiraError(Exception):
    """Root of every error the Jira client raises.

    `message` (positional) and `hint` are message ids: English templates, filled from `params` and
    `hint_params`. A caller outside the jira layer may pass plain text without parameters.
    """

    default_message: ClassVar[str] = msgid("The request to Jira failed.")
    default_hint: ClassVar[str | None] = None
    # Whether trying the same request again later can succeed without the user changing anything.
    retryable: ClassVar[bool] = False
    # True only when Jira could not be reached at all (DNS, refused, connect timeout, proxy, TLS): the
    # one case in which the UI says "offline". A broken answer, a 5xx or a login page is not offline.
    default_unreachable: ClassVar[bool] = False

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        params: Params | None = None,
        hint_params: Params | None = None,
        status: int | None = None,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message_id: str = message or self.default_message
        self.message_params: dict[str, object] = dict(params or {})
        self.hint_id: str | None = hint if hint is not None else self.default_hint
        self.hint_params: dict[str, object] = dict(hint_params or {})
        self.status = status
        self.detail = detail
        # Seconds Jira (or a gateway) asked us to wait, capped at MAX_RETRY_AFTER; None when it did not say.
        self.retry_after = retry_after
        self.unreachable: bool = self.default_unreachable
        # False when the request provably never reached Jira (the connection was never made), so a write
        # cannot have happened; None when unknown.
        self.sent: bool | None = None
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _render(self.message_id, self.message_params)

    @property
    def hint(self) -> str | None:
        return _render(self.hint_id, self.hint_params) if self.hint_id is not None else None

    def __str__(self) -> str:
        return self.message

    @property
    def full_text(self) -> str:
        """Message and hint, for a notification or the `doctor` output."""
        hint = self.hint
        return f"{self.message}\n{hint}" if hint else self.message

    def scrub(self, clean: Callable[[str], str]) -> None:
        """Pass every text this error carries (ids, parameters, detail, extra attributes) through `clean`.

        Generic over attributes, so a subclass's own fields (a rate-limit reason, say) cannot be missed.
        """
        for name, value in list(vars(self).items()):
            if isinstance(value, str):
                setattr(self, name, clean(value))
            elif isinstance(value, dict):
                setattr(self, name, {k: clean(v) if isinstance(v, str) else v for k, v in value.items()})
        self.args = (self.message,)


def _render(template: str, params: Mapping[str, object]) -> str:
    # As the Translator does: only a message with parameters is formatted, so plain text with a brace stays.
    return template.format(**params) if params else template


class AuthError(JiraError):
    default_message = msgid("Jira did not accept the credentials.")

    def __init__(
        self,
        message: str | None = None,
        *,
        auth_mode: str = "basic",
        hint: str | None = None,
        params: Params | None = None,
        status: int | None = 401,
        detail: str | None = None,
    ) -> None:
        self.auth_mode = auth_mode
        super().__init__(
            message or _AUTH_MESSAGES.get(auth_mode, self.default_message),
            hint=hint if hint is not None else _AUTH_HINTS.get(auth_mode),
            params=params,
            status=status,
            detail=detail,
        )


class PermissionDenied(JiraError):
    default_message = msgid("Jira says you may not do that.")
    default_hint = msgid("Ask a Jira admin for the project permission (e.g. 'Service Desk Agent')")


class NotFound(JiraError):
    default_message = msgid("Jira could not find it, or you may not see it.")


class InvalidJql(JiraError):
    default_message = msgid("Jira rejected the JQL query.")
    default_hint = msgid("Fix the queue's `jql` in the config; try it in Jira's issue search first")


class BadRequest(JiraError):
    default_message = msgid("Jira refused the request.")


class ApiGone(JiraError):
    default_message = msgid("This Jira no longer offers that API.")
    default_hint = msgid("Check `deployment` in the config (cloud or datacenter) and update oncall-tui")


def _wait_seconds(seconds: float) -> int:
    # Whole seconds, rounded up: "try again in 0 s" after a 0.4 s Retry-After would be a lie.
    return max(0, math.ceil(seconds)) if math.isfinite(seconds) else int(MAX_RETRY_AFTER)


class RateLimited(JiraError):
    default_message = msgid("Jira is rate-limiting requests; slow down.")
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        reason: str | None = None,
        hint: str | None = None,
        params: Params | None = None,
        status: int | None = 429,
        detail: str | None = None,
    ) -> None:
        self.reason = reason
        if message is None and retry_after is not None:
            message = msgid("Jira is rate-limiting requests and asks to wait {seconds} s.")
            params = {"seconds": _wait_seconds(retry_after)}
        super().__init__(message, hint=hint, params=params, status=status, detail=detail, retry_after=retry_after)


class ServerError(JiraError):
    default_message = msgid("Jira had an internal problem.")
    default_hint = msgid("Usually temporary; check Jira's status page if it persists")
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        hint: str | None = None,
        params: Params | None = None,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        if message is None and status is not None:
            message = msgid("Jira answered HTTP {status}: a problem on Jira's side or in a proxy before it.")
            params = {"status": status}
        super().__init__(message, hint=hint, params=params, status=status, detail=detail, retry_after=retry_after)


class ServiceUnavailable(ServerError):
    """A 503 that says when to come back (Retry-After): Jira or its gateway is overloaded or in
    maintenance. Not rate limiting: nothing the client did caused it."""

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        status: int | None = 503,
        hint: str | None = None,
        params: Params | None = None,
        detail: str | None = None,
    ) -> None:
        if message is None:
            if retry_after is not None:
                message = msgid("Jira is temporarily unavailable (HTTP 503) and asks to wait {seconds} s.")
                params = {"seconds": _wait_seconds(retry_after)}
            else:
                message = msgid("Jira is temporarily unavailable (HTTP 503).")
        super().__init__(message, status=status, hint=hint, params=params, detail=detail, retry_after=retry_after)


class NetworkError(JiraError):
    default_message = msgid("Cannot reach Jira.")
    default_hint = msgid("Check the network or VPN, and `url` in the config")
    retryable = True
    default_unreachable = True


class ConnectionLost(NetworkError):
    """The connection broke after the request went out (a stale keep-alive, a proxy or NAT cutting it,
    an answer cut short): Jira was reachable, and a write may have landed."""

    default_message = msgid("The connection broke off before Jira's answer was complete.")
    default_hint = msgid("Usually a flaky network, VPN or proxy; reads are retried, writes are checked first")
    default_unreachable = False


class DnsError(NetworkError):
    default_message = msgid("Cannot resolve Jira's host name.")
    default_hint = msgid("Check `url` in the config, and DNS or VPN (internal names often need the VPN)")


class ProxyError(NetworkError):
    default_message = msgid("The proxy refused or broke the connection to Jira.")
    default_hint = msgid("Check HTTPS_PROXY / NO_PROXY (and proxy credentials)")


class TlsError(NetworkError):
    default_message = msgid("Jira's TLS certificate could not be verified.")
    default_hint = msgid(
        'If your company uses its own CA, set ca_bundle = "system" in the [jira] section of the config '
        '(uses the OS trust store), or ca_bundle = "/path/to/ca.pem"'
    )
    retryable = False


class PlainHttpServer(TlsError):
    """An https:// URL pointing at a server that answers in plain HTTP (a TLS "wrong version number")."""

    default_message = msgid("The server speaks plain HTTP, not HTTPS.")
    default_hint = msgid("Use an http:// URL if plain HTTP is intended, or check the port in `url`")


class HtmlInsteadOfJson(JiraError):
    default_message = msgid("An HTML page answered instead of Jira — probably an SSO or proxy login page.")
    default_hint = msgid("Check that `url` is Jira's base URL, and whether the proxy or SSO lets API calls through")


class BadResponse(JiraError):
    default_message = msgid("Jira sent a response oncall-tui cannot read.")


class DeadlineExceeded(JiraError):
    default_message = msgid("Jira did not answer in time.")
    default_hint = msgid("Jira or the network is slow; it will be retried")
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        seconds: float | None = None,
        hint: str | None = None,
        params: Params | None = None,
        detail: str | None = None,
    ) -> None:
        self.seconds = seconds
        if seconds is not None and params is None:
            message = message or msgid("Jira did not answer within {seconds} s.")
            params = {"seconds": _wait_seconds(seconds)}
        super().__init__(message, hint=hint, params=params, detail=detail)


# Mapping responses and transport failures lives in classify.py (it imports this module); the names stay
# importable from here, as they always were.
_CLASSIFY = frozenset({"error_from_response", "error_from_transport", "parse_retry_after"})


def __getattr__(name: str) -> Any:
    if name in _CLASSIFY:
        from oncall_tui.jira import classify

        return getattr(classify, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
