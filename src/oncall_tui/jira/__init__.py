"""The Jira / JSM client. Names are imported on first use, so `import oncall_tui.jira` stays cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oncall_tui.jira.client import ComponentInfo, JiraClient, ProjectInfo
    from oncall_tui.jira.errors import JiraError
    from oncall_tui.jira.transport import RetryPolicy

__all__ = ["ComponentInfo", "JiraClient", "JiraError", "ProjectInfo", "RetryPolicy"]

_HOMES = {
    "ComponentInfo": "oncall_tui.jira.client",
    "JiraClient": "oncall_tui.jira.client",
    "ProjectInfo": "oncall_tui.jira.client",
    "JiraError": "oncall_tui.jira.errors",
    "RetryPolicy": "oncall_tui.jira.transport",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'oncall_tui.jira' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
