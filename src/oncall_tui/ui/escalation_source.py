"""Where the escalation pane's answer comes from until the on-call book is wired in: the Jira leads the old
contacts pane showed (each affected component's lead, then the project lead) as a one-level policy labelled
`Source.JIRA_LEADS`, so nothing the pane showed before is lost.

The book replaces this with `lambda incident: (book.get(policy, incident, leads), policy.name)`; the pane
only knows the `EscalationProvider` signature.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from oncall_tui.domain.incident import Incident
from oncall_tui.domain.oncall import (
    Contact,
    FixedContacts,
    Level,
    OnCallShift,
    Policy,
    ResolvedLevel,
    ResolvedPolicy,
    RotaRef,
    Source,
)
from oncall_tui.domain.people import Person
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.ui.widgets.escalation import EscalationProvider

__all__ = ["NO_LEAD", "UNREAD", "contact_of", "leads_policy", "leads_provider"]

NO_LEAD = "No lead named in Jira"
UNREAD = "The leads could not be read from Jira; trying again shortly"

Leads = tuple[Person | None, dict[str, Person]]


def contact_of(person: Person) -> Contact:
    return Contact(
        account_id=person.account_id,
        username=person.username,
        display_name=person.display_name,
        email=person.email,
        time_zone=person.time_zone,
    )


def _title(incident: Incident) -> str:
    return ", ".join(incident.components) if incident.components else incident.key.split("-")[0]


def leads_policy(incident: Incident, leads: Leads, now: datetime, tr: Translator = ENGLISH) -> ResolvedPolicy:
    """The incident's component leads and project lead as the one level of a policy named after its services."""
    project_lead, component_leads = leads
    people = [component_leads[name] for name in incident.components if name in component_leads]
    if project_lead is not None:
        people.append(project_lead)
    contacts: list[Contact] = []
    for person in people:
        contact = contact_of(person)
        if not any(contact.same_person(c) for c in contacts):
            contacts.append(contact)
    name = tr("Service and project leads")
    # The policy is only the pane's frame here; with nobody named, a placeholder source stands in for the
    # fixed people a level must otherwise have (the resolved level says JIRA_LEADS and why it is empty).
    source = FixedContacts(tuple(contacts)) if contacts else RotaRef("jira-leads")
    policy = Policy(_title(incident), (Level(name, source),), default=True)
    level = ResolvedLevel(
        index=0,
        name=name,
        source=Source.JIRA_LEADS,
        shifts=tuple(OnCallShift(who=c, source=Source.JIRA_LEADS) for c in contacts),
        problem=None if contacts else (NO_LEAD, {}),
    )
    return ResolvedPolicy(policy, (level,), now)


def unread_policy(incident: Incident, now: datetime, tr: Translator = ENGLISH) -> ResolvedPolicy:
    """The one level, empty, saying that the leads could not be read (never an empty pane)."""
    name = tr("Service and project leads")
    policy = Policy(_title(incident), (Level(name, RotaRef("jira-leads")),), default=True)
    level = ResolvedLevel(index=0, name=name, source=Source.JIRA_LEADS, problem=(UNREAD, {}))
    return ResolvedPolicy(policy, (level,), now)


def leads_provider(
    leads_for: Callable[[str], Leads | None],
    failed: Callable[[str], bool],
    clock: Callable[[], datetime],
    tr: Translator = ENGLISH,
) -> EscalationProvider:
    """A provider over the app's lead look-up (`OncallApp.leads_for`): None while the project's leads are
    still being read (as the book answers while it asks JSM Ops), a level saying so when they could not be."""

    def provide(incident: Incident) -> tuple[ResolvedPolicy | None, str | None]:
        project = incident.key.split("-")[0]
        leads = leads_for(project)
        if leads is not None:
            return leads_policy(incident, leads, clock(), tr), _title(incident)
        if failed(project):
            return unread_policy(incident, clock(), tr), _title(incident)
        return None, _title(incident)

    return provide
