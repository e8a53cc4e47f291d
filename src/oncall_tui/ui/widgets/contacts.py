"""Escalation contacts for the selected incident.

Until the escalation feature (JSM Ops on-call) lands, this shows who Jira names as responsible: the lead of
each affected component (service) and the project lead.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from oncall_tui import display as fmt
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.people import Person
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator

# A role label takes what the longest one needs, up to this share of the pane's width.
LABEL_SHARE = 0.5


def contacts_text(
    incident: Incident | None,
    project_lead: Person | None,
    component_leads: dict[str, Person],
    tr: Translator = ENGLISH,
    *,
    width: int = 36,
    ascii_only: bool = False,
) -> Text:
    """One contact per line: the role (a service, "Project lead") and the name, each cut with an ellipsis
    rather than mid-word when the pane is too narrow."""
    text = Text()
    if incident is None:
        return Text("—", style=Style(dim=True))
    services = incident.components or ()
    title = sanitize_line(", ".join(services)) if services else incident.key.split("-")[0]
    text.append(
        fmt.fit(tr("Escalation: {service}", service=title), width, ascii_only=ascii_only) + "\n", style=Style(bold=True)
    )
    lines = [(sanitize_line(name), component_leads[name]) for name in services if name in component_leads]
    if project_lead is not None:
        lines.append((tr("Project lead"), project_lead))
    label_width = min(max((cell_len(label) for label, _ in lines), default=0), max(8, int(width * LABEL_SHARE)))
    for label, person in lines:
        shown = fmt.fit(label, label_width, ascii_only=ascii_only)
        text.append(shown + " " * (label_width - cell_len(shown)) + " ", style=Style(dim=True))
        name_room = max(width - label_width - 1, 4)
        text.append(fmt.fit(sanitize_line(person.display_name), name_room, ascii_only=ascii_only) + "\n")
    if not lines:
        text.append(tr("No lead named in Jira"), style=Style(dim=True))
    text.no_wrap = True
    return text


class ContactsPane(Static):
    DEFAULT_CSS = """
    ContactsPane { height: auto; max-height: 10; padding: 0 1; border-top: solid $primary;
                   text-wrap: nowrap; }
    """
