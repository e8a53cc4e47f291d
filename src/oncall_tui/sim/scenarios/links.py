"""Remote links the scenarios' issues carry: the service runbook on every open Highest incident, and on the
outage's major incident the public status page and the bridge as well.

No randomness: the links follow from issues the scenario already made, so adding them leaves every seeded
choice as it was.
"""

from __future__ import annotations

from urllib.parse import quote

from oncall_tui.sim.model import Issue
from oncall_tui.sim.scenarios.catalog import HIGHEST, OPS, SERVICES
from oncall_tui.sim.state import SimState

WIKI = "https://wiki.example.com"
WIKI_APP_ID = "4d3b2a19-7c6e-3f50-9a8b-1c2d3e4f5a6b"
STATUS_PAGE = "https://status.example.com"
BRIDGE = "https://meet.example.com/mi-crm"

CONFLUENCE = {"name": "Confluence", "type": "com.atlassian.confluence"}
STATUSPAGE = {"name": "Statuspage", "type": "com.atlassian.statuspage"}

# Confluence page ids of the runbooks, one per service (space OPSRB).
RUNBOOK_PAGE_IDS = {name: str(81920 + 17 * index) for index, (name, _) in enumerate(SERVICES)}


def add_runbook(state: SimState, issue: Issue, service: str) -> None:
    page_id = RUNBOOK_PAGE_IDS[service]
    title = f"Runbook: {service}"
    state.save_remote_link(
        issue,
        global_id=f"appId={WIKI_APP_ID}&pageId={page_id}",
        application=CONFLUENCE,
        relationship="Wiki Page",
        obj={
            "url": f"{WIKI}/spaces/OPSRB/pages/{page_id}/{quote(title.replace(' ', '+'), safe='+')}",
            "title": title,
            "summary": f"Checks, dashboards and escalation paths for {service}.",
            "icon": {"url16x16": f"{WIKI}/images/icons/confluence-page.png", "title": "Page"},
        },
    )


def add_outage_links(state: SimState, major: Issue) -> None:
    """The major incident's public status page entry and its bridge (its runbook comes with the others)."""
    state.save_remote_link(
        major,
        global_id=f"system={STATUS_PAGE}&id=crm-lookup-503",
        application=STATUSPAGE,
        relationship="mentioned on",
        obj={
            "url": f"{STATUS_PAGE}/incidents/crm-lookup-503",
            "title": "Status page: CRM Platform – customer lookups failing",
            "summary": "Public incident, investigating. Updated every 30 minutes.",
            "icon": {"url16x16": f"{STATUS_PAGE}/favicon-16x16.png", "title": "Statuspage incident"},
            "status": {"resolved": False, "icon": {"title": "Investigating"}},
        },
    )
    state.save_remote_link(
        major,
        relationship="links to",
        obj={"url": BRIDGE, "title": "Major incident bridge (video call)"},
    )


def install_runbook_links(state: SimState) -> None:
    """The runbook of its service on every open Highest incident of OPS: what on-call opens first."""
    names = {c.id: c.name for c in state.projects[OPS].components}
    for issue in state.issues.values():
        open_ = state.statuses[issue.status_id].category != "done"
        if issue.project_key == OPS and open_ and issue.priority_id == HIGHEST and issue.component_ids:
            add_runbook(state, issue, names[issue.component_ids[0]])
