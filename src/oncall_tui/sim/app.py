"""The simulator's ASGI app: routes of every API family, fault injection, and Jira-like 404s."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from oncall_tui.sim.faults import FaultMiddleware, Faults
from oncall_tui.sim.http import json_response
from oncall_tui.sim.observe import Observer, ObserverMiddleware
from oncall_tui.sim.state import SimState


async def _not_found(request: Request, exc: Exception) -> Response:
    return json_response({"errorMessages": ["Not found"], "errors": {}}, status=404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return json_response({"errorMessages": ["Method not allowed"], "errors": {}}, status=405)


def create_app(state: SimState, faults: Faults | None = None, observer: Observer | None = None) -> Starlette:
    from oncall_tui.sim import (
        routes_alerts,
        routes_bulk,
        routes_control,
        routes_issue_meta,
        routes_jsm,
        routes_ops,
        routes_platform,
        routes_projects,
    )

    routes: list[BaseRoute] = [
        # Before the platform's `issue/{key}`, whose path `issue/bulkfetch` would match too.
        *routes_bulk.routes(),
        *routes_platform.routes(),
        *routes_projects.routes(),
        *routes_issue_meta.routes(),
        *routes_jsm.routes(),
        *routes_ops.routes(),
        *routes_alerts.routes(),
        *routes_control.routes(),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.sim = state
    app.state.faults = faults or Faults()
    if observer is not None:
        app.add_middleware(ObserverMiddleware, observer=observer)
    # Added last, so outermost: injected faults never reach the observer.
    app.add_middleware(FaultMiddleware, holder=app.state)
    return app
