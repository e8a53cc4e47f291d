"""The `outage` scenario: the default site two minutes into a CRM Platform outage.

A major incident exists already; over the next ten simulated minutes ~25 customer incidents caused by it
arrive, and customers follow up on them and on the major incident.
"""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from oncall_tui.sim import adf
from oncall_tui.sim.model import Issue
from oncall_tui.sim.scenarios import texts
from oncall_tui.sim.scenarios.catalog import HIGH, HIGHEST, INCIDENT, MEDIUM, OPS, component_id
from oncall_tui.sim.scenarios.default import Cast
from oncall_tui.sim.scenarios.replay import Story, replay
from oncall_tui.sim.state import SimState

MAJOR_INCIDENT_SUMMARY = "CRM Platform down – 503 on all customer lookups"
BURST_SIZE = 25
BURST_WINDOW_S = 600

# Symptom as the customer sees it, and the service they raise it against.
BURST_SYMPTOMS: tuple[tuple[str, str], ...] = (
    ("Dealer Portal cannot load customer", texts.DEALER),
    ("Kundensuche im Händlerportal liefert 503", texts.DEALER),
    ("Consent sync failing", texts.CONSENT),
    ("Customer lookup times out", texts.CRM),
    ("Service appointment booking fails – customer not found", texts.DEALER),
    ("Test-drive booking: customer profile unavailable", texts.DEALER),
    ("Kundenakte im CRM nicht erreichbar", texts.CRM),
    ("Marketing preferences cannot be loaded", texts.PREFS),
    ("Call centre cannot identify callers", texts.CRM),
    ("Order confirmation blocked by CRM 503", texts.DEALER),
    ("Profile updates queueing in the Customer Data Hub", texts.CDH_SVC),
    ("Login works, but the customer profile is empty", texts.IDENTITY),
)

# (text, written in German)
MAJOR_FOLLOW_UPS: tuple[tuple[str, bool], ...] = (
    ("+1 – {org} is affected as well, no customer records at all.", False),
    ("Same here ({org}). Do you have an ETA?", False),
    ("Bei {org} geht seit ein paar Minuten gar nichts mehr im Kundenbereich.", True),
    ("Our call centre is blind without the CRM. Please keep us posted.", False),
)


def install_outage(state: SimState, rng: random.Random, cast: Cast) -> Issue:
    now = state.now()
    reporter = cast.l1[0]
    manager = next(u.account_id for u in state.users.values() if u.display_name == "Claudia Schäfer")
    started = (now - timedelta(minutes=3)).astimezone(ZoneInfo("Europe/Berlin"))
    crm = component_id(state, texts.CRM)
    story = Story(
        project_key=OPS,
        summary=MAJOR_INCIDENT_SUMMARY,
        priority_id=HIGHEST,
        reporter=reporter,
        created=now - timedelta(minutes=2),
        issue_type_id=INCIDENT,
        description=adf.doc(
            adf.paragraph(
                f"Since about {started:%H:%M %Z} every customer lookup against the CRM Platform fails "
                "with HTTP 503. Dealer Portal, call centre and the app cannot show customer data."
            ),
            adf.bullet_list(
                [
                    "Synthetic check crm-lookup-eu red in all regions.",
                    "crm-api pods healthy; crm-db-1 refuses new connections.",
                    "Started a few minutes after the CRM 2.15.0 rollout (to be confirmed).",
                ]
            ),
            adf.code_block(
                "GET /api/v2/customers/search?q=mueller -> 503 Service Unavailable\n"
                "upstream: crm-db-1: FATAL: sorry, too many clients already",
                "text",
            ),
        ),
        component_ids=[crm],
        labels=["major-incident", "customer-impact"],
    )
    story.comment(
        now - timedelta(seconds=60),
        manager,
        "Major incident declared. Bridge: https://meet.example.com/mi-crm – MIM: Claudia. "
        "All related tickets: link to this one, do not work them separately.",
        internal=True,
    )
    (major,) = replay(state, [story])

    symptoms = list(BURST_SYMPTOMS)
    rng.shuffle(symptoms)
    customers = list(cast.customers)
    rng.shuffle(customers)
    arrivals = sorted(round(rng.uniform(15, BURST_WINDOW_S)) for _ in range(BURST_SIZE))
    for index, offset in enumerate(arrivals):
        symptom, service = symptoms[index % len(symptoms)]
        reporter_id = customers[index % len(customers)]
        org = cast.org(reporter_id)
        summary = f"{symptom} – {org}" if rng.random() < 0.7 else symptom
        components = [component_id(state, service)]
        if service != texts.CRM:
            components.append(crm)
        labels = ["customer-impact"] + (["dealer"] if service == texts.DEALER else [])
        german = cast.users[reporter_id].locale.startswith("de")
        pool = texts.CUSTOMER_FOLLOW_UPS_DE if german else texts.CUSTOMER_FOLLOW_UPS_EN
        follow_ups = []
        if rng.random() < 0.5:
            follow_ups.append((round(rng.uniform(150, 600)), texts.fill(rng.choice(pool), org=org)))
        state.schedule(
            now + timedelta(seconds=offset),
            "create_incident",
            summary=summary,
            priority_id=HIGH if rng.random() < 0.4 else MEDIUM,
            component_ids=tuple(components),
            reporter=reporter_id,
            description=adf.doc(
                adf.paragraph(f"{org}: {symptom}. Started a few minutes ago, all workstations affected."),
                adf.bullet_list(["Error shown: 'Service temporarily unavailable (503)'", "Retry does not help"]),
            ),
            labels=tuple(labels),
            follow_ups=tuple(follow_ups),
            # Caused by the major incident: they sit under it, so `parent = <major>` finds the whole burst.
            parent_key=major.key,
        )

    german = [c for c in customers if c in cast.german_customers]
    others = [c for c in customers if c not in cast.german_customers]
    for text, in_german in MAJOR_FOLLOW_UPS:
        author = (german if in_german else others).pop()
        state.schedule(
            now + timedelta(seconds=round(rng.uniform(30, 540))),
            "customer_comment",
            key=major.key,
            text=texts.fill(text, org=cast.org(author)),
            author=author,
        )
    return major
