"""German for every message and hint the Jira client (`oncall_tui.jira`) can produce.

Same shape as catalog.MESSAGES (English message id -> {"de": German}), merged into it there. The ids are
the `msgid(...)` templates of the jira layer; tests/test_jira_messages.py finds every one of them in the
source and fails when one has no German here or when the placeholders differ. Config keys (`url`, `jql`,
ca_bundle), environment variables and Jira's own names stay as they are: they are what the user types.
"""

from __future__ import annotations

ERROR_MESSAGES: dict[str, dict[str, str]] = {
    # ---- generic and per class (errors.py) ------------------------------------------------------------------
    "The request to Jira failed.": {"de": "Die Anfrage an Jira ist fehlgeschlagen."},
    "Jira did not accept the credentials.": {"de": "Jira hat die Zugangsdaten nicht akzeptiert."},
    "Jira did not accept the credentials (auth: basic (e-mail + API token)).": {
        "de": "Jira hat die Zugangsdaten nicht akzeptiert (Anmeldung: basic (E-Mail + API-Token))."
    },
    "Jira did not accept the credentials (auth: bearer (personal access token)).": {
        "de": "Jira hat die Zugangsdaten nicht akzeptiert (Anmeldung: bearer (Personal Access Token))."
    },
    "Check `email` and the API token in the config; tokens are made at "
    "https://id.atlassian.com/manage-profile/security/api-tokens": {
        "de": "`email` und den API-Token in der Konfiguration prüfen; Tokens werden unter "
        "https://id.atlassian.com/manage-profile/security/api-tokens erstellt"
    },
    "Check the personal access token (Jira: Profile > Personal Access Tokens); it may have expired or been revoked": {
        "de": "Personal Access Token prüfen (Jira: Profil > Personal Access Tokens); "
        "er ist vielleicht abgelaufen oder widerrufen"
    },
    "Jira now wants a CAPTCHA after failed log-ins: log in once in a browser, then retry": {
        "de": "Jira verlangt nach fehlgeschlagenen Anmeldungen ein CAPTCHA: einmal im Browser anmelden, "
        "dann erneut versuchen"
    },
    "Jira Cloud needs `email` in the [jira] section: it logs in with e-mail + API token.": {
        "de": "Jira Cloud braucht `email` im Abschnitt [jira]: die Anmeldung läuft über E-Mail + API-Token."
    },
    "Jira says you may not do that.": {"de": "Laut Jira dürfen Sie das nicht."},
    "Jira says you may not do that: {detail}": {"de": "Laut Jira dürfen Sie das nicht: {detail}"},
    "Ask a Jira admin for the project permission (e.g. 'Service Desk Agent')": {
        "de": "Einen Jira-Admin um die Projektberechtigung bitten (z. B. 'Service Desk Agent')"
    },
    "Jira could not find it, or you may not see it.": {
        "de": "Jira hat es nicht gefunden, oder Sie dürfen es nicht sehen."
    },
    "Jira could not find it.": {"de": "Jira hat es nicht gefunden."},
    "Jira could not find it: {detail}": {"de": "Jira hat es nicht gefunden: {detail}"},
    "Check `url` in the config (a Data Center Jira may live under a path such as /jira)": {
        "de": "`url` in der Konfiguration prüfen (ein Data-Center-Jira liegt oft unter einem Pfad wie /jira)"
    },
    "Jira rejected the JQL query.": {"de": "Jira hat die JQL-Abfrage abgelehnt."},
    "Jira rejected the JQL query: {detail}": {"de": "Jira hat die JQL-Abfrage abgelehnt: {detail}"},
    "Fix the queue's `jql` in the config; try it in Jira's issue search first": {
        "de": "`jql` der Queue in der Konfiguration korrigieren; am besten erst in Jiras Vorgangssuche ausprobieren"
    },
    "Jira refused the request.": {"de": "Jira hat die Anfrage abgelehnt."},
    "Jira refused the request: {detail}": {"de": "Jira hat die Anfrage abgelehnt: {detail}"},
    "This Jira no longer offers that API.": {"de": "Dieses Jira bietet diese API nicht mehr an."},
    "This Jira no longer offers that API: {detail}": {"de": "Dieses Jira bietet diese API nicht mehr an: {detail}"},
    "Check `deployment` in the config (cloud or datacenter) and update oncall-tui": {
        "de": "`deployment` in der Konfiguration prüfen (cloud oder datacenter) und oncall-tui aktualisieren"
    },
    "Jira is rate-limiting requests and asks to wait {seconds} s.": {
        "de": "Jira drosselt die Anfragen (Rate-Limit) und bittet, {seconds} s zu warten."
    },
    "Jira is rate-limiting requests; slow down.": {
        "de": "Jira drosselt die Anfragen (Rate-Limit); bitte seltener anfragen."
    },
    "Jira had an internal problem.": {"de": "Jira hatte ein internes Problem."},
    "Jira answered HTTP {status}: a problem on Jira's side or in a proxy before it.": {
        "de": "Jira hat mit HTTP {status} geantwortet: ein Problem bei Jira oder in einem Proxy davor."
    },
    "Usually temporary; check Jira's status page if it persists": {
        "de": "Meist vorübergehend; wenn es anhält, die Statusseite von Jira prüfen"
    },
    "Jira is temporarily unavailable (HTTP 503).": {"de": "Jira ist vorübergehend nicht verfügbar (HTTP 503)."},
    "Jira is temporarily unavailable (HTTP 503) and asks to wait {seconds} s.": {
        "de": "Jira ist vorübergehend nicht verfügbar (HTTP 503) und bittet, {seconds} s zu warten."
    },
    "Cannot reach Jira.": {"de": "Jira ist nicht erreichbar."},
    "Cannot reach Jira ({url}).": {"de": "Jira ist nicht erreichbar ({url})."},
    "Cannot reach Jira ({url}): no connection within {seconds} s.": {
        "de": "Jira ist nicht erreichbar ({url}): keine Verbindung innerhalb von {seconds} s."
    },
    "Check the network or VPN, and `url` in the config": {
        "de": "Netzwerk oder VPN prüfen, und `url` in der Konfiguration"
    },
    "The connection broke off before Jira's answer was complete.": {
        "de": "Die Verbindung ist abgebrochen, bevor Jiras Antwort vollständig war."
    },
    "Usually a flaky network, VPN or proxy; reads are retried, writes are checked first": {
        "de": "Meist ein wackeliges Netz, VPN oder ein Proxy; Lesezugriffe werden wiederholt, Änderungen erst geprüft"
    },
    "Cannot resolve Jira's host name.": {"de": "Jiras Hostname lässt sich nicht auflösen."},
    "Cannot resolve Jira's host name ({url}).": {"de": "Jiras Hostname lässt sich nicht auflösen ({url})."},
    "Check `url` in the config, and DNS or VPN (internal names often need the VPN)": {
        "de": "`url` in der Konfiguration prüfen, und DNS oder VPN (interne Namen brauchen oft das VPN)"
    },
    "The proxy refused or broke the connection to Jira.": {
        "de": "Der Proxy hat die Verbindung zu Jira abgelehnt oder abgebrochen."
    },
    "The proxy wants credentials before it lets requests through to Jira.": {
        "de": "Der Proxy verlangt Zugangsdaten, bevor er Anfragen an Jira durchlässt."
    },
    "Cannot connect to Jira through the proxy {proxy} (from the HTTPS_PROXY / HTTP_PROXY environment variables).": {
        "de": "Keine Verbindung zu Jira über den Proxy {proxy} (aus den Umgebungsvariablen HTTPS_PROXY / HTTP_PROXY)."
    },
    "Check HTTPS_PROXY / NO_PROXY (and proxy credentials)": {
        "de": "HTTPS_PROXY / NO_PROXY prüfen (und die Zugangsdaten für den Proxy)"
    },
    # ---- TLS ------------------------------------------------------------------------------------------------
    "Jira's TLS certificate could not be verified.": {"de": "Jiras TLS-Zertifikat konnte nicht geprüft werden."},
    "Jira's TLS certificate could not be verified ({url}).": {
        "de": "Jiras TLS-Zertifikat konnte nicht geprüft werden ({url})."
    },
    'If your company uses its own CA, set ca_bundle = "system" in the [jira] section of the config '
    '(uses the OS trust store), or ca_bundle = "/path/to/ca.pem"': {
        "de": 'Wenn Ihre Firma eine eigene CA nutzt, im Abschnitt [jira] der Konfiguration ca_bundle = "system" '
        'setzen (nutzt den Zertifikatsspeicher des Betriebssystems), oder ca_bundle = "/pfad/zur/ca.pem"'
    },
    "The OS trust store does not accept Jira's certificate. If your company uses its own CA, set "
    'ca_bundle = "/path/to/company-ca.pem" in the [jira] section of the config': {
        "de": "Der Zertifikatsspeicher des Betriebssystems akzeptiert Jiras Zertifikat nicht. Wenn Ihre Firma "
        'eine eigene CA nutzt, im Abschnitt [jira] der Konfiguration ca_bundle = "/pfad/zur/firmen-ca.pem" setzen'
    },
    "The CA bundle {path} does not vouch for Jira's certificate: check ca_bundle in the "
    '[jira] section (a PEM file with your CA), or set ca_bundle = "system" for the OS trust store': {
        "de": "Das CA-Bundle {path} bestätigt Jiras Zertifikat nicht: ca_bundle im Abschnitt [jira] prüfen "
        '(eine PEM-Datei mit Ihrer CA), oder ca_bundle = "system" für den Zertifikatsspeicher des '
        "Betriebssystems setzen"
    },
    "The TLS handshake with Jira failed.": {"de": "Der TLS-Handshake mit Jira ist fehlgeschlagen."},
    "The TLS handshake with Jira failed ({url}).": {"de": "Der TLS-Handshake mit Jira ist fehlgeschlagen ({url})."},
    "Check that `url` points at Jira's HTTPS port; a proxy that intercepts TLS needs its CA in ca_bundle": {
        "de": "Prüfen, ob `url` auf Jiras HTTPS-Port zeigt; ein Proxy, der TLS aufbricht, braucht seine CA in ca_bundle"
    },
    "The server speaks plain HTTP, not HTTPS.": {"de": "Der Server spricht unverschlüsseltes HTTP, kein HTTPS."},
    "The server at {url} speaks plain HTTP, not HTTPS.": {
        "de": "Der Server unter {url} spricht unverschlüsseltes HTTP, kein HTTPS."
    },
    "Use an http:// URL if plain HTTP is intended, or check the port in `url`": {
        "de": "Eine http://-URL verwenden, wenn unverschlüsseltes HTTP gewollt ist, sonst den Port in `url` prüfen"
    },
    'If plain HTTP is intended, set url = "{http_url}"; otherwise check the port in `url`': {
        "de": 'Wenn unverschlüsseltes HTTP gewollt ist, url = "{http_url}" setzen; sonst den Port in `url` prüfen'
    },
    "Cannot load the CA bundle {path}.": {"de": "Das CA-Bundle {path} lässt sich nicht laden."},
    'Set ca_bundle in the [jira] section to a PEM file with your CA, or to "system"': {
        "de": 'ca_bundle im Abschnitt [jira] auf eine PEM-Datei mit Ihrer CA setzen, oder auf "system"'
    },
    "Cannot load the client certificate {cert}.": {"de": "Das Client-Zertifikat {cert} lässt sich nicht laden."},
    "Cannot load the client certificate {cert} with key {key}.": {
        "de": "Das Client-Zertifikat {cert} mit dem Schlüssel {key} lässt sich nicht laden."
    },
    "Check client_cert and client_key in the [jira] section (PEM files, key not encrypted)": {
        "de": "client_cert und client_key im Abschnitt [jira] prüfen (PEM-Dateien, Schlüssel unverschlüsselt)"
    },
    # ---- something else answered, or the answer is unusable --------------------------------------------------
    "An HTML page answered instead of Jira — probably an SSO or proxy login page.": {
        "de": "Statt Jira hat eine HTML-Seite geantwortet — vermutlich eine SSO- oder Proxy-Anmeldeseite."
    },
    "Check that `url` is Jira's base URL, and whether the proxy or SSO lets API calls through": {
        "de": "Prüfen, ob `url` Jiras Basis-URL ist und ob Proxy oder SSO API-Aufrufe durchlassen"
    },
    "Check that `url` is Jira's base URL, and whether the proxy or SSO lets API calls through "
    "(page title: '{title}')": {
        "de": "Prüfen, ob `url` Jiras Basis-URL ist und ob Proxy oder SSO API-Aufrufe durchlassen "
        "(Seitentitel: '{title}')"
    },
    "Jira redirected the request instead of answering — probably an SSO or proxy login.": {
        "de": "Jira hat die Anfrage umgeleitet statt zu antworten — vermutlich eine SSO- oder Proxy-Anmeldung."
    },
    "Jira redirected the request to {location} instead of answering — probably an SSO or proxy login.": {
        "de": "Jira hat die Anfrage nach {location} umgeleitet statt zu antworten — vermutlich eine SSO- oder "
        "Proxy-Anmeldung."
    },
    "Jira sent a response oncall-tui cannot read.": {
        "de": "Jira hat eine Antwort geschickt, die oncall-tui nicht lesen kann."
    },
    "Jira answered HTTP {status} without the expected JSON.": {
        "de": "Jira hat mit HTTP {status} geantwortet, ohne das erwartete JSON."
    },
    "Jira answered HTTP {status} without the expected JSON: {detail}": {
        "de": "Jira hat mit HTTP {status} geantwortet, ohne das erwartete JSON: {detail}"
    },
    "Jira answered HTTP {status} with something that is not JSON.": {
        "de": "Jira hat mit HTTP {status} geantwortet, aber nicht mit JSON."
    },
    "Jira's answer was larger than {megabytes} MB; oncall-tui stopped reading it.": {
        "de": "Jiras Antwort war größer als {megabytes} MB; oncall-tui hat das Lesen abgebrochen."
    },
    "Ask for fewer issues per queue (narrow the JQL), or check what answers in Jira's place": {
        "de": "Weniger Vorgänge pro Queue abfragen (JQL eingrenzen), oder prüfen, was anstelle von Jira antwortet"
    },
    "Jira sent a compressed answer that cannot be decompressed.": {
        "de": "Jira hat eine komprimierte Antwort geschickt, die sich nicht entpacken lässt."
    },
    "Jira sent its answer in an encoding oncall-tui does not read ({encoding}).": {
        "de": "Jira hat seine Antwort in einer Kodierung geschickt, die oncall-tui nicht liest ({encoding})."
    },
    "Not a valid Jira URL: {url}": {"de": "Keine gültige Jira-URL: {url}"},
    "Write `url` in the [jira] section as https://host (or http://host for plain HTTP)": {
        "de": "`url` im Abschnitt [jira] als https://host schreiben (oder http://host für unverschlüsseltes HTTP)"
    },
    # ---- time -----------------------------------------------------------------------------------------------
    "Jira did not answer in time.": {"de": "Jira hat nicht rechtzeitig geantwortet."},
    "Jira did not answer within {seconds} s.": {"de": "Jira hat nicht innerhalb von {seconds} s geantwortet."},
    "Jira or the network is slow; it will be retried": {
        "de": "Jira oder das Netzwerk ist langsam; es wird erneut versucht"
    },
    "Jira's answer was still arriving after {seconds} s.": {
        "de": "Jiras Antwort lief nach {seconds} s immer noch ein."
    },
    "Jira or the network is very slow; it is tried again at the next refresh": {
        "de": "Jira oder das Netzwerk ist sehr langsam; beim nächsten Aktualisieren wird es erneut versucht"
    },
    "No connection to Jira became free in time.": {"de": "Es wurde nicht rechtzeitig eine Verbindung zu Jira frei."},
    "No connection to Jira became free within {seconds} s.": {
        "de": "Innerhalb von {seconds} s wurde keine Verbindung zu Jira frei."
    },
    # ---- searches (paging.py) -------------------------------------------------------------------------------
    "Left out {skipped} issues Jira sent that oncall-tui cannot read.": {
        "de": "Nicht lesbare Vorgänge von Jira ausgelassen: {skipped}."
    },
    "Jira's search found more than {issues} issues; oncall-tui stopped there.": {
        "de": "Jiras Suche hat mehr als {issues} Vorgänge gefunden; oncall-tui hat dort aufgehört."
    },
    "Jira's search paging did not end after {pages} pages.": {
        "de": "Jiras Suche hat nach {pages} Seiten noch kein Ende gefunden."
    },
    "Jira's search paging went round in a circle (a page token came back).": {
        "de": "Jiras Suche dreht sich im Kreis (ein Seiten-Token kam wieder)."
    },
    "Jira's search sent {pages} empty pages in a row that still promised more; oncall-tui stopped.": {
        "de": "Jiras Suche hat {pages} leere Seiten hintereinander geschickt, die noch mehr versprachen; "
        "oncall-tui hat aufgehört."
    },
    "Narrow the queue's JQL, or check what answers in Jira's place": {
        "de": "JQL der Queue eingrenzen, oder prüfen, was anstelle von Jira antwortet"
    },
    # ---- answers oncall-tui cannot use (parse.py, client.py) --------------------------------------------------
    "Jira sent something other than a list of users.": {
        "de": "Jira hat statt einer Benutzerliste etwas anderes geschickt."
    },
    "Jira's answer about the current user names no account id or username.": {
        "de": "Jiras Antwort zum angemeldeten Benutzer nennt weder Account-ID noch Benutzernamen."
    },
    "Jira Service Management sent a page without values.": {
        "de": "Jira Service Management hat eine Seite ohne Werte geschickt."
    },
    "Jira sent a comment that is not an object.": {"de": "Jira hat einen Kommentar geschickt, der kein Objekt ist."},
    "Jira sent a comment list without comments.": {"de": "Jira hat eine Kommentarliste ohne Kommentare geschickt."},
    "Jira sent an issue that is not an object.": {"de": "Jira hat einen Vorgang geschickt, der kein Objekt ist."},
    "Jira sent an issue whose key is not PROJECT-NUMBER.": {
        "de": "Jira hat einen Vorgang geschickt, dessen Key nicht PROJEKT-NUMMER ist."
    },
    "Jira sent an issue without a key.": {"de": "Jira hat einen Vorgang ohne Key geschickt."},
    "Jira sent a search result without an issue list.": {
        "de": "Jira hat ein Suchergebnis ohne Vorgangsliste geschickt."
    },
    "Jira sent a search result that is not an object.": {
        "de": "Jira hat ein Suchergebnis geschickt, das kein Objekt ist."
    },
    "Jira sent a bulk fetch result that is not an object.": {
        "de": "Jira hat ein Ergebnis des Sammelabrufs geschickt, das kein Objekt ist."
    },
    "Jira sent a bulk fetch result without an issue list.": {
        "de": "Jira hat ein Ergebnis des Sammelabrufs ohne Vorgangsliste geschickt."
    },
    "Jira sent an issue count that is not a number.": {
        "de": "Jira hat eine Vorgangsanzahl geschickt, die keine Zahl ist."
    },
    "Jira sent a transition list without transitions.": {
        "de": "Jira hat eine Liste der Statusübergänge ohne Statusübergänge geschickt."
    },
    "Jira sent a field list that is not a list.": {"de": "Jira hat eine Feldliste geschickt, die keine Liste ist."},
    "Jira sent server information that is not an object.": {
        "de": "Jira hat Serverinformationen geschickt, die kein Objekt sind."
    },
    "Jira sent a priority list that is not a list.": {
        "de": "Jira hat eine Prioritätenliste geschickt, die keine Liste ist."
    },
    "Jira sent a permission answer without permissions.": {
        "de": "Jira hat eine Antwort zu Berechtigungen ohne Berechtigungen geschickt."
    },
    "Jira sent a project without a key.": {"de": "Jira hat ein Projekt ohne Key geschickt."},
    "Jira sent an entity property without a value.": {"de": "Jira hat eine Entity-Property ohne Wert geschickt."},
    # ---- the client's own refusals (client.py) ----------------------------------------------------------------
    "{name} has no account id.": {"de": "{name} hat keine Account-ID."},
    "{name} has no username.": {"de": "{name} hat keinen Benutzernamen."},
    "Jira sent a user without an account id or username.": {
        "de": "Jira hat einen Benutzer ohne Account-ID und ohne Benutzernamen geschickt."
    },
    "A comment needs some text.": {"de": "Ein Kommentar braucht Text."},
    "An issue key, project key or property name is missing.": {
        "de": "Ein Vorgangs-Key, Projekt-Key oder Property-Name fehlt."
    },
    # ---- JSM Ops (ops.py, parse_ops.py) ------------------------------------------------------------------
    "JSM Ops sent an answer oncall-tui cannot read.": {
        "de": "JSM Ops hat eine Antwort geschickt, die oncall-tui nicht lesen kann."
    },
    "Jira Data Center has no JSM Ops: on-call schedules and escalations need Jira Cloud.": {
        "de": "Jira Data Center hat kein JSM Ops: Bereitschaftspläne und Eskalationen brauchen Jira Cloud."
    },
    "Define the on-call rota or fixed contacts in the config instead": {
        "de": "Stattdessen den Bereitschaftsplan oder feste Kontakte in der Konfiguration festlegen"
    },
    "This Jira site has no JSM Ops (Operations): its on-call API answered 404.": {
        "de": "Diese Jira-Site hat kein JSM Ops (Operations): die Bereitschafts-API hat mit 404 geantwortet."
    },
    "Ask a Jira admin whether Jira Service Management Operations is set up on this site": {
        "de": "Einen Jira-Admin fragen, ob Jira Service Management Operations auf dieser Site eingerichtet ist"
    },
    "JSM Ops says you may not see on-call schedules or escalations.": {
        "de": "JSM Ops sagt, dass Sie Bereitschaftspläne und Eskalationen nicht sehen dürfen."
    },
    "Ask a Jira admin for access to JSM Operations (a team membership or the Operations role)": {
        "de": "Einen Jira-Admin um Zugriff auf JSM Operations bitten (Team-Mitgliedschaft oder die Operations-Rolle)"
    },
    "JSM Ops has no schedule {name}. Schedules: {names}": {
        "de": "JSM Ops hat keinen Bereitschaftsplan {name}. Bereitschaftspläne: {names}"
    },
    "JSM Ops has no team {team}.": {"de": "JSM Ops hat kein Team {team}."},
    "JSM Ops has no such schedule.": {"de": "Diesen Bereitschaftsplan gibt es in JSM Ops nicht."},
    "JSM Ops has no such team.": {"de": "Dieses Team gibt es in JSM Ops nicht."},
    "JSM Ops refused the alert.": {"de": "JSM Ops hat den Alarm abgelehnt."},
    "JSM Ops refused the alert: {detail}": {"de": "JSM Ops hat den Alarm abgelehnt: {detail}"},
}
