"""German for the escalate action: the dialog, the commands' progress, the texts written to Jira."""

from __future__ import annotations

ESCALATION_MESSAGES: dict[str, dict[str, str]] = {
    "A reason is required: it goes into the internal comment and the history.": {
        "de": "Ein Grund ist nötig: er steht im internen Kommentar und im Verlauf."
    },
    "Choose a level to escalate to.": {"de": "Eine Stufe wählen, auf die eskaliert wird."},
    "De-escalate {key} to {level}": {"de": "{key} zurückstufen auf {level}"},
    "De-escalated to {level} by {name} with oncall-tui.\nReason: {reason}": {
        "de": "Zurückgestuft auf {level} von {name} mit oncall-tui.\nGrund: {reason}"
    },
    "Escalate {count} incidents, one reason": {"de": "{count} Incidents eskalieren, ein Grund"},
    "Escalate {key} to {level}": {"de": "{key} eskalieren auf {level}"},
    "Escalate {key} · policy {policy}": {"de": "{key} eskalieren · Richtlinie {policy}"},
    "Escalated to {level} ({people}) by {name} with oncall-tui.\nReason: {reason}": {
        "de": "Eskaliert auf {level} ({people}) von {name} mit oncall-tui.\nGrund: {reason}"
    },
    "Internal comment with the reason": {"de": "Interner Kommentar mit dem Grund"},
    "Mention the level's contacts": {"de": "Kontakte der Stufe erwähnen"},
    "Mention {names}": {"de": "{names} erwähnen"},
    "Page the level through JSM Ops": {"de": "Die Stufe über JSM Ops alarmieren"},
    "Page {team} through JSM Ops": {"de": "{team} über JSM Ops alarmieren"},
    "Page: not available (no JSM Ops on this site)": {
        "de": "Alarmieren: nicht verfügbar (kein JSM Ops auf dieser Site)"
    },
    "Raise priority to {priority}": {"de": "Priorität erhöhen auf {priority}"},
    "Raise the priority (where the level says so)": {"de": "Priorität erhöhen (wo die Stufe es vorsieht)"},
    "Reason (required, goes into the internal comment)": {"de": "Grund (nötig, steht im internen Kommentar)"},
    "Reassign to the level's contact (where the level says so)": {
        "de": "Dem Kontakt der Stufe zuweisen (wo die Stufe es vorsieht)"
    },
    "Reassign to {name}": {"de": "{name} zuweisen"},
    "Transition (where the level says so)": {"de": "Statusübergang (wo die Stufe es vorsieht)"},
    "Transition: {name}": {"de": "Statusübergang: {name}"},
    "nobody known": {"de": "niemand bekannt"},
    "tab next · space switch · ctrl+s escalate · esc cancel": {
        "de": "Tab weiter · Leertaste umschalten · Strg+s eskalieren · Esc abbrechen"
    },
    "the escalation level": {"de": "die Eskalationsstufe"},
    "{description} failed at {step}: {error}\n{progress}; a resend (w, r) carries on from there.": {
        "de": "{description} fehlgeschlagen bei {step}: {error}\n{progress}; erneut senden (w, r) macht dort weiter."
    },
    "{done} of {total} steps done": {"de": "{done} von {total} Schritten erledigt"},
    "{done} of {total} steps done · next: {step}": {
        "de": "{done} von {total} Schritten erledigt · als Nächstes: {step}"
    },
    "{key}: {level} → {target} ({people})": {"de": "{key}: {level} → {target} ({people})"},
    "{key}: {level}, the last level: left as it is": {"de": "{key}: {level}, die letzte Stufe: bleibt, wie es ist"},
    "{level} of {key}, paged by {name}: {reason}\n{url}": {
        "de": "{level} für {key}, alarmiert von {name}: {reason}\n{url}"
    },
    "{level}: there is no other level in this policy.": {"de": "{level}: diese Richtlinie hat keine andere Stufe."},
    # The steps of an escalation, as its progress names them.
    "reassigning": {"de": "Zuweisen"},
    "raising the priority": {"de": "Priorität erhöhen"},
    "moving it on (transition)": {"de": "Statusübergang"},
    "labelling": {"de": "Label setzen"},
    "the internal comment": {"de": "interner Kommentar"},
    "paging through JSM Ops": {"de": "Alarmieren über JSM Ops"},
    "recording the level": {"de": "Stufe festhalten"},
    # The Jira-leads policy (no policy configured) and its levels.
    "Jira names nobody for this level": {"de": "Jira nennt für diese Stufe niemanden"},
    "Asking Jira for the leads…": {"de": "Jira wird nach den Leads gefragt…"},
    "Component lead": {"de": "Komponenten-Lead"},
    # Why a step of an escalation cannot be done.
    "Paging needs JSM Ops, which this Jira site does not offer; nobody was paged.": {
        "de": "Alarmieren braucht JSM Ops, das diese Jira-Site nicht anbietet; niemand wurde alarmiert."
    },
    "Call the level's contact instead (their phone is in the escalation pane).": {
        "de": "Stattdessen den Kontakt der Stufe anrufen (die Telefonnummer steht in der Eskalationsliste)."
    },
    "The transition {name} is not available for {key} now.": {
        "de": "Der Statusübergang {name} ist für {key} gerade nicht möglich."
    },
    "Resend without it, or move the issue in Jira first.": {
        "de": "Ohne ihn erneut senden oder den Vorgang zuerst in Jira weiterschieben."
    },
    "mark": {"de": "markieren"},
    "Skip the failed step": {"de": "Fehlgeschlagenen Schritt auslassen"},
    "skipped: {steps}": {"de": "ausgelassen: {steps}"},
    "r resend · e edit · s skip step · d drop · g send anyway · y copy text · esc close": {
        "de": "r erneut senden · e bearbeiten · s Schritt auslassen · d verwerfen · g trotzdem senden · "
        "y Text kopieren · esc schließen"
    },
    "Escalate": {"de": "Eskalieren"},
}
