"""Request plumbing shared by the simulator's route modules: auth, JSON in and out, Jira-shaped errors."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim.model import User
from oncall_tui.sim.state import SimError, SimState
from oncall_tui.sim.text import MAX_DEPTH, find_invalid

Handler = Callable[[Request], Awaitable[Response]]

API = "/rest/api/{v:int}"


def sim_state(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def current_user(request: Request) -> User:
    """The authenticated caller; only valid inside an `endpoint(auth=True)` handler."""
    user: User = request.state.user
    return user


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # ensure_ascii=False: Jira sends UTF-8 (names with umlauts travel as-is, not as \u escapes).
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json;charset=UTF-8", headers=headers)


def no_content() -> Response:
    return Response(status_code=204)


def _non_standard(token: str) -> Any:
    # Jira's JSON parser refuses these too; Python's would hand back floats that no JSON answer can carry.
    raise ValueError(f"Non-standard token '{token}'")


def parse_json_body(raw: bytes) -> Any:
    """A request body as JSON, or SimError 400: the one place every JSON body of every route is decoded.

    Beyond syntax it refuses what could be stored but never sent back (lone surrogates, NaN, Infinity), so
    a refused body changes nothing and an accepted one can always be rendered.
    """
    if not raw.strip():
        raise SimError(400, ["No content to map to Object due to end of input"])
    try:
        data = json.loads(raw, parse_constant=_non_standard)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise SimError(400, [f"Unexpected character in request body: {exc}"]) from None
    except RecursionError:
        raise SimError(400, [f"Invalid request body: nested more than {MAX_DEPTH} levels deep."]) from None
    problem = find_invalid(data)
    if problem is not None:
        raise SimError(400, [f"Invalid request body: {problem}."])
    return data


async def read_json(request: Request) -> Any:
    return parse_json_body(await request.body())


async def read_json_object(request: Request) -> dict[str, Any]:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise SimError(400, ["Can not deserialize instance of object out of START_ARRAY token"])
    return data


def _unauthorized(state: SimState) -> Response:
    scheme = "Basic" if state.flavour == "cloud" else "Bearer"
    return JSONResponse(
        {"errorMessages": ["You are not authenticated. Authentication required to perform this operation."]},
        status_code=401,
        headers={
            "WWW-Authenticate": f'{scheme} realm="protected-area"',
            "X-Seraph-LoginReason": "AUTHENTICATED_FAILED",
        },
    )


def authenticate(request: Request) -> User | None:
    """Jira's rules: Cloud takes basic e-mail + API token, Data Center a Bearer personal access token."""
    state = sim_state(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if state.flavour == "cloud" and scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        email, sep, token = decoded.partition(":")
        if not sep:
            return None
        for cred in state.credentials:
            user = state.users.get(cred.account_id)
            if user and user.email.lower() == email.lower() and _same(cred.token, token):
                return user
        return None
    if state.flavour == "datacenter" and scheme == "bearer":
        token = value.strip()
        for cred in state.credentials:
            if _same(cred.token, token):
                return state.users.get(cred.account_id)
        return None
    return None


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def endpoint(*, auth: bool = True) -> Callable[[Handler], Handler]:
    """Wrap a route handler: apply due scenario events, authenticate, and render `SimError` like Jira."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request) -> Response:
            state = sim_state(request)
            state.run_due_events()
            if state.flavour == "datacenter" and str(request.path_params.get("v", "2")) != "2":
                # Data Center has no REST v3: its servlet answers 404 for the whole tree.
                return json_response({"errorMessages": ["Not found"]}, status=404)
            user = authenticate(request)
            presented = "authorization" in request.headers and not request.url.path.startswith("/_sim/")
            # Jira rejects bad credentials even on resources that anonymous callers may read.
            if user is None and (auth or presented):
                return _unauthorized(state)
            request.state.user = user
            try:
                return await handler(request)
            except SimError as exc:
                return json_response(exc.body(), status=exc.status)

        return wrapper

    return decorate


def api_version(request: Request) -> int:
    """2 or 3 from the `/rest/api/{v}/...` path (Data Center serves only 2)."""
    version = request.path_params.get("v", "2")
    return 3 if str(version) == "3" else 2


def base_url(request: Request) -> str:
    return sim_state(request).base_url.rstrip("/")


def int_param(request: Request, name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SimError(400, [f"The '{name}' parameter must be a number, got '{raw}'."]) from None
    if value < minimum:
        value = minimum
    if maximum is not None and value > maximum:
        value = maximum
    return value


def with_latest(routes: list[Route]) -> list[BaseRoute]:
    """`routes` under `/rest/api/{v}`, plus the `/rest/api/latest` alias both flavours serve (v2 bodies)."""
    latest = [Route(r.path.replace(API, "/rest/api/latest"), r.endpoint, methods=r.methods) for r in routes]
    return [*routes, *latest]
