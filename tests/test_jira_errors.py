from __future__ import annotations

import json
import socket
import ssl
from datetime import UTC, datetime

import httpx
import pytest

from oncall_tui.jira.errors import (
    MAX_RETRY_AFTER,
    ApiGone,
    AuthError,
    BadRequest,
    BadResponse,
    DeadlineExceeded,
    DnsError,
    HtmlInsteadOfJson,
    InvalidJql,
    JiraError,
    NetworkError,
    NotFound,
    PermissionDenied,
    ProxyError,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TlsError,
    error_from_response,
    error_from_transport,
    parse_retry_after,
)

JSON = {"Content-Type": "application/json;charset=UTF-8"}
NOW = datetime(2025, 10, 15, 10, 0, tzinfo=UTC)


def body(obj: object) -> bytes:
    return json.dumps(obj).encode()


def test_401_basic_names_the_auth_mode_and_never_the_token() -> None:
    token = "ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz"
    echoed = body({"message": f"Authorization: Basic {token} is invalid"})
    err = error_from_response(401, JSON, echoed, auth_mode="basic")
    assert isinstance(err, AuthError)
    assert "basic (e-mail + API token)" in err.message
    assert "API token" in (err.hint or "")
    everything = f"{err.message} {err.hint} {err.detail} {err.full_text} {err!r}"
    assert token not in everything


def test_redaction_keeps_ordinary_words() -> None:
    err = error_from_response(
        401,
        JSON,
        body({"message": "Basic authentication failed; token=abc123secret, Bearer NjQ2ODk1MzE0OTk2Ojz"}),
        auth_mode="basic",
    )
    assert "Basic authentication failed" in (err.detail or "")
    assert "abc123secret" not in (err.detail or "") and "NjQ2ODk1MzE0OTk2Ojz" not in (err.detail or "")


def test_401_bearer_names_the_pat() -> None:
    err = error_from_response(401, JSON, b"", auth_mode="bearer")
    assert isinstance(err, AuthError)
    assert "bearer (personal access token)" in err.message
    assert err.auth_mode == "bearer"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Authentication-Denied-Reason": "CAPTCHA_CHALLENGE; login-url=https://jira/login.jsp"},
        {"x-seraph-loginreason": "AUTHENTICATION_DENIED"},
    ],
)
def test_403_captcha_is_an_auth_problem_with_a_browser_hint(headers: dict[str, str]) -> None:
    err = error_from_response(403, headers, b"", auth_mode="basic")
    assert isinstance(err, AuthError)
    assert "browser" in (err.hint or "")


def test_403_is_permission_denied_with_jiras_words() -> None:
    err = error_from_response(
        403, JSON, body({"errorMessages": ["You do not have permission to assign issues."]}), auth_mode="basic"
    )
    assert isinstance(err, PermissionDenied)
    assert "You do not have permission to assign issues." in err.message
    assert err.status == 403


def test_404_json_and_html() -> None:
    missing = body({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}})
    err = error_from_response(404, JSON, missing, auth_mode="basic")
    assert isinstance(err, NotFound)
    assert "Issue does not exist" in err.message
    html = error_from_response(404, {"content-type": "text/html"}, b"<html>nope</html>", auth_mode="basic")
    assert isinstance(html, NotFound)
    assert "/jira" in (html.hint or "")


def test_400_on_search_is_invalid_jql_with_jiras_message() -> None:
    message = "Error in the JQL Query: Expecting operator but got 'foo'. (line 1, character 9)"
    err = error_from_response(400, JSON, body({"errorMessages": [message]}), auth_mode="basic", is_search=True)
    assert isinstance(err, InvalidJql)
    assert message in err.message
    assert err.detail == message


def test_400_mentioning_jql_is_invalid_jql_even_without_the_flag() -> None:
    message = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
    err = error_from_response(400, JSON, body({"errorMessages": [message]}), auth_mode="basic")
    assert isinstance(err, InvalidJql)


def test_other_400_is_bad_request_with_field_errors() -> None:
    err = error_from_response(
        400, JSON, body({"errorMessages": [], "errors": {"resolution": "Resolution is required."}}), auth_mode="basic"
    )
    assert isinstance(err, BadRequest)
    assert "resolution: Resolution is required." in err.message


