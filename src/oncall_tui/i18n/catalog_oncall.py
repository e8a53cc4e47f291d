"""German for why an escalation level shows the Jira leads (`oncall_tui.sync.oncall_problems.PROBLEMS`).

Same shape as catalog.MESSAGES, merged into it there; tests/test_sync_oncall.py checks that every problem the
resolver can report is here with the same placeholders.
"""

from __future__ import annotations

ONCALL_MESSAGES: dict[str, dict[str, str]] = {
    "JSM Ops is not connected; showing the Jira leads.": {
        "de": "JSM Ops ist nicht verbunden; angezeigt werden die Jira-Leads."
    },
    "JSM Ops is not connected, and no Jira lead is known either.": {
        "de": "JSM Ops ist nicht verbunden, und auch kein Jira-Lead ist bekannt."
    },
    "Jira Data Center has no JSM Ops; showing the Jira leads.": {
        "de": "Jira Data Center hat kein JSM Ops; angezeigt werden die Jira-Leads."
    },
    "Jira Data Center has no JSM Ops, and no Jira lead is known either.": {
        "de": "Jira Data Center hat kein JSM Ops, und auch kein Jira-Lead ist bekannt."
    },
    "This Jira site has no JSM Ops; showing the Jira leads.": {
        "de": "Diese Jira-Site hat kein JSM Ops; angezeigt werden die Jira-Leads."
    },
    "This Jira site has no JSM Ops, and no Jira lead is known either.": {
        "de": "Diese Jira-Site hat kein JSM Ops, und auch kein Jira-Lead ist bekannt."
    },
    "JSM Ops does not let you see {what}; showing the Jira leads.": {
        "de": "JSM Ops lässt Sie {what} nicht sehen; angezeigt werden die Jira-Leads."
    },
    "JSM Ops does not let you see {what}, and no Jira lead is known either.": {
        "de": "JSM Ops lässt Sie {what} nicht sehen, und auch kein Jira-Lead ist bekannt."
    },
    "JSM Ops has no schedule {what}; showing the Jira leads.": {
        "de": "JSM Ops hat keinen Bereitschaftsplan {what}; angezeigt werden die Jira-Leads."
    },
    "JSM Ops has no schedule {what}, and no Jira lead is known either.": {
        "de": "JSM Ops hat keinen Bereitschaftsplan {what}, und auch kein Jira-Lead ist bekannt."
    },
    "JSM Ops has no team {what}; showing the Jira leads.": {
        "de": "JSM Ops hat kein Team {what}; angezeigt werden die Jira-Leads."
    },
    "JSM Ops has no team {what}, and no Jira lead is known either.": {
        "de": "JSM Ops hat kein Team {what}, und auch kein Jira-Lead ist bekannt."
    },
    "JSM Ops team {what} has no escalation policy {name}; showing the Jira leads.": {
        "de": "Das JSM-Ops-Team {what} hat keine Eskalationsrichtlinie {name}; angezeigt werden die Jira-Leads."
    },
    "JSM Ops team {what} has no escalation policy {name}, and no Jira lead is known either.": {
        "de": "Das JSM-Ops-Team {what} hat keine Eskalationsrichtlinie {name}, und auch kein Jira-Lead ist bekannt."
    },
    "JSM Ops could not be read for {what}; showing the Jira leads.": {
        "de": "JSM Ops war für {what} nicht lesbar; angezeigt werden die Jira-Leads."
    },
    "JSM Ops could not be read for {what}, and no Jira lead is known either.": {
        "de": "JSM Ops war für {what} nicht lesbar, und auch kein Jira-Lead ist bekannt."
    },
    "The config has no rota {what}; showing the Jira leads.": {
        "de": "Die Konfiguration hat keinen Bereitschaftsplan {what}; angezeigt werden die Jira-Leads."
    },
    "The config has no rota {what}, and no Jira lead is known either.": {
        "de": "Die Konfiguration hat keinen Bereitschaftsplan {what}, und auch kein Jira-Lead ist bekannt."
    },
    "Rota {what} starts only at {start}; showing the Jira leads.": {
        "de": "Der Bereitschaftsplan {what} beginnt erst {start}; angezeigt werden die Jira-Leads."
    },
    "Rota {what} starts only at {start}, and no Jira lead is known either.": {
        "de": "Der Bereitschaftsplan {what} beginnt erst {start}, und auch kein Jira-Lead ist bekannt."
    },
}
