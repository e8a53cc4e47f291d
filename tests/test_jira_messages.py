"""Every message the Jira layer can produce has German, with the same placeholders, and parameters that are
language-neutral (item 12, the jira half).

Two ways round, so a new message cannot slip past: the source of `oncall_tui.jira` is scanned for message
ids (every `msgid("...")`, and no error is built from a bare or formatted string), and every error the
layer can produce is produced (every error class, `error_from_response` over a matrix of answers,
`error_from_transport` over the transport failures, and the client's own raises over real HTTP). The
produced ids must be exactly the scanned ones, and each must be in the catalog.
"""

from __future__ import annotations

import ast
import json
import socket
import ssl
import string
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from oncall_tui.config_schema import JiraConfig
from oncall_tui.domain.people import Person
from oncall_tui.i18n import MESSAGES, translator
from oncall_tui.i18n.catalog_errors import ERROR_MESSAGES
from oncall_tui.jira import errors as E
from oncall_tui.jira import parse as P
from oncall_tui.jira.classify import error_from_response, error_from_transport
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.paging import SearchResult
from oncall_tui.jira.transport import RetryPolicy, build_ssl_context
from oncall_tui.sim.server import SimServer, build_site
from tests.conftest import FROZEN_START, TEST_TOKEN, start_sim
from tests.hostile_server import Answer, hostile_server
from tests.test_jira_client import FakeTime, jira_config, sim_post
from tests.test_jira_client import _no_proxy_env as _no_proxy_env  # autouse here too
from tests.test_jira_client_errors import closed_port

# The package as imported, so the scan reads the very code that produces the errors.
JIRA = Path(E.__file__).resolve().parent
DE = translator("de")
NOW = FROZEN_START

# What a parameter may be: numbers as numbers (the UI formats them), and only these texts, which are Jira's
# own words, URLs, paths or names, never English fragments.
TEXT_PARAMS = {
    "detail",
    "url",
    "http_url",
    "title",
    "location",
    "proxy",
    "path",
    "cert",
    "key",
    "encoding",
    "name",
    "names",
    "team",
}
NUMBER_PARAMS = {"seconds", "status", "megabytes", "issues", "pages", "skipped"}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# ---- the source ---------------------------------------------------------------------------------------------


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(JIRA.glob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def scanned_ids() -> set[str]:
    found: set[str] = set()
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "msgid":
                (arg,) = node.args
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), f"{path.name}:{node.lineno}"
                found.add(arg.value)
    return found


