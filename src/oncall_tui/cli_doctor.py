"""`oncall-tui doctor`: check, in order, everything between this terminal and a working Jira queue.

Each check prints as soon as it is done (a hanging step shows where it hangs), with the fix when it fails;
checks that need a failed one are shown as skipped rather than failing a second time. The API token is
never printed: every line goes through a filter that masks it, whatever produced the text.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import ipaddress
import json
import os
import shlex
import socket
import ssl
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from oncall_tui.cli import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK
from oncall_tui.cli_list import can_encode, colour_enabled, write_text
from oncall_tui.config import (
    Config,
    ConfigError,
    JiraConfig,
    Secret,
    config_warnings,
    find_config_path,
    load_config,
    resolve_token,
)
from oncall_tui.domain.text import sanitize_line

__all__ = ["MAX_CLOCK_SKEW", "Check", "Doctor", "Status", "run_doctor"]

# Beyond this, SLA countdowns shown locally visibly disagree with Jira's.
MAX_CLOCK_SKEW = timedelta(seconds=60)
CERT_EXPIRY_WARNING = timedelta(days=14)
NETWORK_TIMEOUT = 10.0
PERMISSIONS = {
    "BROWSE_PROJECTS": "browse",
    "ASSIGN_ISSUES": "assign",
    "ADD_COMMENTS": "comment",
    "TRANSITION_ISSUES": "transition",
}


class Status(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


_MARKS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "–"}
_ASCII_MARKS = {Status.OK: "ok", Status.WARN: "!!", Status.FAIL: "XX", Status.SKIP: "--"}
_COLOURS = {Status.OK: "32", Status.WARN: "33", Status.FAIL: "31;1", Status.SKIP: "2"}


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None


class _Failed(Exception):
    """Raised inside a step: the step fails with this text and fix."""

    def __init__(self, detail: str, fix: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


class _Skipped(Exception):
    """Raised inside a step that could not check anything, without anything known to be wrong."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# What a check returns: a detail (passed), or (status, detail) / (status, detail, fix).
_Outcome = str | tuple[Status, str] | tuple[Status, str, str]


@dataclass
class _Probe:
    """The outcome of the unauthenticated serverInfo call: `info`, or the JiraError in `error`."""

    info: Any = None
    error: Any = None


