"""What the scenario's people write: incident summaries, descriptions (ADF) and comments, in English and German.

Every choice goes through the caller's `random.Random`, so texts are part of the seeded, repeatable data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from oncall_tui.sim import adf
from oncall_tui.sim.scenarios.catalog import HIGH, HIGHEST, LOW, LOWEST, MEDIUM


@dataclass(frozen=True)
class Template:
    summary: str
    service: str
    priority: str
    labels: tuple[str, ...] = ()
    de: bool = False  # written in German (and so are the reporter's comments)


def _t(summary: str, service: str, priority: str, *labels: str, de: bool = False) -> Template:
    return Template(summary, service, priority, labels, de)


CRM, CONSENT, CDH_SVC, DEALER, IDENTITY, TELEMATICS, PREFS, DWH = (
    "CRM Platform",
    "Consent Management",
    "Customer Data Hub",
    "Dealer Portal",
    "Identity & Login",
    "Vehicle Telematics Gateway",
    "Marketing Preferences API",
    "Data Warehouse Exports",
)

# Hand-written incidents for the default scenario; the scenario picks by priority.
TEMPLATES: tuple[Template, ...] = (
    # Highest
    _t("Checkout 502 for DE dealers", DEALER, HIGHEST, "dealer", "customer-impact"),
    _t("CRM write path failing – customer updates rejected with 409", CRM, HIGHEST, "customer-impact"),
    _t("Login page returns 503 for ~30 % of requests", IDENTITY, HIGHEST, "customer-impact"),
    _t("No vehicle data from Nordic TCUs since 05:40", TELEMATICS, HIGHEST, "customer-impact"),
    _t("Consent banner does not load on any brand site", CONSENT, HIGHEST, "gdpr", "customer-impact"),
    # High
    _t("CRM sync stuck since 03:00", CRM, HIGH, "customer-impact"),
    _t("Kundenakte lädt nicht im CRM (Timeout nach 30 s)", CRM, HIGH, "customer-impact", de=True),
    _t("CRM API rate-limit errors from Dealer Portal", CRM, HIGH, "dealer"),
    _t("Consent banner not saved for FR users", CONSENT, HIGH, "gdpr", "customer-impact"),
    _t("Einwilligungen werden nicht an den CDH übertragen", CONSENT, HIGH, "gdpr", de=True),
    _t("Withdrawn consent still shown as active in the app", CONSENT, HIGH, "gdpr"),
    _t("CDH ingestion lag > 45 min", CDH_SVC, HIGH),
    _t("Kafka consumer group cdh-profile stuck on partition 7", CDH_SVC, HIGH),
    _t("Deletion requests not propagated from CDH to CRM", CDH_SVC, HIGH, "gdpr"),
    _t("Händlerportal: Login schlägt mit Fehler 403 fehl", DEALER, HIGH, "dealer", de=True),
    _t("Dealer Portal cannot load customer details", DEALER, HIGH, "dealer", "customer-impact"),
    _t("SSO login loop for dealer staff after password reset", IDENTITY, HIGH, "dealer"),
    _t("MFA SMS codes not delivered to +48 numbers", IDENTITY, HIGH, "customer-impact"),
    _t("Gateway drops messages from TCU firmware 4.2", TELEMATICS, HIGH),
    _t("Remote unlock commands time out in the Nordics", TELEMATICS, HIGH, "customer-impact"),
    _t("MQTT broker certificate rotation failed on tgw-3", TELEMATICS, HIGH),
    _t("Marketing Preferences API returns 500 on opt-out", PREFS, HIGH, "gdpr"),
    _t("Monthly dealer bonus export delayed", DWH, HIGH, "dealer"),
    # Medium
    _t("CRM customer search returns 500 for names with umlauts (Müller, Weiß)", CRM, MEDIUM),
    _t("CRM nightly dedup job failed", CRM, MEDIUM, "data-quality"),
    _t("Duplicate customer records created after merge", CRM, MEDIUM, "data-quality"),
    _t("Leads aus dem Kontaktformular kommen doppelt im CRM an", CRM, MEDIUM, "data-quality", de=True),
    _t("Consent audit log has gaps since the last deploy", CONSENT, MEDIUM, "gdpr"),
    _t("Consent export for the DPO times out", CONSENT, MEDIUM, "gdpr"),
    _t("Double opt-in e-mails delayed by ~2 h", CONSENT, MEDIUM),
    _t("Golden-record merge picks wrong address for AT customers", CDH_SVC, MEDIUM, "data-quality"),
    _t("CDH profile API p99 latency at 4 s", CDH_SVC, MEDIUM),
    _t("Schema change broke the vehicle-owner mapping", CDH_SVC, MEDIUM, "data-quality"),
    _t("Test-drive bookings not visible for dealer 40117", DEALER, MEDIUM, "dealer"),
    _t("Service appointment calendar shows wrong time zone (Lisbon)", DEALER, MEDIUM, "dealer"),
    _t("PDF quote generation fails for names with ß or é", DEALER, MEDIUM, "dealer"),
    _t("Passwort-zurücksetzen-Mail kommt nicht an", IDENTITY, MEDIUM, de=True),
    _t("Account locked after a single failed login", IDENTITY, MEDIUM),
    _t("Sign in with Apple fails for new accounts", IDENTITY, MEDIUM),
    _t("Fahrzeugdaten kommen verspätet (> 20 min) in der App an", TELEMATICS, MEDIUM, de=True),
    _t("Charging status not updated for EV fleet customers", TELEMATICS, MEDIUM, "customer-impact"),
    _t("Telematics dashboard shows 0 vehicles online", TELEMATICS, MEDIUM, "monitoring"),
    _t("Newsletter preferences reset after profile update", PREFS, MEDIUM, "gdpr"),
    _t("Preferences API: 429 Too Many Requests from campaign tool", PREFS, MEDIUM),
    _t("Preference changes reach the CRM only after hours", PREFS, MEDIUM),
    _t("Daily DWH customer export missing for yesterday", DWH, MEDIUM, "data-quality"),
    _t("Export job dwh_customer_daily fails with OOM", DWH, MEDIUM),
    _t("DWH export garbles UTF-8 names (Müller → MÃ¼ller)", DWH, MEDIUM, "data-quality"),
    # Low
    _t("CRM UI slow for sales agents in Lisbon", CRM, LOW),
    _t("Lead import from trade-fair CSV rejected", CRM, LOW),
    _t("Cookie consent texts missing in Polish", CONSENT, LOW),
    _t("Adressvalidierung schlägt für Postfächer fehl", CDH_SVC, LOW, "data-quality", de=True),
    _t("Dealer Portal slow during the morning peak", DEALER, LOW, "dealer"),
    _t("Trade-in valuation widget blank in Firefox", DEALER, LOW, "dealer"),
    _t("SAML signing certificate expires in 10 days", IDENTITY, LOW),
    _t("Login audit export shows UTC instead of local time", IDENTITY, LOW),
    _t("Geofence alerts sent twice", TELEMATICS, LOW),
    _t("Präferenzcenter zeigt Kanäle doppelt an", PREFS, LOW, de=True),
    _t("Sales KPI export contains duplicate rows", DWH, LOW, "data-quality"),
    _t("Export SFTP credentials expire next week", DWH, LOW),
    _t("Renamed column in consent export breaks BI dashboard", DWH, LOW),
    # Lowest
    _t("Opportunity pipeline report shows yesterday's numbers", CRM, LOWEST),
    _t("Typo in Swedish translation of the order page", DEALER, LOWEST, "dealer"),
    _t("Swagger docs for /v2/preferences out of date", PREFS, LOWEST),
    _t("Tippfehler in der Fehlermeldung beim Login", IDENTITY, LOWEST, de=True),
)

# Building blocks for generated incidents (ongoing life, `large`): service -> symptoms.
SYMPTOMS: dict[str, tuple[str, ...]] = {
    CRM: (
        "CRM sync delayed",
        "Customer lookup slow",
        "CRM returns 500 on save",
        "Kundenakte unvollständig",
        "Lead assignment not triggered",
        "Duplicate contact created",
        "CRM search times out",
        "Sales pipeline not refreshing",
    ),
    CONSENT: (
        "Consent not saved",
        "Consent banner missing",
        "Einwilligung wird nicht gespeichert",
        "Consent record out of sync",
        "Withdrawal not processed",
        "Consent texts outdated",
    ),
    CDH_SVC: (
        "Profile not updated",
        "Golden record merge conflict",
        "CDH ingestion lag",
        "Kundendaten werden nicht synchronisiert",
        "Profile API error 500",
        "Address normalisation wrong",
    ),
    DEALER: (
        "Dealer Portal cannot load customer",
        "Checkout 502",
        "Händlerportal sehr langsam",
        "Offer PDF not generated",
        "Test-drive booking fails",
        "Order status not updated",
        "Vehicle stock list empty",
        "Service appointment cannot be saved",
    ),
    IDENTITY: (
        "Login fails",
        "Password reset e-mail missing",
        "MFA code rejected",
        "SSO redirect loop",
        "Anmeldung nicht möglich",
        "Account unexpectedly locked",
    ),
    TELEMATICS: (
        "Vehicle data delayed",
        "Remote command timeout",
        "Fahrzeug meldet sich nicht",
        "Charging status stale",
        "Trip data missing",
        "TCU reconnect storm",
    ),
    PREFS: (
        "Opt-out not applied",
        "Preferences reset",
        "Preferences API 5xx",
        "Newsletter-Abmeldung greift nicht",
        "Channel preferences missing",
    ),
    DWH: (
        "Export missing",
        "Export incomplete",
        "Export job failed",
        "Export-Datei leer",
        "Export delivered late",
    ),
}

SCOPES: tuple[str, ...] = (
    "for DE dealers",
    "for FR users",
    "for fleet customers",
    "– Autohaus König Köln",
    "– Garage Girard Lyon",
    "– Auto Douro (Porto)",
    "– Bałtyk Motors Gdańsk",
    "in Sweden",
    "for dealer 40117",
    "for dealer 51230",
    "in the iOS app",
    "in the Android app",
    "für Münchner Händler",
    "für tschechische Händler",
    "for UK customers",
    "in Poland",
    "for Spanish dealers",
    "after the 02:00 deploy",
    "since this morning",
    "for some customers",
)
SUFFIXES: tuple[str, ...] = ("", "", "", " (intermittent)", " – urgent", " again", " – bitte prüfen")

PRIORITY_WEIGHTS: tuple[tuple[str, int], ...] = ((HIGHEST, 3), (HIGH, 17), (MEDIUM, 50), (LOW, 25), (LOWEST, 5))

OBSERVATIONS: dict[str, tuple[str, ...]] = {
    CRM: (
        "Affects customer records updated after midnight.",
        "Sales agents see a spinner, then 'Service unavailable'.",
        "crm-sync queue depth > 120,000 and growing.",
        "Only records with non-ASCII names seem affected.",
    ),
    CONSENT: (
        "Banner closes, but no consent record is written.",
        "Happens on Safari and Firefox, not Chrome.",
        "Audit log shows the request, not the stored decision.",
        "Only the French and Belgian sites are affected.",
    ),
    CDH_SVC: (
        "Profile updates from CRM arrive with a large delay.",
        "Merge job logs 'conflicting source of truth'.",
        "Consumer lag alert fired at 04:12.",
        "Affected profiles were all created via the dealer channel.",
    ),
    DEALER: (
        "Dealers see HTTP 502 after submitting the order.",
        "Customer page loads, the customer panel stays empty.",
        "Started after the morning deployment.",
        "Several dealers called the hotline.",
    ),
    IDENTITY: (
        "Users are sent back to the login page after entering the code.",
        "Error rate on /oauth/token at 12 %.",
        "Only dealer staff accounts are affected.",
        "SMS provider dashboard shows delivery failures.",
    ),
    TELEMATICS: (
        "Messages from affected TCUs are acknowledged but not forwarded.",
        "Broker connections drop every few minutes.",
        "App shows data that is 20+ minutes old.",
        "Affects vehicles on firmware 4.2.x only.",
    ),
    PREFS: (
        "PUT /v2/preferences returns 500 for some profiles.",
        "Changes made in the app are not visible in the CRM.",
        "Campaign tool hits the rate limit every hour on the hour.",
        "Customers receive newsletters after opting out.",
    ),
    DWH: (
        "The export file was not delivered to the SFTP drop.",
        "Row count is 40 % lower than usual.",
        "Job fails after about 50 minutes.",
        "Downstream BI dashboards show stale numbers.",
    ),
}

LOG_LINES: dict[str, str] = {
    CRM: "ERROR crm-sync-worker-2 batch=4711 status=STUCK lag=10843s upstream=cdh-profile",
    CONSENT: 'POST /api/consent/v3/records -> 500 {"error":"constraint violation: consent_version"}',
    CDH_SVC: "WARN  consumer cdh-profile partition=7 lag=382113 last_commit=04:12:09Z",
    DEALER: "upstream prematurely closed connection while reading response header (502) crm-api-7f9c",
    IDENTITY: "POST /oauth/token 503 upstream_connect_error reset_reason=overflow",
    TELEMATICS: "tgw-3 mqtt: TLS handshake failed: certificate has expired (CN=tgw.example.net)",
    PREFS: "PUT /v2/preferences/8f31c2 -> 500 NullPointerException at ChannelMapper.java:88",
    DWH: "dwh_customer_daily FAILED exit=137 (OOMKilled) after 51m",
}

# Comments. {org} is the reporter's dealership, {first} the first name of the person addressed.
CUSTOMER_FOLLOW_UPS_EN: tuple[str, ...] = (
    "Any update? Our showroom is full of customers waiting.",
    "This is still happening, now at our second site too.",
    "Is there an ETA? We have deliveries scheduled this afternoon.",
    "Our sales team can't work like this. Please call me back.",
    "Seeing the same at {org} – can you give us a status?",
    "We tried again after clearing the cache, same error.",
)
CUSTOMER_FOLLOW_UPS_DE: tuple[str, ...] = (
    "Gibt es schon einen Zwischenstand? Bei uns warten Kunden.",
    "Das Problem besteht weiterhin, jetzt auch in unserer Filiale in Düsseldorf.",
    "Wann ist mit einer Lösung zu rechnen? Heute Nachmittag sind Auslieferungen geplant.",
    "Bitte um Rückruf, unser Verkauf kann so nicht arbeiten.",
)
CUSTOMER_ANSWERS: tuple[str, ...] = (
    "Here is the screenshot. It happens for every customer we open.",
    "We use Chrome 131 on Windows 11. Dealer number is 40117.",
    "Yes, it started around 08:15 our time.",
    "Anbei die Kundennummer: 4711-0815. Fehler tritt weiterhin auf.",
    "Tried in a private window – same result.",
)
CUSTOMER_THANKS: tuple[str, ...] = (
    "Works again, thank you!",
    "Danke, funktioniert wieder.",
    "Confirmed fixed on our side. Thanks for the quick help.",
)
AGENT_FIRST_RESPONSES: tuple[str, ...] = (
    "Hi {first}, thanks for reporting. We are looking into it and will update you within the hour.",
    "Hello {first}, we can reproduce the problem and have involved the service team.",
    "Hallo {first}, danke für die Meldung. Wir prüfen das gerade und melden uns.",
    "Hi {first}, we're on it. Could you tell us roughly how many customers are affected?",
)
AGENT_QUESTIONS: tuple[str, ...] = (
    "Hi {first}, could you send us a screenshot and the customer number of one affected record?",
    "Hallo {first}, können Sie uns bitte die Händlernummer und den Zeitpunkt des Fehlers nennen?",
    "Hi {first}, which browser and version are you using? Does it also happen in a private window?",
)
AGENT_UPDATES: tuple[str, ...] = (
    "Update: a fix is being deployed, we'll confirm once it is live.",
    "Update: the service team has identified the cause; workaround in place.",
    "Zwischenstand: Der Fehler ist eingegrenzt, die Korrektur wird getestet.",
)
AGENT_RESOLUTIONS: tuple[str, ...] = (
    "The fix is live. Please let us know if you still see the problem.",
    "Resolved: the sync job was restarted and the backlog has been processed.",
    "Gelöst: Die Konfiguration wurde korrigiert. Bitte kurz bestätigen.",
    "Workaround documented in KB-1042; the permanent fix follows with the next release.",
)
INTERNAL_NOTES: tuple[str, ...] = (
    "Checked Grafana: error rate spiked at the time of the last deployment. Suspect release 2.14.3.",
    "Paged the on-call of the service team, waiting for ack.",
    "Looks like the same root cause as last week's incident. Linking the problem ticket.",
    "Intern: Rollback wäre möglich, braucht aber Freigabe vom Change Manager.",
    "Vendor ticket opened with the SMS provider (case 00482913).",
    "DB connection pool exhausted on crm-db-2; raised the limit temporarily.",
    "Not customer-facing yet; keep an eye on the consumer lag.",
)
ESCALATION_NOTES: tuple[str, ...] = (
    "Escalating to the service team: beyond L1 runbook, needs a code or config change.",
    "Eskaliert an L2 – Runbook-Schritte ohne Erfolg durchgeführt.",
    "Escalated: affects several dealers, needs the team's on-call engineer.",
)
PENDING_NOTES: tuple[str, ...] = (
    "Pending: waiting for the vendor's hotfix (ETA tomorrow).",
    "Pending the emergency change CHG-2207 approval.",
    "Wartet auf Rückmeldung des Rechenzentrums.",
)


def first_name(display_name: str) -> str:
    return display_name.split()[0]


def fill(text: str, *, first: str = "", org: str = "") -> str:
    return text.replace("{first}", first).replace("{org}", org or "our dealership")


def description(rng: random.Random, template: Template, org: str) -> dict[str, Any]:
    """An incident description as the reporter might write it: context, observations, maybe a log line."""
    observations = rng.sample(OBSERVATIONS[template.service], k=rng.randint(2, 3))
    if template.de:
        intro = f"Meldung von {org}: {template.summary}."
        impact = "Auswirkung: Mitarbeitende können Kundenanfragen nicht bearbeiten."
    else:
        intro = f"Reported by {org}: {template.summary}."
        impact = rng.choice(
            (
                "Impact: dealers cannot serve customers at the counter.",
                "Impact: customers notice it in the app.",
                "Impact: internal users only, a workaround exists.",
                "Impact: unclear so far, possibly all markets.",
            )
        )
    blocks = [adf.paragraph(intro), adf.paragraph(impact), adf.bullet_list(observations)]
    if rng.random() < 0.4:
        blocks.append(adf.code_block(LOG_LINES[template.service], "text"))
    return adf.doc(*blocks)


def short_description(text: str) -> dict[str, Any]:
    """A one-paragraph description (bulk data for `large`)."""
    return adf.doc(adf.paragraph(text))


def generated_template(rng: random.Random, services: tuple[str, ...] | None = None) -> Template:
    """A combinatorial incident (summary from symptom x scope x suffix) with a skewed priority."""
    service = rng.choice(services or tuple(SYMPTOMS))
    symptom = rng.choice(SYMPTOMS[service])
    summary = f"{symptom} {rng.choice(SCOPES)}{rng.choice(SUFFIXES)}"
    priority = rng.choices([p for p, _ in PRIORITY_WEIGHTS], weights=[w for _, w in PRIORITY_WEIGHTS])[0]
    labels: tuple[str, ...] = ()
    if "dealer" in summary.lower() or service == DEALER:
        labels = ("dealer",)
    if service in (CONSENT, PREFS) and rng.random() < 0.5:
        labels = (*labels, "gdpr")
    if priority in (HIGHEST, HIGH) and rng.random() < 0.5:
        labels = (*labels, "customer-impact")
    de = any(ch in summary for ch in "äöüßÄÖÜ") or " wird " in summary or "nicht" in summary
    return Template(summary, service, priority, labels, de)


def text_doc(text: str) -> dict[str, Any]:
    return adf.from_text(text)
