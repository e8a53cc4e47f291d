"""Saving a big queue's snapshot never holds the whole document: it is encoded and compressed an incident at
a time (building 10,000 incidents as dicts and then as one JSON string set the peak RSS of a first load)."""

from __future__ import annotations

import json
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

from oncall_tui.domain.codec import incident_to_data
from oncall_tui.domain.incident import Incident
from oncall_tui.sync.snapshot import SnapshotCache

SITE = "https://jira.example.net"
TAKEN = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def test_saving_takes_a_fraction_of_the_documents_size_and_writes_the_same_document(tmp_path: Path) -> None:
    incidents = [
        Incident(key=f"OPS-{i}", id=str(i), summary=f"Database {i} is slow " * 8, status="Open", labels=("db",))
        for i in range(6000)
    ]
    document = {
        "site": SITE,
        "queue": "All open",
        "jql": "project = OPS",
        "taken_at": TAKEN.isoformat(),
        "incidents": [incident_to_data(incident) for incident in incidents],
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    del document
    cache = SnapshotCache(tmp_path, SITE)
    tracemalloc.start()
    try:
        assert cache.save("All open", "project = OPS", incidents, TAKEN)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Far less than the JSON text alone (the whole document as dicts was several times that again).
    assert peak < len(text) / 2, (peak, len(text))
    # The file holds exactly the compact JSON document that one json.dumps would have made.
    raw = cache.path("All open", "project = OPS").read_bytes()
    assert zlib.decompress(raw.partition(b"\n")[2]) == text
    loaded = cache.load("All open", "project = OPS")
    assert loaded is not None and loaded.incidents == tuple(incidents)
