"""Escalation contacts for the selected incident.

Until the escalation feature (JSM Ops on-call) lands, this shows who Jira names as responsible: the lead of
each affected component (service) and the project lead.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from oncall_tui.domain.incident import Incident
from oncall_tui.domain.people import Person
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator


def contacts_text(
    incident: Incident | None,
    project_lead: Person | None,
    component_leads: dict[str, Person],
    tr: Translator = ENGLISH,
) -> Text:
    text = Text()
    if incident is None:
        return Text("—", style=Style(dim=True))
    services = incident.components or ()
    title = sanitize_line(", ".join(services)) if services else incident.key.split("-")[0]
    text.append(tr("Escalation: {service}", service=title) + "\n", style=Style(bold=True))
    any_line = False
    for name in services:
        lead = component_leads.get(name)
        if lead is not None:
            text.append(f"{sanitize_line(name)[:13]:<13} ", style=Style(dim=True))
            text.append(f"{sanitize_line(lead.display_name)}\n")
            any_line = True
    if project_lead is not None:
        text.append(f"{tr('Project lead')[:13]:<13} ", style=Style(dim=True))
        text.append(f"{sanitize_line(project_lead.display_name)}\n")
        any_line = True
    if not any_line:
        text.append(tr("No lead named in Jira"), style=Style(dim=True))
    # One contact per line, cut with an ellipsis rather than wrapped into the next contact's line.
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class ContactsPane(Static):
    DEFAULT_CSS = """
    ContactsPane { height: auto; max-height: 10; padding: 0 1; border-top: solid $primary;
                   text-wrap: nowrap; text-overflow: ellipsis; }
    """