def test_jsm_and_gateway_error_shapes() -> None:
    jsm = error_from_response(
        400, JSON, body({"errorMessage": "The comment must specify public.", "i18nErrorMessage": {}}), auth_mode="basic"
    )
    assert "The comment must specify public." in jsm.message
    gateway = error_from_response(
        404,
        JSON,
        body({"message": "Client must be authenticated to access this resource.", "status-code": 404}),
        auth_mode="basic",
    )
    assert "Client must be authenticated" in gateway.message


def test_410_gone_explains_the_removed_api() -> None:
    removed = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."
    err = error_from_response(410, JSON, body({"errorMessages": [removed]}), auth_mode="basic")
    assert isinstance(err, ApiGone)
    assert "/rest/api/3/search/jql" in err.message


def test_429_with_retry_after_seconds_says_for_how_long() -> None:
    headers = {"Retry-After": "12", "RateLimit-Reason": "jira-burst-based", **JSON}
    err = error_from_response(429, headers, b"", auth_mode="basic")
    assert isinstance(err, RateLimited)
    assert err.retry_after == 12
    assert err.reason == "jira-burst-based"
    assert "12 s" in err.message
    assert err.retryable


def test_retry_after_http_date_and_reset_header() -> None:
    assert parse_retry_after({"retry-after": "Wed, 15 Oct 2025 10:01:30 GMT"}, now=NOW) == 90
    assert parse_retry_after({"X-RateLimit-Reset": "2025-10-15T10:01Z"}, now=NOW) == 60
    assert parse_retry_after({}, now=NOW) is None
    assert parse_retry_after({"Retry-After": "-5"}, now=NOW) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "99999999999"},
        {"Retry-After": "1e300"},
        {"Retry-After": "inf"},
        {"Retry-After": "nan"},
        {"Retry-After": "soon"},
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"X-RateLimit-Reset": "2125-10-15T10:05Z"},
        {"X-RateLimit-Reset": "whenever"},
    ],
)
def test_enormous_or_garbage_retry_after_becomes_the_cap(headers: dict[str, str]) -> None:
    assert parse_retry_after(headers, now=NOW) == MAX_RETRY_AFTER == 120
    limited = error_from_response(429, headers, b"", auth_mode="basic")
    assert isinstance(limited, RateLimited) and limited.retry_after == 120
    assert limited.message == "Jira is rate-limiting requests and asks to wait 120 s."
    assert limited.message_params == {"seconds": 120}


def test_429_without_retry_after_still_rate_limited() -> None:
    err = error_from_response(429, {}, b"", auth_mode="basic")
    assert isinstance(err, RateLimited)
    assert err.retry_after is None
    assert "slow down" in err.message


def test_long_waits_are_capped_and_said_in_seconds() -> None:
    err = error_from_response(429, {"Retry-After": "600"}, b"", auth_mode="basic")
    assert err.retry_after == 120 and "asks to wait 120 s" in err.message


def test_503_with_retry_after_is_unavailability_not_rate_limiting_and_plain_5xx_is_server_error() -> None:
    unavailable = error_from_response(503, {"Retry-After": "3"}, b"", auth_mode="basic")
    assert isinstance(unavailable, ServiceUnavailable) and isinstance(unavailable, ServerError)
    assert not isinstance(unavailable, RateLimited)
    assert unavailable.retry_after == 3 and unavailable.status == 503
    assert unavailable.message == "Jira is temporarily unavailable (HTTP 503) and asks to wait 3 s."
    huge = error_from_response(503, {"Retry-After": "99999999999"}, b"", auth_mode="basic")
    assert isinstance(huge, ServiceUnavailable) and huge.retry_after == 120
    nginx = b"<html><head><title>502 Bad Gateway</title></head></html>"
    err = error_from_response(502, {"Content-Type": "text/html"}, nginx, auth_mode="basic")
    assert isinstance(err, ServerError)
    assert err.status == 502 and "502" in err.message


