"""The German catalog: English message id -> {"de": German} (and "en" where the id is symbolic).

German is on-call German as spoken in German ops teams: "übernehmen", "zuweisen", "Incident", "Queue".
Placeholders must match the English text exactly (tests/test_i18n.py checks).
"""

from __future__ import annotations

from oncall_tui.i18n.catalog_cache import CACHE_MESSAGES
from oncall_tui.i18n.catalog_errors import ERROR_MESSAGES
from oncall_tui.i18n.catalog_escalation import ESCALATION_MESSAGES
from oncall_tui.i18n.catalog_oncall import ONCALL_MESSAGES
from oncall_tui.i18n.catalog_pane import PANE_MESSAGES

MESSAGES: dict[str, dict[str, str]] = {
    # ---- commands and what became of them (sync/pipeline.py) --------------------------------------------
    "{description}: waiting ({error}); it is sent by itself when Jira answers.": {
        "de": "{description}: wartet ({error}); wird von selbst gesendet, sobald Jira antwortet."
    },
    "{description}: {error} It may have gone through: {key} is checked before anything is sent again.": {
        "de": "{description}: {error} Es ist vielleicht angekommen: {key} wird geprüft, bevor erneut gesendet wird."
    },
    "{description}: dropped": {"de": "{description}: verworfen"},
    "{description}: Jira could not tell whether it went through: check {key}.": {
        "de": "{description}: Jira konnte nicht sagen, ob es angekommen ist: bitte {key} prüfen."
    },
    "nobody": {"de": "niemand"},
    "{count} to decide (w)": {"de": "{count} zu entscheiden (w)"},
    "damaged": {"de": "beschädigt"},
    "locked by another process": {"de": "von einem anderen Prozess gesperrt"},
    "not writable": {"de": "nicht beschreibbar"},
    "written by a newer oncall-tui": {"de": "von einem neueren oncall-tui geschrieben"},
    "the disk refused": {"de": "die Platte verweigert das Schreiben"},
    "{description}: oncall-tui stopped while it was on its way; {key} is checked before anything is sent again.": {
        "de": "{description}: oncall-tui wurde beendet, während es unterwegs war; {key} wird geprüft, bevor erneut "
        "gesendet wird."
    },
    "{count} failed (w)": {"de": "{count} fehlgeschlagen (w)"},
    "Saved copy as of {time}; asking Jira…": {"de": "Gespeicherter Stand {time}; Jira wird gefragt…"},
    "Sending broke down unexpectedly ({error}).": {"de": "Das Senden ist unerwartet abgebrochen ({error})."},
    "they are sent when oncall-tui starts again": {"de": "sie werden beim nächsten Start von oncall-tui gesendet"},
    "the outbox cannot be saved: they are lost": {
        "de": "der Postausgang kann nicht gespeichert werden: sie gehen verloren"
    },
    "{count} writes not yet in Jira ({keys}): {kept}.": {
        "de": "{count} Änderungen noch nicht in Jira ({keys}): {kept}."
    },
    "Unsent comment draft on {keys} (c to open it).": {"de": "Ungesendeter Kommentarentwurf zu {keys} (c öffnet ihn)."},
    "Press q again to quit anyway.": {"de": "Nochmals q drücken, um trotzdem zu beenden."},
    "Writes cannot be saved to {path} ({detail}): from now on they are not protected against a crash. "
    "Quitting with writes waiting loses them.": {
        "de": "Änderungen können nicht in {path} gespeichert werden ({detail}): sie sind ab jetzt nicht gegen "
        "einen Absturz geschützt. Beenden mit wartenden Änderungen verliert sie."
    },
    "Writes not yet in Jira": {"de": "Änderungen, die noch nicht in Jira sind"},
    "Nothing waiting: every write is in Jira.": {"de": "Nichts wartet: alle Änderungen sind in Jira."},
    "{description} anyway?": {"de": "{description} trotzdem?"},
    "y send anyway · d drop · esc later (w lists it)": {
        "de": "y trotzdem senden · d verwerfen · esc später (w listet es)"
    },
    "writes waiting": {"de": "wartende Änderungen"},
    "Resend": {"de": "Erneut senden"},
    "Edit and resend": {"de": "Bearbeiten und senden"},
    "Drop": {"de": "Verwerfen"},
    "Send anyway": {"de": "Trotzdem senden"},
    "Copy text": {"de": "Text kopieren"},
    "Later": {"de": "Später"},
    "command list": {"de": "Änderungsliste"},
    "conflict question": {"de": "Konfliktfrage"},
    "the assignee": {"de": "die Zuweisung"},
    "the status": {"de": "der Status"},
    "the priority": {"de": "die Priorität"},
    "{key} changed since you acted: {field} is now {now} (you saw: {seen}).": {
        "de": "{key} hat sich geändert, seit Sie gehandelt haben: {field} ist jetzt {now} (Sie sahen: {seen})."
    },
    "command.queued": {"en": "queued", "de": "wartet"},
    "command.sending": {"en": "sending", "de": "wird gesendet"},
    "command.confirmed": {"en": "done", "de": "erledigt"},
    "command.failed": {"en": "failed", "de": "fehlgeschlagen"},
    "command.uncertain": {"en": "uncertain", "de": "unklar"},
    "command.conflict": {"en": "conflict", "de": "Konflikt"},
    "command.dropped": {"en": "dropped", "de": "verworfen"},
    "{description}: {error}": {"de": "{description}: {error}"},
    "{description} failed: {error}": {"de": "{description} fehlgeschlagen: {error}"},
    "{description}: done": {"de": "{description}: erledigt"},
    "{description}: done (confirmed after a connection problem)": {
        "de": "{description}: erledigt (nach einem Verbindungsproblem bestätigt)"
    },
    "{description} failed: {error} {key} does not show it: not done.": {
        "de": "{description} fehlgeschlagen: {error} {key} zeigt es nicht: nicht erledigt."
    },
    "{description}: {error} It may have gone through: check {key} before trying again": {
        "de": "{description}: {error} Es ist vielleicht doch angekommen: erst {key} prüfen, dann erneut versuchen"
    },
    "your text is kept": {"de": "Ihr Text bleibt erhalten"},
    "Who you are is not known yet (not connected).": {"de": "Noch nicht bekannt, wer Sie sind (nicht verbunden)."},
    "Take {key}": {"de": "{key} übernehmen"},
    "Assign {key} to {name}": {"de": "{key} an {name} zuweisen"},
    "Unassign {key}": {"de": "Zuweisung von {key} aufheben"},
    "Add public reply to {key}": {"de": "Öffentliche Antwort zu {key}"},
    "Add internal comment to {key}": {"de": "Interner Kommentar zu {key}"},
    "Set priority of {key} to {priority}": {"de": "Priorität von {key} auf {priority} setzen"},
    # {transition} is the workflow's own name for it, as Jira sends it ("Resolve").
    "{transition} {key}": {"de": "{key}: {transition}"},
    # ---- SLA states (glyphs are added by display.py) -------------------------------------------------------
    "running": {"de": "läuft"},
    "at risk": {"de": "gefährdet"},
    "breached": {"de": "verletzt"},
    "paused": {"de": "pausiert"},
    "outside hours": {"de": "außerhalb der Servicezeit"},
    "met": {"de": "erfüllt"},
    "failed": {"de": "nicht erfüllt"},
    # The table's SLA cell has 9 columns: a glyph, a space and at most 7 letters.
    "short.outside hours": {"en": "outside hours", "de": "außerh."},
    "short.failed": {"en": "failed", "de": "zu spät"},
    # ---- relative times and dates --------------------------------------------------------------------------
    "{seconds}s": {"de": "{seconds} s"},
    "{minutes} min": {"de": "{minutes} Min."},
    "{hours} h {minutes} min": {"de": "{hours} Std. {minutes} Min."},
    "{days} d {hours} h": {"de": "{days} Tg. {hours} Std."},
    "{time} ago": {"de": "vor {time}"},
    "in {time}": {"de": "in {time}"},
    "{weekday} {day} {month} {time}": {"de": "{weekday} {day}. {month} {time}"},
    "{weekday} {time}": {"de": "{weekday} {time}"},
    "tomorrow {time}": {"de": "morgen {time}"},
    "yesterday {time}": {"de": "gestern {time}"},
    "just now": {"de": "gerade eben"},
    "Mon": {"de": "Mo"},
    "Tue": {"de": "Di"},
    "Wed": {"de": "Mi"},
    "Thu": {"de": "Do"},
    "Fri": {"de": "Fr"},
    "Sat": {"de": "Sa"},
    "Sun": {"de": "So"},
    "Jan": {"de": "Jan"},
    "Feb": {"de": "Feb"},
    "Mar": {"de": "Mär"},
    "Apr": {"de": "Apr"},
    "May": {"de": "Mai"},
    "Jun": {"de": "Jun"},
    "Jul": {"de": "Jul"},
    "Aug": {"de": "Aug"},
    "Sep": {"de": "Sep"},
    "Oct": {"de": "Okt"},
    "Nov": {"de": "Nov"},
    "Dec": {"de": "Dez"},
    # ---- status bar ------------------------------------------------------------------------------------------
    # The glyphs before these words come from the status bar (ASCII stand-ins where needed).
    "live": {"de": "live"},
    "stale": {"de": "veraltet"},
    "offline": {"de": "offline"},
    "connecting…": {"de": "verbinde…"},
    "rate-limited": {"de": "Ratenlimit"},
    "login refused": {"de": "Anmeldung abgelehnt"},
    "access denied": {"de": "kein Zugriff"},
    "JQL refused": {"de": "JQL abgelehnt"},
    "login page instead of Jira": {"de": "Login-Seite statt Jira"},
    "Jira too slow": {"de": "Jira zu langsam"},
    "connection lost": {"de": "Verbindung abgerissen"},
    "network error": {"de": "Netzwerkfehler"},
    "not found (HTTP 404)": {"de": "nicht gefunden (HTTP 404)"},
    "Jira error (HTTP {status})": {"de": "Jira-Fehler (HTTP {status})"},
    "Jira error": {"de": "Jira-Fehler"},
    "retrying…": {"de": "neuer Versuch läuft…"},
    "next try in {seconds} s": {"de": "nächster Versuch in {seconds} s"},
    "retry in {seconds} s": {"de": "neuer Versuch in {seconds} s"},
    "data {age} old": {"de": "Daten {age} alt"},
    # The degraded-mode banner over the table: "offline since 12:03 · data from 12:02 · 2 queued · retrying in 8 s".
    "{what} since {time}": {"de": "{what} seit {time}"},
    "data from {time}": {"de": "Daten von {time}"},
    "{count} queued": {"de": "{count} in der Warteschlange"},
    "retrying in {seconds} s": {"de": "neuer Versuch in {seconds} s"},
    "Jira answers again.": {"de": "Jira antwortet wieder."},
    "Polling again in {seconds} s by itself; r tries now.": {
        "de": "Neue Abfrage von selbst in {seconds} s; r versucht es sofort."
    },
    "updated {seconds} s ago": {"de": "aktualisiert vor {seconds} s"},
    "updated {minutes} min ago": {"de": "aktualisiert vor {minutes} Min."},
    "{minutes}m": {"de": "{minutes} Min."},
    "read-only": {"de": "schreibgeschützt"},
    # ---- queue table -----------------------------------------------------------------------------------------
    "Key": {"de": "Key"},
    "P": {"de": "P"},
    "Status": {"de": "Status"},
    "Assignee": {"de": "Zuständig"},
    "SLA": {"de": "SLA"},
    "Age": {"de": "Alter"},
    "Summary": {"de": "Zusammenfassung"},
    "unassigned": {"de": "nicht zugewiesen"},
    # The age column while the table is sorted by the last update (4 columns with the sort mark).
    "Upd": {"de": "Änd"},
    "Loading {queue}…": {"de": "{queue} wird geladen…"},
    "No incidents in {queue}.": {"de": "Keine Incidents in {queue}."},
    "Nothing in {queue} matches the filter.": {"de": "Nichts in {queue} passt zum Filter."},
    "Could not load {queue}: {error}": {"de": "{queue} konnte nicht geladen werden: {error}"},
    "Retrying in {seconds} s (r: now).": {"de": "Neuer Versuch in {seconds} s (r: sofort)."},
    "Retrying now…": {"de": "Neuer Versuch läuft…"},
    "Jira refuses the JQL of queue {queue}: {error}": {"de": "Jira lehnt die JQL der Queue {queue} ab: {error}"},
    # ---- detail and contacts panes ---------------------------------------------------------------------------
    "Select an incident": {"de": "Incident auswählen"},
    "No incident selected": {"de": "Kein Incident ausgewählt"},
    "No SLA applies": {"de": "Kein SLA"},
    "{time} left": {"de": "noch {time}"},
    "{time} over": {"de": "{time} überzogen"},
    "goal {goal} · elapsed {elapsed}": {"de": "Ziel {goal} · bisher {elapsed}"},
    "breach {time}": {"de": "Frist {time}"},
    "Reporter": {"de": "Melder"},
    "Service": {"de": "Service"},
    "Labels": {"de": "Labels"},
    "Created": {"de": "Erstellt"},
    "Updated": {"de": "Geändert"},
    "Description": {"de": "Beschreibung"},
    "Latest comments ({count})": {"de": "Neueste Kommentare ({count})"},
    "public": {"de": "öffentlich"},
    "internal": {"de": "intern"},
    "sending…": {"de": "wird gesendet…"},
    "cut here: longer than oncall-tui shows; the whole text is in Jira": {
        "de": "hier gekürzt: länger, als oncall-tui zeigt; der ganze Text steht in Jira"
    },
    "Description and comments could not be read: {error}": {
        "de": "Beschreibung und Kommentare konnten nicht gelesen werden: {error}"
    },
    "Description and comments as of {time}; reading them again failed: {error}": {
        "de": "Beschreibung und Kommentare vom Stand {time}; erneutes Lesen fehlgeschlagen: {error}"
    },
    "Trying again with the next poll (r: now).": {"de": "Neuer Versuch mit der nächsten Abfrage (r: sofort)."},
    "loading {received}": {"de": "lädt {received}"},
    "loading {received} of {expected}": {"de": "lädt {received} von {expected}"},
    "Escalation: {service}": {"de": "Eskalation: {service}"},
    "Project lead": {"de": "Projektleiter"},
    "No lead named in Jira": {"de": "Kein Verantwortlicher in Jira hinterlegt"},
    # ---- keys: footer, help, command palette -----------------------------------------------------------------
    "assign": {"de": "zuweisen"},
    "take": {"de": "übernehmen"},
    "comment": {"de": "kommentieren"},
    "escalate": {"de": "eskalieren"},
    "transition": {"de": "Status ändern"},
    "prio": {"de": "Priorität"},
    "filter": {"de": "Filter"},
    "sort": {"de": "sortieren"},
    "refresh": {"de": "aktualisieren"},
    "copy key": {"de": "Key kopieren"},
    "copy URL": {"de": "URL kopieren"},
    "open": {"de": "öffnen"},
    # The footer at 80 columns has room for about 70 characters of keys and words.
    "short.comment": {"en": "comment", "de": "Kommentar"},
    "short.transition": {"en": "transition", "de": "Status"},
    "short.prio": {"en": "prio", "de": "Prio"},
    "queue {number}": {"de": "Queue {number}"},
    "clear filter": {"de": "Filter löschen"},
    "switch queue": {"de": "Queue wechseln"},
    "help": {"de": "Hilfe"},
    "quit": {"de": "Beenden"},
    "command palette": {"de": "Befehlspalette"},
    # Textual's own app bindings, shown in our footer.
    "palette": {"de": "Befehle"},
    "Quit": {"de": "Beenden"},
    "Focus Next": {"de": "Nächstes Feld"},
    "Focus Previous": {"de": "Vorheriges Feld"},
    "Copy selected text": {"de": "Markierten Text kopieren"},
    "Incident action: {action}": {"de": "Incident-Aktion: {action}"},
    "Queue: {name}": {"de": "Queue: {name}"},
    "Switch to queue {number}": {"de": "Zu Queue {number} wechseln"},
    "Keys": {"de": "Tasten"},
    # Where a binding applies (the key help's sections; oncall_tui.keys.Scope).
    "main screen": {"de": "Hauptansicht"},
    "comment dialog": {"de": "Kommentar"},
    "pick dialog": {"de": "Auswahlliste"},
    "assign dialog": {"de": "Zuweisen"},
    "help dialog": {"de": "Hilfe"},
    "confirmation": {"de": "Rückfrage"},
    "Every binding has an id; override keys in the config's [keymap] table.": {
        "de": "Jede Tastenbelegung hat eine ID; Tasten lassen sich in der Tabelle [keymap] der Konfiguration ändern."
    },
    "ctrl+p opens the command palette with every action.": {
        "de": "ctrl+p öffnet die Befehlspalette mit allen Aktionen."
    },
    # ---- dialogs ---------------------------------------------------------------------------------------------
    "Send": {"de": "Senden"},
    "Public/internal": {"de": "Öffentlich/intern"},
    "Cancel (keeps draft)": {"de": "Abbrechen (Entwurf bleibt)"},
    "Cancel": {"de": "Abbrechen"},
    "Results": {"de": "Ergebnisse"},
    "Close": {"de": "Schließen"},
    "Comment on {key}": {"de": "Kommentar zu {key}"},
    "ctrl+s send · ctrl+t public/internal · esc cancel (draft kept)": {
        "de": "ctrl+s senden · ctrl+t öffentlich/intern · esc abbrechen (Entwurf bleibt)"
    },
    "● PUBLIC reply — the customer sees this": {"de": "● ÖFFENTLICHE Antwort — der Kunde sieht sie"},
    "○ internal note — agents only": {"de": "○ interne Notiz — nur für Bearbeiter"},
    "The comment is empty.": {"de": "Der Kommentar ist leer."},
    "Sending…": {"de": "Wird gesendet…"},
    "Sending broke down unexpectedly; your text is kept.": {
        "de": "Das Senden ist unerwartet abgebrochen; der Text bleibt erhalten."
    },
    "No": {"de": "Nein"},
    "{key} is {name}'s. Take it? {yes}/esc": {"de": "{key} gehört {name}. Übernehmen? {yes}/esc"},
    "enter choose · esc cancel": {"de": "enter auswählen · esc abbrechen"},
    "Nothing to choose from": {"de": "Nichts zur Auswahl"},
    " (needs resolution)": {"de": " (Lösung erforderlich)"},
    "Assign {key} to…": {"de": "{key} zuweisen an…"},
    "type a name or e-mail": {"de": "Name oder E-Mail eingeben"},
    "type to search · ↓ to the list · enter choose · esc cancel": {
        "de": "tippen zum Suchen · ↓ zur Liste · enter auswählen · esc abbrechen"
    },
    "Searching…": {"de": "Suche läuft…"},
    "No assignable user matches": {"de": "Kein zuweisbarer Benutzer gefunden"},
    "Transition {key}": {"de": "Status von {key} ändern"},
    "Resolution for {key}": {"de": "Lösung für {key}"},
    "Priority of {key}": {"de": "Priorität von {key}"},
    # ---- notifications ---------------------------------------------------------------------------------------
    "Error": {"de": "Fehler"},
    "Something went wrong inside oncall-tui: {error}": {"de": "In oncall-tui ist etwas schiefgegangen: {error}"},
    "New {priority}: {key}": {"de": "Neu: {priority} {key}"},
    "{count} new P1/P2 incidents: {keys}": {"de": "{count} neue P1/P2-Incidents: {keys}"},
    "SLA at risk: {key}": {"de": "SLA gefährdet: {key}"},
    "{count} SLAs at risk: {keys}": {"de": "{count} SLAs gefährdet: {keys}"},
    "SLA breached: {key}": {"de": "SLA verletzt: {key}"},
    "{count} SLAs breached: {keys}": {"de": "{count} SLAs verletzt: {keys}"},
    "Escalation due: {key}": {"de": "Eskalation fällig: {key}"},
    "{count} incidents due for escalation: {keys}": {"de": "{count} Incidents zur Eskalation fällig: {keys}"},
    "{count} due": {"de": "{count} fällig"},
    "quiet": {"de": "stumm"},
    "Quiet: no bell, no desktop notifications.": {"de": "Stumm: keine Glocke, keine Desktop-Benachrichtigungen."},
    "Notifications on again.": {"de": "Benachrichtigungen wieder an."},
    "The watched queue {queue} could not be checked: {error}\nNo bell for it until it works again.": {
        "de": "Die beobachtete Queue {queue} konnte nicht geprüft werden: {error}\n"
        "Kein Signalton für sie, bis das wieder geht."
    },
    "A poll has been waiting for Jira for {seconds} s; a new one starts when it ends.": {
        "de": "Eine Abfrage wartet seit {seconds} s auf Jira; eine neue beginnt, sobald sie endet."
    },
    "{key} left this queue; the selection moved.": {
        "de": "{key} ist nicht mehr in dieser Queue; die Auswahl wurde verschoben."
    },
    "No incident selected.": {"de": "Kein Incident ausgewählt."},
    "The selection just moved to {key}: press the key again to act on it.": {
        "de": "Die Auswahl ist gerade auf {key} gesprungen: zum Bearbeiten die Taste noch einmal drücken."
    },
    "User search failed: {error}": {"de": "Benutzersuche fehlgeschlagen: {error}"},
    "A comment on {key} is still being sent.": {"de": "Ein Kommentar zu {key} wird noch gesendet."},
    "Your text is kept: press c to retry.": {"de": "Der Text bleibt erhalten: mit c erneut versuchen."},
    "Could not load transitions of {key}: {error}": {
        "de": "Statusübergänge von {key} konnten nicht geladen werden: {error}"
    },
    "Could not load priorities: {error}": {"de": "Prioritäten konnten nicht geladen werden: {error}"},
    "Sorted by {mode}": {"de": "Sortiert nach {mode}"},
    "sort.breach": {"en": "breach", "de": "SLA-Frist"},
    "sort.priority": {"en": "priority", "de": "Priorität"},
    "sort.updated": {"en": "updated", "de": "Änderung"},
    "sort.created": {"en": "created", "de": "Erstellung"},
    "sort.key": {"en": "key", "de": "Key"},
    "Copied {what}": {"de": "{what} kopiert"},
    "{url}\n(copied to your clipboard)": {"de": "{url}\n(in die Zwischenablage kopiert)"},
    "filter: words in key, summary, status, assignee, service, label": {
        "de": "Filter: Wörter aus Key, Zusammenfassung, Status, Zuständig, Service, Label"
    },
}

MESSAGES.update(ERROR_MESSAGES)  # the jira layer's messages (catalog_errors.py)
MESSAGES.update(CACHE_MESSAGES)  # the snapshot cache's messages (catalog_cache.py)
MESSAGES.update(ESCALATION_MESSAGES)  # the escalate action (catalog_escalation.py)
MESSAGES.update(PANE_MESSAGES)  # the escalation pane's words (catalog_pane.py)
MESSAGES.update(ONCALL_MESSAGES)  # why an escalation level shows the Jira leads (catalog_oncall.py)