@dataclass
class Doctor:
    """Runs the checks against one config and prints them to `out`."""

    config_arg: str | None
    profile: str | None
    out: TextIO
    client_kwargs: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    config: Config | None = None
    token: Secret | None = None
    target: tuple[str, int] | None = None  # where the TCP connection goes: Jira, or the proxy
    proxy: str | None = None
    proxy_var: str | None = None
    addresses: list[str] = field(default_factory=list)
    probe: _Probe | None = None
    client: Any = None
    failed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        ascii_only = not can_encode(self.out, "✓✗–→…·")
        self.marks = _ASCII_MARKS if ascii_only else _MARKS
        self.arrow = "->" if ascii_only else "→"
        self.colour = colour_enabled(self.out)

    # Output ----------------------------------------------------------------------------------------------

    def _mask(self, text: str) -> str:
        if self.token is not None:
            secret = self.token.reveal()
            if secret:
                text = text.replace(secret, "***")
        return sanitize_line(text) if "\n" not in text else "\n".join(sanitize_line(t) for t in text.split("\n"))

    def emit(self, check: Check, *, blocks: bool = True) -> None:
        self.checks.append(check)
        if blocks and check.status in (Status.FAIL, Status.SKIP):
            self.failed.add(check.name)
        mark = self.marks[check.status]
        if self.colour:
            mark = f"\x1b[{_COLOURS[check.status]}m{mark}\x1b[0m"
        lines = self._mask(check.detail).split("\n")
        text = f" {mark} {check.name:<12} {lines[0]}\n"
        text += "".join(f"   {'':<12} {line}\n" for line in lines[1:])
        if check.fix:
            for i, line in enumerate(self._mask(check.fix).split("\n")):
                text += f"   {'':<12} {self.arrow if i == 0 else ' '} {line}\n"
        write_text(self.out, text)

    async def step(
        self,
        name: str,
        needs: tuple[str, ...],
        body: Callable[[], Awaitable[_Outcome]],
        *,
        subject: str = "",
    ) -> None:
        """Run one check unless a check it needs failed; `subject` prefixes a skip message (which queue)."""
        blocked = [n for n in needs if n in self.failed]
        if blocked:
            self.emit(Check(name, Status.SKIP, f"{subject}skipped: needs {', '.join(blocked)}"))
            return
        try:
            result = await body()
        except _Failed as exc:
            self.emit(Check(name, Status.FAIL, exc.detail, exc.fix))
            return
        except _Skipped as exc:
            # Not checked, but nothing known to be wrong: later checks still run.
            self.emit(Check(name, Status.SKIP, exc.detail), blocks=False)
            return
        except ConfigError as exc:
            self.emit(Check(name, Status.FAIL, str(exc)))
            return
        except Exception as exc:
            # A doctor reports what broke instead of dying with a traceback.
            from oncall_tui.jira.errors import JiraError

            if isinstance(exc, JiraError):
                self.emit(Check(name, Status.FAIL, exc.message, exc.hint))
            else:
                self.emit(Check(name, Status.FAIL, f"unexpected {type(exc).__name__}: {exc}", "Please report this"))
            return
        if isinstance(result, str):
            result = (Status.OK, result)
        self.emit(Check(name, *result))

    # The checks ------------------------------------------------------------------------------------------

    async def run(self) -> int:
        path = find_config_path(self.config_arg)
        dot = "·" if self.marks is _MARKS else "-"
        write_text(self.out, f"oncall-tui doctor {dot} {path}\n")
        await self.step("Config", (), lambda: self.check_config(path))
        if self.config is not None:
            for warning in config_warnings(self.config):
                self.emit(Check("Config", Status.WARN, warning))
        await self.step("Token", ("Config",), self.check_token)
        await self.step("DNS", ("Config",), self.check_dns)
        await self.step("TCP", ("DNS",), self.check_tcp)
        await self.step("TLS", ("TCP",), self.check_tls)
        await self.step("Proxy", ("Config",), self.check_proxy)
        await self.step("Jira", ("TCP", "TLS"), self.check_jira)
        await self.step("Auth", ("Token", "Jira"), self.check_auth)
        await self.step("Permissions", ("Auth",), self.check_permissions)
        await self.step("JSM agent", ("Auth",), self.check_agent)
        await self.step("SLA fields", ("Auth",), self.check_sla_fields)
        if self.config is not None:
            for queue in self.config.queues:
                label = json.dumps(queue.name, ensure_ascii=False) + ": "
                await self.step("Queue", ("Auth",), lambda q=queue: self.check_queue(q.name, q.jql), subject=label)
        else:
            self.emit(Check("Queue", Status.SKIP, "skipped: needs Config"))
        await self.step("Clock", ("Jira",), self.check_clock)
        if self.client is not None:
            await self.client.aclose()
        return self.summary()

    def summary(self) -> int:
        failed = sum(c.status is Status.FAIL for c in self.checks)
        warned = sum(c.status is Status.WARN for c in self.checks)
        skipped = sum(c.status is Status.SKIP for c in self.checks)
        if failed:
            text = f"{failed} check{'s' if failed != 1 else ''} failed"
            if skipped:
                text += f", {skipped} skipped"
        else:
            text = "All checks passed"
        if warned:
            text += f" ({warned} warning{'s' if warned != 1 else ''})"
        write_text(self.out, text + ".\n")
        if "Config" in self.failed:
            return EXIT_CONFIG
        return EXIT_FAILURE if failed else EXIT_OK

    async def check_config(self, path: Path) -> str:
        return await asyncio.to_thread(self._load_config, path)

    def _load_config(self, path: Path) -> str:
        if not path.exists():
            raise _Failed(
                f"no config file at {path}",
                "Create one with `oncall-tui init`, or name one with --config PATH or $ONCALL_TUI_CONFIG",
            )
        self.config = load_config(path, self.profile)
        jira = self.config.jira
        parts = urlsplit(jira.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self.target = (parts.hostname or "", port)
        from oncall_tui.jira.transport import env_proxy_for

        # The same environment variables httpx reads (trust_env), resolved the same way.
        self.proxy = env_proxy_for(jira.url)
        if self.proxy:
            self.proxy_var = _proxy_var(parts.scheme)
            proxy_parts = urlsplit(self.proxy)
            self.target = (proxy_parts.hostname or "", proxy_parts.port or 8080)
        profile = f", profile {self.config.profile}" if self.config.profile else ""
        queues = len(self.config.queues)
        return f"{path}{profile}: {jira.url}, {queues} queue{'s' if queues != 1 else ''}"

    async def check_token(self) -> str:
        assert self.config is not None
        jira = self.config.jira
        self.token = Secret(await asyncio.to_thread(resolve_token, jira))
        return f"found, {_token_origin(jira)}"

    async def check_dns(self) -> str:
        assert self.target is not None
        host, port = self.target
        what = f"proxy {host}" if self.proxy else host
        if _is_ip(host):
            self.addresses = [host]
            return f"{what} is an IP address (no lookup needed)"
        try:
            infos = await asyncio.wait_for(
                asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM), NETWORK_TIMEOUT
            )
        except TimeoutError:
            raise _Failed(
                f"looking up {what} took more than {NETWORK_TIMEOUT:g} s", "Check the DNS servers and the VPN"
            ) from None
        except (socket.gaierror, UnicodeError) as exc:
            fix = (
                "Check the proxy host in " + (self.proxy_var or "HTTPS_PROXY")
                if self.proxy
                else f"Check `url` in the [jira] section of {self._file()}; internal names often need the VPN"
            )
            raise _Failed(f"cannot resolve {what}: {getattr(exc, 'strerror', None) or exc}", fix) from None
        self.addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        shown = ", ".join(self.addresses[:3]) + (" …" if len(self.addresses) > 3 else "")
        return f"{what} → {shown}" if self.marks is _MARKS else f"{what} -> {shown}"

    async def check_tcp(self) -> str:
        assert self.target is not None
        host, port = self.target
        errors: list[str] = []
        for address in self.addresses[:4]:
            started = time.monotonic()
            try:
                sock = await asyncio.to_thread(socket.create_connection, (address, port), self._timeout())
            except TimeoutError:
                errors.append(f"{address}: no answer within {self._timeout():g} s")
                continue
            except OSError as exc:
                errors.append(f"{address}: {exc.strerror or exc}" if address != host else str(exc.strerror or exc))
                continue
            sock.close()
            ms = (time.monotonic() - started) * 1000
            return f"connected to {'proxy ' if self.proxy else ''}{host}:{port} ({address}) in {ms:.0f} ms"
        if self.proxy:
            fix = f"Is the proxy {host}:{port} from {self.proxy_var or 'HTTPS_PROXY'} right and running?"
        else:
            fix = (
                f"Is Jira up, and is the port in `url` ({self._file()}) right? A firewall may block it; "
                "on a corporate network you may need the VPN or HTTPS_PROXY"
            )
        raise _Failed(f"cannot connect to {host}:{port}: {'; '.join(errors) or 'no address'}", fix)

    async def check_tls(self) -> _Outcome:
        assert self.config is not None
        jira = self.config.jira
        parts = urlsplit(jira.url)
        if parts.scheme != "https":
            return "not used: plain http:// (allowed for loopback addresses only)"
        if self.proxy:
            # Through a proxy the handshake happens inside its tunnel: let the first real request tell.
            probe = await self._probe()
            from oncall_tui.jira.errors import AuthError, PermissionDenied, TlsError

            if isinstance(probe.error, TlsError):
                raise _Failed(probe.error.message, _tls_fix(jira, self._file()))
            if probe.error is not None and not isinstance(probe.error, AuthError | PermissionDenied):
                raise _Skipped("not checked: no answer through the proxy (see Jira below)")
            return "certificate accepted (checked through the proxy)"
        from oncall_tui.jira.errors import JiraError
        from oncall_tui.jira.transport import build_ssl_context

        try:
            context = build_ssl_context(
                jira.ca_bundle, verify=jira.verify_tls, client_cert=jira.client_cert, client_key=jira.client_key
            )
        except JiraError as exc:
            raise _Failed(exc.message + (f" ({exc.detail})" if exc.detail else ""), exc.hint) from None
        host = parts.hostname or ""
        port = parts.port or 443
        address = self.addresses[0] if self.addresses else host
        try:
            version, cert = await asyncio.to_thread(_handshake, context, address, port, host, self._timeout())
        except ssl.SSLCertVerificationError as exc:
            reason = exc.verify_message or exc.reason or "verification failed"
            raise _Failed(f"Jira's certificate is not trusted: {reason}", _tls_fix(jira, self._file())) from None
        except (ssl.SSLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
            raise _Failed(
                f"TLS handshake with {host}:{port} failed: {reason}",
                "Is it really https on that port? A TLS-inspecting proxy may also break it: see Proxy",
            ) from None
        if not jira.verify_tls:
            return Status.WARN, f"{version}; certificate NOT verified (verify_tls = false)"
        subject = _name_of(cert.get("subject"))
        issuer = _name_of(cert.get("issuer"))
        detail = f"{version}, certificate for {subject or host} issued by {issuer or 'unknown'}"
        not_after = cert.get("notAfter")
        if isinstance(not_after, str):
            expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)
            left = expires - datetime.now(UTC)
            if left < CERT_EXPIRY_WARNING:
                return Status.WARN, f"{detail}; it expires in {max(0, left.days)} days ({expires:%Y-%m-%d})"
        return detail

    async def check_proxy(self) -> str:
        assert self.config is not None
        url = self.config.jira.url
        if self.proxy:
            from oncall_tui.jira.transport import display_url

            return f"{self.proxy_var or 'a proxy variable'} = {display_url(self.proxy)} applies to {url}"
        names = [n for n in _PROXY_VARS if os.environ.get(n) or os.environ.get(n.lower())]
        if names:
            return f"none applies to {url} ({', '.join(names)} set, but NO_PROXY excludes it)"
        return f"none (no HTTPS_PROXY / HTTP_PROXY / ALL_PROXY set): direct connection to {url}"

    async def check_jira(self) -> _Outcome:
        assert self.config is not None
        from oncall_tui.jira.errors import AuthError, PermissionDenied
        from oncall_tui.jira.parse import Deployment

        probe = await self._probe()
        if isinstance(probe.error, AuthError | PermissionDenied):
            # Some sites lock even serverInfo away from anonymous callers: Jira is there, Auth will tell more.
            return f"Jira answers at {self.config.jira.url} (it wants a login even for serverInfo)"
        if probe.error is not None:
            raise probe.error
        info = probe.info

        kind = {
            Deployment.CLOUD: "Jira Cloud",
            Deployment.DATACENTER: "Jira Data Center",
            Deployment.SERVER: "Jira Server/Data Center",
        }.get(info.deployment, "Jira")
        title = f" ({json.dumps(sanitize_line(info.title), ensure_ascii=False)})" if info.title else ""
        detail = f"{kind} {sanitize_line(info.version or '')}{title} answers".replace("  ", " ")
        configured = self.config.jira.deployment
        detected = "cloud" if info.deployment is Deployment.CLOUD else None
        if info.deployment in (Deployment.SERVER, Deployment.DATACENTER):
            detected = "datacenter"
        if configured != "auto" and detected is not None and configured != detected:
            return Status.WARN, (
                f"{detail}, but the config says deployment = {json.dumps(configured)}; "
                f"set deployment = {json.dumps(detected)} in {self._file()}"
            )
        return detail

    async def check_auth(self) -> str:
        from oncall_tui.jira.errors import AUTH_MODE_LABELS

        client = self._client()
        me = await client.myself()
        who = sanitize_line(me.display_name)
        if me.email:
            who += f" <{sanitize_line(me.email)}>"
        elif me.username:
            who += f" ({sanitize_line(me.username)})"
        assert self.config is not None
        mode = AUTH_MODE_LABELS.get(client.auth_mode, client.auth_mode)
        return f"logged in as {who}; {mode}, token {_token_origin(self.config.jira)}"

    async def check_permissions(self) -> str:
        have = await self._client().my_permissions(list(PERMISSIONS))
        missing = [PERMISSIONS[k] for k, ok in have.items() if not ok]
        if missing:
            raise _Failed(
                f"missing: {', '.join(missing)} (have: {', '.join(PERMISSIONS[k] for k, ok in have.items() if ok)})",
                "Ask a Jira admin for these project permissions (the 'Service Desk Agent' / 'Developers' role "
                "usually has them); meanwhile `oncall-tui --readonly` works with browse alone",
            )
        return ", ".join(PERMISSIONS.values())

    async def check_agent(self) -> _Outcome:
        from oncall_tui.jira.errors import JiraError, NotFound, PermissionDenied

        client = self._client()
        assert self.config is not None
        key = None
        for queue in self.config.queues:
            try:
                found = await client.search(queue.jql, fields=["summary"], page_size=1, limit=1)
            except JiraError:
                continue
            if found:
                key = found[0].key
                break
        if key is None:
            return Status.WARN, "not checked: no queue has an issue to try with"
        try:
            await client.sla(key)
        except PermissionDenied:
            raise _Failed(
                f"JSM refuses the SLAs of {key}: you are not an agent of its service project",
                "Ask a Jira admin to add you to the service project's agents (role 'Service Desk Team')",
            ) from None
        except NotFound:
            return Status.WARN, f"{key} is not a JSM request (no service project?): SLA countdowns need JSM"
        return f"SLAs of {key} readable through servicedeskapi"

    async def check_sla_fields(self) -> _Outcome:
        fields = await self._client().sla_fields()
        if not fields:
            return Status.WARN, (
                "no SLA fields (schema sd-sla-field) on this site: not JSM, or no SLAs set up; the SLA column "
                "will stay empty"
            )
        return ", ".join(f"{sanitize_line(name)} ({fid})" for fid, name in fields.items())

    async def check_queue(self, name: str, jql: str) -> str:
        from oncall_tui.jira.errors import BadRequest, InvalidJql

        client = self._client()
        label = json.dumps(name, ensure_ascii=False)
        try:
            count = await client.approximate_count(jql)
            return f"{label}: JQL valid, about {count} issue{'s' if count != 1 else ''}"
        except (InvalidJql, BadRequest) as first:
            # Approximate count wants bounded JQL; a one-result search is the final word on validity.
            try:
                found = await client.search(jql, fields=["summary"], page_size=1, limit=1)
            except InvalidJql as exc:
                raise _Failed(
                    f"{label}: {exc.message}",
                    f"Fix the queue's jql in {self._file()}; try the query in Jira's issue search first",
                ) from None
            del first
            return f"{label}: JQL valid ({'has issues' if found else 'no issues now'})"

    async def check_clock(self) -> _Outcome:
        # A fresh measurement: the first probe may have included a slow TLS handshake.
        from oncall_tui.jira.errors import AuthError, PermissionDenied

        probe = await self._probe(fresh=True)
        if isinstance(probe.error, AuthError | PermissionDenied):
            raise _Skipped("not checked: Jira does not tell its time without a login")
        if probe.error is not None:
            raise probe.error
        server_time, skew = probe.info
        if server_time is None:
            raise _Skipped("not checked: Jira did not send serverTime")
        seconds = skew.total_seconds()
        ahead = "ahead of" if seconds > 0 else "behind"
        text = f"this machine's clock is {_span(abs(seconds))} {ahead} Jira's"
        if abs(skew) > MAX_CLOCK_SKEW:
            return (
                Status.WARN,
                f"{text}: local SLA countdowns would be off by that much",
                "Sync the clock (e.g. `timedatectl set-ntp true`, or ask IT about NTP)",
            )
        return f"{text} (fine)"

    # Helpers ---------------------------------------------------------------------------------------------

    def _file(self) -> str:
        return str(self.config.path) if self.config is not None and self.config.path else "the config"

    def _timeout(self) -> float:
        configured = self.config.jira.timeout_seconds if self.config is not None else NETWORK_TIMEOUT
        return min(float(configured), NETWORK_TIMEOUT)

    def _new_client(self, jira: JiraConfig, token: Secret) -> Any:
        from oncall_tui.jira.client import JiraClient
        from oncall_tui.jira.transport import RetryPolicy

        # One attempt per call: the doctor reports a failure now rather than retrying it away.
        kwargs: dict[str, Any] = {"retry": RetryPolicy(attempts=1, deadline=NETWORK_TIMEOUT)}
        kwargs.update(self.client_kwargs)
        return JiraClient(jira, token, **kwargs)

    def _client(self) -> Any:
        if self.client is None:
            assert self.config is not None and self.token is not None
            self.client = self._new_client(self.config.jira, self.token)
        return self.client

    async def _probe(self, *, fresh: bool = False) -> _Probe:
        """serverInfo without credentials (deployment "auto" makes the client send none): what the
        network path answers before any token is involved. Also measures the clock skew."""
        if self.probe is not None and not fresh:
            return self.probe
        from oncall_tui.jira.errors import JiraError

        assert self.config is not None
        jira = dataclasses.replace(self.config.jira, deployment="auto")
        probe = _Probe()
        try:
            client = self._new_client(jira, Secret(""))
            async with client:
                before = datetime.now(UTC)
                info = await client.server_info()
                after = datetime.now(UTC)
        except JiraError as exc:
            probe.error = exc
        else:
            if fresh:
                server_time = info.server_time
                skew = None
                if server_time is not None and server_time.tzinfo is not None:
                    skew = (before + (after - before) / 2) - server_time
                probe.info = (server_time, skew)
            else:
                probe.info = info
        if not fresh:
            self.probe = probe
        return probe


_PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def _proxy_var(scheme: str) -> str | None:
    for name in (f"{scheme}_proxy", "all_proxy"):
        for spelled in (name, name.upper()):
            if os.environ.get(spelled):
                return spelled
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _handshake(
    context: ssl.SSLContext, address: str, port: int, host: str, timeout: float
) -> tuple[str, dict[str, Any]]:
    with (
        socket.create_connection((address, port), timeout) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        cert = tls.getpeercert() or {}
        return tls.version() or "TLS", dict(cert)


def _name_of(rdns: Any) -> str:
    """The most telling part of a certificate name: CN, else O."""
    if not isinstance(rdns, tuple | list):
        return ""
    values: dict[str, str] = {}
    for rdn in rdns:
        for pair in rdn:
            if isinstance(pair, tuple | list) and len(pair) == 2:
                values.setdefault(str(pair[0]), str(pair[1]))
    return sanitize_line(values.get("commonName") or values.get("organizationName") or "")


def _tls_fix(jira: JiraConfig, file: str) -> str:
    if str(jira.ca_bundle) == "system":
        return (
            "If your company inspects TLS with its own CA, put it in the [jira] section of "
            f'{file}: ca_bundle = "/path/to/company-ca.pem" (a PEM file; IT can provide it); or install the CA '
            'in the OS trust store, which ca_bundle = "system" (the default) uses'
        )
    return (
        f"The CA bundle {jira.ca_bundle} does not vouch for this certificate: fix ca_bundle in {file} "
        '(a PEM file with your company CA), or set ca_bundle = "system" to use the OS trust store'
    )


def _token_origin(jira: JiraConfig) -> str:
    source = jira.token_source
    if source == "inline":
        return f"inline in the config ({jira.token_key})"
    if source == "cmd":
        program = shlex.split(jira.token_cmd or "")[:1]
        # Only the program: arguments might carry something private.
        return f"from the command {program[0] if program else '?'} (jira.token_cmd)"
    if source == "file":
        return f"from the file {jira.token_file}"
    return f"from the environment variable {jira.token_env or 'JIRA_API_TOKEN'}"


def run_doctor(args: argparse.Namespace, **client_kwargs: Any) -> int:
    doctor = Doctor(args.config, args.profile, sys.stdout, client_kwargs=client_kwargs)
    return asyncio.run(doctor.run())