def test_html_login_page_instead_of_json() -> None:
    page = b"<!DOCTYPE html><html><head><title>Sign in - Contoso SSO</title></head><body>...</body></html>"
    err = error_from_response(200, {"Content-Type": "text/html; charset=utf-8"}, page, auth_mode="basic")
    assert isinstance(err, HtmlInsteadOfJson)
    assert "SSO or proxy login page" in err.message
    assert "Sign in - Contoso SSO" in (err.hint or "")
    # Sniffed even when the content type lies.
    assert isinstance(
        error_from_response(200, {}, b"  <html><body>hi</body></html>", auth_mode="basic"), HtmlInsteadOfJson
    )


def test_redirect_is_reported_with_its_target() -> None:
    err = error_from_response(302, {"Location": "https://sso.example/login"}, b"", auth_mode="basic")
    assert isinstance(err, HtmlInsteadOfJson)
    assert "https://sso.example/login" in err.message


def test_407_is_a_proxy_problem() -> None:
    assert isinstance(error_from_response(407, {}, b"", auth_mode="basic"), ProxyError)


def test_unparseable_success_is_bad_response_and_text_bodies_are_quoted_sanitised() -> None:
    err = error_from_response(200, {"Content-Type": "text/plain"}, b"\x1b[31mweird\x1b[0m", auth_mode="basic")
    assert isinstance(err, BadResponse)
    assert "weird" in err.message and "\x1b" not in err.message


def test_header_lookup_is_case_insensitive_and_works_with_httpx_headers() -> None:
    err = error_from_response(429, httpx.Headers({"RETRY-AFTER": "7"}), b"", auth_mode="basic")
    assert isinstance(err, RateLimited) and err.retry_after == 7


def test_long_jira_messages_are_capped() -> None:
    err = error_from_response(400, JSON, body({"errorMessages": ["x" * 5000]}), auth_mode="basic")
    assert len(err.message) < 600


def test_hierarchy_and_retryable_flags() -> None:
    for cls in (DnsError, ProxyError, TlsError):
        assert issubclass(cls, NetworkError)
    for cls in (
        AuthError,
        PermissionDenied,
        NotFound,
        InvalidJql,
        RateLimited,
        ServerError,
        NetworkError,
        HtmlInsteadOfJson,
        BadResponse,
        DeadlineExceeded,
        BadRequest,
        ApiGone,
    ):
        assert issubclass(cls, JiraError)
    assert RateLimited.retryable and ServerError.retryable and NetworkError.retryable and DeadlineExceeded.retryable
    assert not AuthError.retryable and not TlsError.retryable and not InvalidJql.retryable


def test_tls_hint_points_at_ca_bundle_system() -> None:
    hint = TlsError().hint or ""
    assert "ca_bundle" in hint and '"system"' in hint


def test_full_text_joins_message_and_hint() -> None:
    err = NotFound("Gone.", hint="Look elsewhere")
    assert err.full_text == "Gone.\nLook elsewhere"
    assert str(err) == "Gone."


# Transport failures ------------------------------------------------------------------------------------


def chained(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause
    return outer


def test_transport_dns_failure() -> None:
    exc = chained(
        httpx.ConnectError("[Errno -2] Name or service not known"), socket.gaierror(-2, "Name or service not known")
    )
    err = error_from_transport(exc, url="https://jira.example.net")
    assert isinstance(err, DnsError)
    assert "jira.example.net" in err.message


def test_transport_tls_failure() -> None:
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate in chain")
    err = error_from_transport(chained(httpx.ConnectError("tls"), cause))
    assert isinstance(err, TlsError)
    assert "ca_bundle" in (err.hint or "")
    assert isinstance(error_from_transport(httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] x")), TlsError)


def test_transport_timeout_proxy_and_refused() -> None:
    timeout = error_from_transport(httpx.ReadTimeout("timed out"), timeout=20)
    assert isinstance(timeout, DeadlineExceeded) and "20 s" in timeout.message
    assert isinstance(error_from_transport(httpx.ProxyError("407")), ProxyError)
    refused = error_from_transport(httpx.ConnectError("[Errno 111] Connection refused"))
    assert type(refused) is NetworkError
    assert isinstance(error_from_transport(ConnectionRefusedError()), NetworkError)
    assert isinstance(error_from_transport(TimeoutError()), DeadlineExceeded)


def test_transport_passes_jira_errors_through() -> None:
    original = NotFound()
    assert error_from_transport(original) is original
