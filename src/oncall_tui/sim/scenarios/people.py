"""The people of the simulated site: agents (grouped by team) and dealer customers.

People do not depend on the seed: their account ids, usernames and phone numbers are derived from their
names, so a config written for one simulator run (the API user's account id) stays valid for the next.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from oncall_tui.sim.model import User

ME_USERNAME = "aschmidt"
ME_EMAIL = "anna.schmidt@example.com"


def account_id_for(username: str) -> str:
    """A Cloud-style account id (24 lowercase hex characters), stable for a username."""
    return hashlib.sha256(f"oncall-tui-sim:{username}".encode()).hexdigest()[:24]


ME_ACCOUNT_ID = account_id_for(ME_USERNAME)


@dataclass(frozen=True)
class Person:
    display_name: str
    time_zone: str
    locale: str
    team: str | None = None  # team name, for agents on a service team or the ops team
    lead: bool = False
    org: str | None = None  # customers: the dealership
    domain: str = "example.com"
    active: bool = True
    username: str | None = None  # only where the derived one would not do


OPS_TEAM = "IT Service Operations"

# Component (service) -> the JSM Ops team that runs it. Names, not ids: ids are assigned at build time.
SERVICE_TEAMS: dict[str, str] = {
    "CRM Platform": "CRM Platform Team",
    "Consent Management": "Consent & Privacy",
    "Customer Data Hub": "Customer Data Hub Team",
    "Dealer Portal": "Dealer Experience",
    "Identity & Login": "Identity Team",
    "Vehicle Telematics Gateway": "Telematics Ops",
    "Marketing Preferences API": "Consent & Privacy",
    "Data Warehouse Exports": "Customer Data Hub Team",
}

AGENTS: tuple[Person, ...] = (
    # Service desk L1 (the API user first) and the duty managers share the ops team.
    Person("Anna Schmidt", "Europe/Berlin", "de_DE", OPS_TEAM, username=ME_USERNAME),
    Person("Jürgen Weiß", "Europe/Berlin", "de_DE", OPS_TEAM),
    Person("Inès Lefèvre", "Europe/Paris", "fr_FR", OPS_TEAM),
    Person("Claudia Schäfer", "Europe/Berlin", "de_DE", OPS_TEAM, lead=True),
    Person("Rui Carvalho", "Europe/Lisbon", "pt_PT", OPS_TEAM),
    Person("Zoë Müller", "Europe/Berlin", "de_DE", "CRM Platform Team", lead=True),
    Person("Matthias Köhler", "Europe/Berlin", "de_DE", "CRM Platform Team"),
    Person("Ana Lúcia Gonçalves", "Europe/Lisbon", "pt_PT", "CRM Platform Team"),
    Person("Oliver Bennett", "Europe/London", "en_GB", "CRM Platform Team"),
    Person("Katarzyna Nowak", "Europe/Warsaw", "pl_PL", "CRM Platform Team"),
    Person("Søren Østergaard", "Europe/Copenhagen", "da_DK", "Consent & Privacy", lead=True),
    Person("Élodie Marchand", "Europe/Paris", "fr_FR", "Consent & Privacy"),
    Person("Björn Lindqvist", "Europe/Stockholm", "sv_SE", "Consent & Privacy"),
    Person("Lena Groß", "Europe/Berlin", "de_DE", "Consent & Privacy"),
    Person("Łukasz Wójcik", "Europe/Warsaw", "pl_PL", "Customer Data Hub Team", lead=True),
    Person("Sophie Krämer", "Europe/Berlin", "de_DE", "Customer Data Hub Team"),
    Person("Ólafur Þórsson", "Atlantic/Reykjavik", "is_IS", "Customer Data Hub Team"),
    Person("Priya Raman", "Europe/London", "en_GB", "Customer Data Hub Team"),
    Person("Ágnes Szabó", "Europe/Budapest", "hu_HU", "Dealer Experience", lead=True),
    Person("Javier Muñoz", "Europe/Madrid", "es_ES", "Dealer Experience"),
    Person("Tobias Brückner", "Europe/Berlin", "de_DE", "Dealer Experience"),
    Person("Emily Clarke", "Europe/London", "en_GB", "Dealer Experience"),
    Person("Niklas Jäger", "Europe/Berlin", "de_DE", "Identity Team", lead=True),
    Person("Marta Fernández", "Europe/Madrid", "es_ES", "Identity Team"),
    Person("Tomáš Dvořák", "Europe/Prague", "cs_CZ", "Identity Team"),
    Person("Eilidh MacLeod", "Europe/London", "en_GB", "Identity Team"),
    Person("Mikael Häkkinen", "Europe/Helsinki", "fi_FI", "Telematics Ops", lead=True),
    Person("Aino Virtanen", "Europe/Helsinki", "fi_FI", "Telematics Ops"),
    Person("Stefan Hoffmann", "Europe/Berlin", "de_DE", "Telematics Ops"),
    Person("Ingrid Solberg", "Europe/Oslo", "nb_NO", "Telematics Ops"),
    # Left the company; still referenced by old issues, never assignable.
    Person("Dieter Brandt", "Europe/Berlin", "de_DE", active=False),
)

CUSTOMERS: tuple[Person, ...] = (
    Person("Markus Keller", "Europe/Berlin", "de_DE", org="Autohaus König Köln", domain="dealer-koeln.example"),
    Person("Sabine Özdemir", "Europe/Berlin", "de_DE", org="Autozentrum Nord", domain="dealer-hamburg.example"),
    Person("Hans-Peter Großmann", "Europe/Berlin", "de_DE", org="Großmann & Söhne", domain="dealer-stuttgart.example"),
    Person("Franziska Lämmle", "Europe/Berlin", "de_DE", org="Autohaus Isartal", domain="dealer-muenchen.example"),
    Person("Jean-Luc Girard", "Europe/Paris", "fr_FR", org="Garage Girard Lyon", domain="dealer-lyon.example"),
    Person("Amélie Rousseau", "Europe/Paris", "fr_FR", org="Paris Rive Gauche Auto", domain="dealer-paris.example"),
    Person("João Sousa", "Europe/Lisbon", "pt_PT", org="Auto Douro", domain="dealer-porto.example"),
    Person("Małgorzata Zielińska", "Europe/Warsaw", "pl_PL", org="Auto Wawel", domain="dealer-krakow.example"),
    Person("Piotr Kowalczyk", "Europe/Warsaw", "pl_PL", org="Bałtyk Motors", domain="dealer-gdansk.example"),
    Person("Lars Ekström", "Europe/Stockholm", "sv_SE", org="Västkust Bil", domain="dealer-goteborg.example"),
    Person("Pilar Domínguez", "Europe/Madrid", "es_ES", org="Motor Giralda", domain="dealer-sevilla.example"),
    Person("Aleksi Mäkinen", "Europe/Helsinki", "fi_FI", org="Pirkan Auto", domain="dealer-tampere.example"),
    Person("George Whitfield", "Europe/London", "en_GB", org="Whitfield Motors", domain="dealer-leeds.example"),
    Person("Siobhán O'Brien", "Europe/Dublin", "en_IE", org="Liffey Cars", domain="dealer-dublin.example"),
    Person("Kateřina Horáková", "Europe/Prague", "cs_CZ", org="Auto Morava", domain="dealer-brno.example"),
)

_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
_SPECIAL = {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "æ": "ae"}

_PHONE = {
    "Europe/Berlin": ("+49", ("151", "160", "170", "172", "176")),
    "Europe/London": ("+44", ("7700", "7911", "7456")),
    "Europe/Dublin": ("+353", ("83", "85", "87")),
    "Europe/Paris": ("+33", ("6", "7")),
    "Europe/Lisbon": ("+351", ("91", "93", "96")),
    "Europe/Madrid": ("+34", ("612", "655", "699")),
    "Europe/Warsaw": ("+48", ("501", "602", "791")),
    "Europe/Prague": ("+420", ("601", "732", "777")),
    "Europe/Budapest": ("+36", ("20", "30", "70")),
    "Europe/Copenhagen": ("+45", ("20", "31", "42")),
    "Europe/Stockholm": ("+46", ("70", "72", "73")),
    "Europe/Oslo": ("+47", ("41", "90", "98")),
    "Europe/Helsinki": ("+358", ("40", "44", "50")),
    "Atlantic/Reykjavik": ("+354", ("611", "690", "770")),
}


def ascii_fold(text: str, *, german: bool) -> str:
    """Transliterate a name for usernames and e-mail addresses (Jürgen -> juergen, Łukasz -> lukasz)."""
    if german:
        text = "".join(_GERMAN.get(ch, ch) for ch in text)
    text = "".join(_SPECIAL.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch in " -."))


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _phone(username: str, time_zone: str) -> str:
    code, prefixes = _PHONE.get(time_zone, _PHONE["Europe/Berlin"])
    n = _digest("phone:" + username)
    prefix = prefixes[n % len(prefixes)]
    number = str(n % 10_000_000).zfill(7)
    return f"{code} {prefix} {number[:3]} {number[3:]}"


def _make_user(person: Person, taken: set[str], *, customer: bool) -> User:
    folded = ascii_fold(person.display_name, german=person.locale.startswith("de")).lower()
    parts = folded.replace("-", " ").split()
    first, last = parts[0], parts[-1]
    username = person.username or f"{first[0]}{last}"
    suffix = 2
    base = username
    while username in taken:
        username = f"{base}{suffix}"
        suffix += 1
    taken.add(username)
    local = ".".join(folded.replace("'", "").replace("-", " ").split()) if customer else f"{first}.{last}"
    email = ME_EMAIL if username == ME_USERNAME else f"{local}@{person.domain}"
    return User(
        account_id=account_id_for(username),
        username=username,
        display_name=person.display_name,
        email=email,
        time_zone=person.time_zone,
        locale=person.locale,
        active=person.active,
        account_type="customer" if customer else "atlassian",
        phone=_phone(username, person.time_zone),
        agent=not customer,
    )


def build_users() -> tuple[list[User], list[User]]:
    """(agents, customers) in the order of the tables above."""
    taken: set[str] = set()
    agents = [_make_user(p, taken, customer=False) for p in AGENTS]
    customers = [_make_user(p, taken, customer=True) for p in CUSTOMERS]
    return agents, customers


def org_of(display_name: str) -> str:
    for person in CUSTOMERS:
        if person.display_name == display_name:
            return person.org or ""
    return ""
