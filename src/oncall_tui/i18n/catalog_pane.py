"""German for the escalation pane and its copy keys (ui/widgets/escalation.py).

Same shape as catalog.MESSAGES, merged into it there; kept apart so the parts of the escalation feature add
their words without all editing one table. Source names (JSM Ops) stay as Atlassian spells them.
"""

from __future__ import annotations

PANE_MESSAGES: dict[str, dict[str, str]] = {
    # ---- the pane -----------------------------------------------------------------------------------------
    "No escalation policy matches this incident": {"de": "Keine Eskalationsrichtlinie passt zu diesem Incident"},
    "Looking up who is on call…": {"de": "Rufbereitschaft wird ermittelt…"},
    "Level {number} of {count}": {"de": "Stufe {number} von {count}"},
    "escalate to:": {"de": "eskalieren an:"},
    "Nobody on call": {"de": "Niemand in Rufbereitschaft"},
    "until {time}": {"de": "bis {time}"},
    "on call until {time}": {"de": "Bereitschaft bis {time}"},
    "next: {name}": {"de": "dann: {name}"},
    "next: {name} from {time}": {"de": "dann: {name} ab {time}"},
    "night there": {"de": "dort Nacht"},
    "{phone} phone · {email} e-mail · {previous} {next} contact": {
        "de": "{phone} Telefon · {email} E-Mail · {previous} {next} Kontakt"
    },
    # Where a level's answer comes from (escalation_parts.SOURCE_WORDS).
    "JSM Ops schedule": {"de": "JSM-Ops-Dienstplan"},
    "JSM Ops team": {"de": "JSM-Ops-Team"},
    "config rota": {"de": "Dienstplan (Konfiguration)"},
    "fixed": {"de": "fest"},
    "Jira leads": {"de": "Verantwortliche in Jira"},
    # ---- the Jira leads as a one-level policy -----------------------------------------------------------------
    "Service and project leads": {"de": "Service- und Projektverantwortliche"},
    "The leads could not be read from Jira; trying again shortly": {
        "de": "Die Verantwortlichen konnten nicht aus Jira gelesen werden; neuer Versuch in Kürze"
    },
    # ---- the copy keys ------------------------------------------------------------------------------------
    "copy contact's phone": {"de": "Telefon des Kontakts kopieren"},
    "copy contact's e-mail": {"de": "E-Mail des Kontakts kopieren"},
    "next contact": {"de": "nächster Kontakt"},
    "previous contact": {"de": "voriger Kontakt"},
    "No contact to copy for this incident.": {"de": "Für diesen Incident gibt es keinen Kontakt zum Kopieren."},
    "{name} has no phone number.": {"de": "Für {name} ist keine Telefonnummer hinterlegt."},
    "{name} has no e-mail address.": {"de": "Für {name} ist keine E-Mail-Adresse hinterlegt."},
    "Copied the phone number of {name}: {what}": {"de": "Telefonnummer von {name} kopiert: {what}"},
    "Copied the e-mail address of {name}: {what}": {"de": "E-Mail-Adresse von {name} kopiert: {what}"},
    "Copy keys: {name} ({level})": {"de": "Kopiertasten: {name} ({level})"},
}
