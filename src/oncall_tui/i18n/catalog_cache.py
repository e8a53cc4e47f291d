"""German for the messages of the last-known-state cache (`oncall_tui.sync.snapshot.MESSAGES`).

Same shape as catalog.MESSAGES, merged into it there; tests/test_snapshot.py checks that every message the
cache can report is here with the same placeholders.
"""

from __future__ import annotations

CACHE_MESSAGES: dict[str, dict[str, str]] = {
    "The saved copy of {queue} is damaged and was ignored.": {
        "de": "Die gespeicherte Kopie von {queue} ist beschädigt und wurde ignoriert."
    },
    "The saved copy of {queue} is from another version and was ignored.": {
        "de": "Die gespeicherte Kopie von {queue} stammt von einer anderen Version und wurde ignoriert."
    },
    "The saved copy of {queue} belongs to another queue and was ignored.": {
        "de": "Die gespeicherte Kopie von {queue} gehört zu einer anderen Queue und wurde ignoriert."
    },
    "The saved copy of {queue} could not be read and was ignored: {error}": {
        "de": "Die gespeicherte Kopie von {queue} war nicht lesbar und wurde ignoriert: {error}"
    },
    "Queues cannot be saved for the next start ({error}); saving is off until it works.": {
        "de": "Queues können nicht für den nächsten Start gespeichert werden ({error}); "
        "das Speichern ruht, bis es wieder geht."
    },
    # What the UI shows beside rows from the cache until the first poll replaces them.
    "as of {time}": {"de": "Stand {time}"},
}