def error_classes() -> list[type[E.JiraError]]:
    classes: list[type[E.JiraError]] = []
    pending: list[type[E.JiraError]] = [E.JiraError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("oncall_tui.jira"):
            classes.append(cls)
        pending.extend(cls.__subclasses__())
    return classes


def _is_text(node: ast.AST | None) -> bool:
    """A message built from a plain or formatted string instead of a marked id."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.JoinedStr | ast.BinOp)


def test_every_error_in_the_jira_layer_is_built_from_a_marked_message_id() -> None:
    names = {cls.__name__ for cls in error_classes()}
    offenders: list[str] = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in names:
                for item in node.body:
                    defaults = isinstance(item, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id in ("default_message", "default_hint") for t in item.targets
                    )
                    if defaults and _is_text(item.value):  # type: ignore[union-attr]
                        offenders.append(f"{path.name}:{item.lineno} {node.name} default text without msgid")
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
                continue
            texts = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("message", "hint"))]
            offenders += [
                f"{path.name}:{node.lineno} {node.func.id}(...) text without msgid" for t in texts if _is_text(t)
            ]
            for keyword in node.keywords:
                if keyword.arg in ("params", "hint_params") and isinstance(keyword.value, ast.Dict):
                    offenders += [
                        f"{path.name}:{node.lineno} {node.func.id}(...) formats text into a parameter"
                        for value in keyword.value.values
                        if isinstance(value, ast.JoinedStr)
                    ]
    assert offenders == []


def test_every_message_id_of_the_jira_layer_has_german_with_the_same_placeholders() -> None:
    ids = scanned_ids()
    assert len(ids) > 80
    missing = sorted(i for i in ids if not MESSAGES.get(i, {}).get("de", "").strip())
    assert missing == []
    differing = sorted(i for i in ids if placeholders(MESSAGES[i]["de"]) != placeholders(i))
    assert differing == []
    # The error catalog holds the jira layer's ids and nothing else, so it cannot rot.
    assert set(ERROR_MESSAGES) == ids


# ---- everything the layer produces --------------------------------------------------------------------------


def from_classes() -> list[E.JiraError]:
    made: list[E.JiraError] = []
    for cls in error_classes():
        made.append(cls())
        if cls is E.AuthError:
            made += [E.AuthError(auth_mode="bearer"), E.AuthError(auth_mode="other")]
        if issubclass(cls, E.RateLimited | E.ServiceUnavailable):
            made.append(cls(retry_after=2.5))
        if cls is E.ServerError:
            made.append(E.ServerError(status=502))
        if cls is E.DeadlineExceeded:
            made.append(E.DeadlineExceeded(seconds=20))
    return made


HEADERS: list[dict[str, str]] = [
    {},
    {"Content-Type": "application/json"},
    {"Content-Type": "text/html"},
    {"Content-Type": "text/plain"},
    {"Retry-After": "7"},
    {"Retry-After": "soon"},
    {"X-RateLimit-Reset": "2026-03-02T08:31Z"},
    {"RateLimit-Reason": "jira-burst-based", "Retry-After": "3"},
    {"Location": "https://sso.example/login?ticket=abc"},
    {"Location": "http://[::1"},
    {"X-Authentication-Denied-Reason": "CAPTCHA_CHALLENGE"},
    {"X-Seraph-LoginReason": "AUTHENTICATION_DENIED"},
]
BODIES: list[bytes] = [
    b"",
    json.dumps({"errorMessages": ["Field 'x' does not exist."], "errors": {}}).encode(),
    json.dumps({"errorMessages": [], "errors": {"resolution": "Resolution is required."}}).encode(),
    json.dumps({"errorMessage": "The JQL query is not valid."}).encode(),
    b"<!DOCTYPE html><html><head><title>Sign in</title></head></html>",
    b"<html><body>no title</body></html>",
    b"plain words from a proxy",
    b"\x00\xff garbage",
]
STATUSES = [200, 204, 301, 302, 307, 400, 401, 403, 404, 405, 407, 409, 410, 413, 418, 429, 500, 502, 503, 504, 599]


def from_responses() -> list[E.JiraError]:
    made = []
    for status in STATUSES:
        for headers in HEADERS:
            for body in BODIES:
                for auth_mode in ("basic", "bearer"):
                    for is_search in (False, True):
                        made.append(
                            error_from_response(
                                status, headers, body, auth_mode=auth_mode, is_search=is_search, now=NOW
                            )
                        )
    return made


def _caused(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause
    return outer


TRANSPORT_FAILURES: list[BaseException] = [
    httpx.ConnectError("[Errno 111] Connection refused"),
    ConnectionRefusedError(111, "Connection refused"),
    _caused(httpx.ConnectError("[Errno -2] Name or service not known"), socket.gaierror(-2, "Name or service")),
    _caused(httpx.ConnectError("tls"), ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed")),
    _caused(httpx.ConnectError("tls"), ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")),
    _caused(httpx.ConnectError("tls"), ssl.SSLError(1, "[SSL: RECORD_LAYER_FAILURE] record layer failure")),
    _caused(httpx.ConnectError("tls"), ssl.SSLError(1, "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] handshake failure")),
    httpx.ConnectTimeout("timed out"),
    httpx.ReadTimeout("timed out"),
    httpx.WriteTimeout("timed out"),
    httpx.PoolTimeout("no connection available"),
    TimeoutError(),
    httpx.ProxyError("407 Proxy Authentication Required"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
    httpx.ReadError("[Errno 104] Connection reset by peer"),
    httpx.WriteError("[Errno 32] Broken pipe"),
    ConnectionResetError(104, "Connection reset by peer"),
    OSError(113, "No route to host"),
]


def from_transport_failures() -> list[E.JiraError]:
    made = []
    for exc in TRANSPORT_FAILURES:
        made.append(error_from_transport(exc))
        made.append(
            error_from_transport(
                exc, url="https://u:pw@jira.example/x?t=1", timeout=20, connect_timeout=10, pool_timeout=5
            )
        )
    return made


PARSER_GARBAGE: list[tuple[Callable[[Any], Any], Any]] = [
    (P.parse_users, 5),
    (P.parse_myself, {}),
    (P.parse_paged_values, {}),
    (P.parse_comment, 1),
    (P.parse_comments, 1),
    (lambda o: P.parse_issue(o, sla_field_ids=(), base_url="https://j", fetched_at=NOW), 1),
    (lambda o: P.parse_issue(o, sla_field_ids=(), base_url="https://j", fetched_at=NOW), {"fields": {}}),
    (lambda o: P.parse_issue(o, sla_field_ids=(), base_url="https://j", fetched_at=NOW), {"key": "X" * 2000}),
    (P.parse_search_page, 1),
    (P.parse_search_page, {}),
    (P.parse_dc_search_page, 1),
    (P.parse_bulk_fetch, 1),
    (P.parse_bulk_fetch, {}),
    (P.parse_approximate_count, {}),
    (P.parse_transitions, 1),
    (P.parse_fields, 1),
    (P.parse_server_info, 1),
]


def from_ops() -> list[E.JiraError]:
    """The JSM Ops errors (their behaviour against the simulator is in test_jira_ops.py)."""
    from oncall_tui.jira import ops
    from oncall_tui.jira.parse_ops import parse_cloud_id

    made: list[E.JiraError] = [
        ops.OpsNotAvailable(),
        ops.OpsNotEnabled(),
        ops.OpsPermissionDenied(),
        ops.ScheduleNotFound(),
        ops.TeamNotFound(),
        ops.ScheduleNotFound(ops._NO_SCHEDULE, params={"name": "'Nope'", "names": "A, B"}),
        ops.TeamNotFound(ops._NO_TEAM, params={"team": "t-1"}),
        ops.AlertRefused(),
        ops._refused("priority must be one of P1, P2, P3, P4, P5", 422),
    ]
    with pytest.raises(E.BadResponse) as caught:
        parse_cloud_id([])
    made.append(caught.value)
    return made


def from_parsers() -> list[E.JiraError]:
    made = []
    for parser, garbage in PARSER_GARBAGE:
        with pytest.raises(E.BadResponse) as caught:
            parser(garbage)
        made.append(caught.value)
    return made


async def _caught(call: Awaitable[Any]) -> E.JiraError:
    try:
        result = await call
    except E.JiraError as error:
        return error
    pytest.fail(f"{getattr(call, '__qualname__', call)} did not raise, it returned {result!r}")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


def _canned(method: str, path: str) -> Answer:
    """Answers no Jira gives: the right status, the wrong shape (and some wrong encodings)."""
    if path.startswith("/rest/api/3/field"):
        return _json([])
    if "/priority" in path or "/user/assignable" in path or "/transitions" in path:
        return _json(5)
    if path.startswith("/rest/api/3/issue/OPS-1/comment"):
        return _json([1] if method == "POST" else 5)
    if path.startswith("/rest/api/3/issue/") or "/project/" in path or "/mypermissions" in path:
        return _json({})
    if "/search/approximate-count" in path or "/servicedeskapi/" in path or path.split("?")[0] == "/rest/api/3/user":
        return _json({})
    if "/search/jql" in path:
        return _json([])
    if path.startswith("/rest/api/3/myself"):
        return 200, {"Content-Type": "application/json", "Content-Encoding": "br"}, b"\x1b\x00\x00"
    if path.startswith("/rest/api/3/serverInfo"):
        return 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00broken"
    if path.startswith("/rest/api/2/serverInfo"):
        return 200, {"Content-Type": "text/plain"}, b"not json"
    return _json({}, 404)


async def from_a_hostile_server() -> list[E.JiraError]:
    made = []
    with hostile_server(_canned) as url:
        config = JiraConfig(url=url, deployment="cloud", email="anna@example.com")
        async with JiraClient(config, TEST_TOKEN, retry=RetryPolicy(attempts=1)) as jira:
            dc_user = Person(display_name="DC User", username="dcuser")
            for call in (
                jira.priorities(),
                jira.assignable_users("OPS-1"),
                jira.transitions("OPS-1"),
                jira.comments("OPS-1"),
                jira.add_comment("OPS-1", "hello"),
                jira.get_issue("OPS-2"),
                jira.project("OPS"),
                jira.my_permissions(["BROWSE_PROJECTS"]),
                jira.get_property("OPS-2", "p"),
                jira.approximate_count("project = OPS"),
                jira.sla("OPS-1"),
                jira.search("project = OPS"),
                jira.myself(),
                jira.add_comment("OPS-1", " \x1b "),
                jira.get_issue(""),
                jira.assign("OPS-1", dc_user),
                jira.user(account_id="5b10"),
            ):
                made.append(await _caught(call))
            made.append(await _caught(jira._http.request("GET", "/rest/api/3/serverInfo")))
            made.append(await _caught(jira._http.request("GET", "/rest/api/2/serverInfo")))
        dc = JiraConfig(url=url, deployment="datacenter")
        async with JiraClient(dc, TEST_TOKEN, retry=RetryPolicy(attempts=1)) as jira:
            made.append(await _caught(jira.assign("OPS-1", Person(display_name="Cloud User", account_id="5b10"))))
    with pytest.raises(E.AuthError) as no_email:
        JiraClient(JiraConfig(url="https://jira.example", deployment="cloud"), TEST_TOKEN)
    made.append(no_email.value)
    async with JiraClient(JiraConfig(url="ftp://jira.example", deployment="cloud", email="a@b.c"), TEST_TOKEN) as jira:
        made.append(await _caught(jira.myself()))
    return made


async def from_the_simulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[E.JiraError]:
    made: list[E.JiraError] = []
    sim = start_sim()
    try:
        key = next(i.key for i in sim.state.issues.values() if i.project_key == "OPS")
        open_jql = "project = OPS AND statusCategory != Done ORDER BY key ASC"
        time = FakeTime()
        # Empty pages, a token that comes back, too many issues, too many pages.
        for spec, jql in (
            ("endless-pages=empty", open_jql),
            ("endless-pages=loop", open_jql),
            ("endless-pages=same", open_jql),
            ("endless-pages=same", f"key = {key}"),
        ):
            sim_post(sim, "faults", {"spec": spec})
            async with JiraClient(
                jira_config(sim), TEST_TOKEN, sleep=time.sleep, clock=time.clock, max_search_issues=100
            ) as jira:
                made.append(await _caught(jira.search(jql, page_size=100)))
        sim_post(sim, "faults", {"spec": "trickle=50,paths=/rest/api/3/myself"})
        async with JiraClient(jira_config(sim, timeout_seconds=0.2), TEST_TOKEN) as jira:
            made.append(await _caught(jira.myself()))
        for spec in ("bomb=40", "echo-auth=redirect", "html=1", "rate=1,retry-after=1", "drop=1"):
            sim_post(sim, "faults", {"spec": spec})
            async with JiraClient(
                jira_config(sim), TEST_TOKEN, sleep=time.sleep, clock=time.clock, retry=RetryPolicy(attempts=1)
            ) as jira:
                made.append(await _caught(jira.myself()))
        sim_post(sim, "faults", {"spec": ""})
        https = sim.url.replace("http://", "https://")
        async with JiraClient(jira_config(sim, url=https), TEST_TOKEN, sleep=time.sleep, clock=time.clock) as jira:
            made.append(await _caught(jira.myself()))
        # A dead proxy from the environment.
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
        async with JiraClient(
            jira_config(sim), TEST_TOKEN, sleep=time.sleep, clock=time.clock, retry=RetryPolicy(attempts=1)
        ) as jira:
            made.append(await _caught(jira.myself()))
        monkeypatch.delenv("HTTP_PROXY")
    finally:
        sim.stop()
    made += await _tls_failures(tmp_path)
    return made


async def _tls_failures(tmp_path: Path) -> list[E.JiraError]:
    made: list[E.JiraError] = []
    ca, other = trustme.CA(), trustme.CA()
    server_pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    other_pem = tmp_path / "other-ca.pem"
    other.cert_pem.write_to_path(str(other_pem))
    state = build_site(flavour="cloud", speed=0.0, start=FROZEN_START, token=TEST_TOKEN)
    server = SimServer(state, ssl_certfile=str(server_pem)).start()
    try:
        time = FakeTime()
        for bundle in ("system", other_pem):
            config = jira_config(server, ca_bundle=bundle)
            async with JiraClient(config, TEST_TOKEN, sleep=time.sleep, clock=time.clock) as jira:
                made.append(await _caught(jira.myself()))
    finally:
        server.stop()
    missing = tmp_path / "missing.pem"
    for kwargs in ({"ca_bundle": missing}, {"ca_bundle": None, "client_cert": missing}):
        with pytest.raises(E.TlsError) as caught:
            build_ssl_context(**kwargs)  # type: ignore[arg-type]
        made.append(caught.value)
    with pytest.raises(E.TlsError) as with_key:
        build_ssl_context(None, client_cert=missing, client_key=missing)
    made.append(with_key.value)
    return made


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> list[E.JiraError]:
    monkeypatch = pytest.MonkeyPatch()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    import asyncio

    async def client_errors() -> list[E.JiraError]:
        return [*await from_a_hostile_server(), *await from_the_simulator(tmp_path_factory.mktemp("tls"), monkeypatch)]

    try:
        made = [*from_classes(), *from_responses(), *from_transport_failures(), *from_parsers(), *from_ops()]
        made += asyncio.run(client_errors())
    finally:
        monkeypatch.undo()
    return made


def produced_ids(errors: list[E.JiraError]) -> set[str]:
    ids = {e.message_id for e in errors} | {e.hint_id for e in errors if e.hint_id is not None}
    return ids | {SearchResult.SKIPPED_MESSAGE}


def test_every_produced_message_is_a_scanned_id_and_every_scanned_id_is_produced(produced: list[E.JiraError]) -> None:
    ids, scanned = produced_ids(produced), scanned_ids()
    assert sorted(ids - scanned) == [], "produced but not marked with msgid (so never checked for German)"
    assert sorted(scanned - ids) == [], "marked but never produced here: add the case that produces it"


def render(template: str, params: dict[str, object]) -> str:
    return template.format(**params) if params else template


def test_message_and_hint_are_the_english_rendering_and_german_has_what_it_needs(
    produced: list[E.JiraError],
) -> None:
    for error in produced:
        assert placeholders(error.message_id) <= set(error.message_params), error.message_id
        assert error.message == render(error.message_id, error.message_params) == str(error)
        assert DE(error.message_id, **error.message_params) == render(
            MESSAGES[error.message_id]["de"], error.message_params
        )
        if error.hint_id is not None:
            assert placeholders(error.hint_id) <= set(error.hint_params), error.hint_id
            assert error.hint == render(error.hint_id, error.hint_params)
            assert DE(error.hint_id, **error.hint_params) == render(MESSAGES[error.hint_id]["de"], error.hint_params)


def test_parameters_are_language_neutral(produced: list[E.JiraError]) -> None:
    for error in produced:
        for name, value in {**error.message_params, **error.hint_params}.items():
            if name in NUMBER_PARAMS:
                assert type(value) is int, (error.message_id, name, value)
            else:
                assert name in TEXT_PARAMS and isinstance(value, str), (error.message_id, name, value)


def test_a_german_error_reads_german(produced: list[E.JiraError]) -> None:
    html = next(
        e
        for e in produced
        if isinstance(e, E.HtmlInsteadOfJson) and e.message_id == E.HtmlInsteadOfJson.default_message
    )
    assert DE(html.message_id, **html.message_params) == (
        "Statt Jira hat eine HTML-Seite geantwortet — vermutlich eine SSO- oder Proxy-Anmeldeseite."
    )
    limited = E.RateLimited(retry_after=42)
    assert DE(limited.message_id, **limited.message_params) == (
        "Jira drosselt die Anfragen (Rate-Limit) und bittet, 42 s zu warten."
    )
