"""The last-known-state cache (issue 8, item 8): round trips, atomic and private files, keys by site, queue
and JQL, damaged files ignored with a problem recorded, and a disk that fails without the app noticing."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import string
import tempfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_tui.domain import Incident
from oncall_tui.domain.codec import incident_to_data
from oncall_tui.i18n import MESSAGES
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.snapshot import (
    FORMAT_VERSION,
    CacheProblem,
    ProblemKind,
    Snapshot,
    SnapshotCache,
    site_key,
)
from oncall_tui.sync.snapshot import (
    MESSAGES as CACHE_MESSAGES,
)
from tests.incident_data import every_field, fetch_incidents, incidents

SITE = "https://jira.example.net"
JQL = "project = OPS AND statusCategory != Done ORDER BY key"
TAKEN = datetime(2026, 3, 2, 9, 31, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def real() -> list[Incident]:
    return fetch_incidents()


@pytest.fixture
def bus_events() -> Iterator[tuple[EventBus, list[object]]]:
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(seen.append)
    yield bus, seen


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_real_incidents_round_trip(tmp_path: Path, real: list[Incident]) -> None:
    cache = SnapshotCache(tmp_path, SITE)
    assert cache.save("Open", JQL, real, TAKEN) is True
    loaded = SnapshotCache(tmp_path, SITE).load("Open", JQL)
    assert isinstance(loaded, Snapshot)
    assert loaded.queue == "Open" and loaded.taken_at == TAKEN and loaded.taken_at.utcoffset() == timedelta(0)
    assert every_field(loaded.incidents) == every_field(real) and len(real) > 10
    assert cache.problem is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(incidents, max_size=5), st.text(max_size=20), st.text(max_size=40))
def test_any_incidents_under_any_queue_and_jql_round_trip(
    queue_incidents: list[Incident], queue: str, jql: str
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        cache = SnapshotCache(Path(directory), SITE)
        assert cache.save(queue, jql, queue_incidents, TAKEN)
        loaded = cache.load(queue, jql)
    assert loaded is not None and every_field(loaded.incidents) == every_field(queue_incidents)


def test_never_saved_is_none_without_a_problem(tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path / "not-yet", SITE)
    assert cache.load("Open", JQL) is None
    assert cache.problem is None


# ---- private and atomic -------------------------------------------------------------------------------------


def test_the_file_is_0600_and_new_directories_0700_whatever_the_umask(tmp_path: Path, real: list[Incident]) -> None:
    directory = tmp_path / "cache" / "oncall-tui" / "snapshots"
    modes_before_rename: list[int] = []

    def spy(src: Path, dst: Path) -> None:
        modes_before_rename.append(mode(Path(src)))
        os.replace(src, dst)

    # A umask that takes the owner's write bit too: only explicit chmods give 0600 and 0700.
    old = os.umask(0o277)
    try:
        assert SnapshotCache(directory, SITE, replace=spy).save("Open", JQL, real, TAKEN)
    finally:
        os.umask(old)
    [name] = files(directory)
    assert mode(directory / name) == 0o600
    assert modes_before_rename == [0o600]  # private from the first byte, not after the rename
    for d in (directory, directory.parent, directory.parent.parent):
        assert mode(d) == 0o700


def test_a_crash_between_write_and_replace_leaves_the_old_file(tmp_path: Path, real: list[Incident]) -> None:
    cache = SnapshotCache(tmp_path, SITE)
    assert cache.save("Open", JQL, real[:3], TAKEN)
    before = files(tmp_path)

    def crash(src: Path, dst: Path) -> None:
        raise OSError(28, "No space left on device")

    failing = SnapshotCache(tmp_path, SITE, replace=crash)
    assert failing.save("Open", JQL, real, TAKEN + timedelta(minutes=1)) is False
    assert files(tmp_path) == before  # the temp file went too
    loaded = SnapshotCache(tmp_path, SITE).load("Open", JQL)
    assert loaded is not None and loaded.taken_at == TAKEN and loaded.incidents == tuple(real[:3])
    assert failing.problem is not None and failing.problem.kind is ProblemKind.UNWRITABLE
    assert failing.problem.params == {"error": "No space left on device"}


def test_a_directory_that_cannot_be_made_fails_quietly_and_says_so_once(
    tmp_path: Path, real: list[Incident], bus_events: tuple[EventBus, list[object]]
) -> None:
    # Root ignores permission bits, so a file where the directory should be is what really fails here.
    blocker = tmp_path / "cache"
    blocker.write_text("not a directory")
    bus, seen = bus_events
    cache = SnapshotCache(blocker / "snapshots", SITE, events=bus)
    for minute in range(3):
        assert cache.save("Open", JQL, real, TAKEN + timedelta(minutes=minute)) is False
    assert len(seen) == 1 and seen[0] == cache.problem
    problem = cache.problem
    assert isinstance(problem, CacheProblem) and problem.kind is ProblemKind.UNWRITABLE
    assert problem.params["error"] == "Not a directory"
    assert cache.load("Open", JQL) is None  # reading there fails too, and is no reason to raise

    blocker.unlink()  # the disk is fine again: saving works and a later failure is news again
    assert cache.save("Open", JQL, real, TAKEN)
    assert cache.load("Open", JQL) is not None
    for path in (blocker / "snapshots").iterdir():
        path.unlink()
    (blocker / "snapshots").rmdir()
    blocker.rmdir()
    blocker.write_text("broken again")
    assert cache.save("Open", JQL, real, TAKEN) is False
    assert len([e for e in seen if isinstance(e, CacheProblem) and e.kind is ProblemKind.UNWRITABLE]) == 2


# ---- keys ---------------------------------------------------------------------------------------------------


def test_keyed_by_site_queue_and_jql(tmp_path: Path, real: list[Incident]) -> None:
    cache = SnapshotCache(tmp_path, SITE)
    cache.save("Open", JQL, real[:2], TAKEN)
    cache.save("Mine", JQL, real[2:3], TAKEN)
    SnapshotCache(tmp_path, "https://other.example.net").save("Open", JQL, real[3:4], TAKEN)
    assert len(files(tmp_path)) == 3
    assert [i.key for i in cache.load("Open", JQL).incidents] == [i.key for i in real[:2]]  # type: ignore[union-attr]
    assert [i.key for i in cache.load("Mine", JQL).incidents] == [real[2].key]  # type: ignore[union-attr]
    # The queue's JQL changed in the config: its old members are not shown.
    assert cache.load("Open", JQL + " AND priority = High") is None
    assert cache.load("Unassigned", JQL) is None
    assert SnapshotCache(tmp_path, "https://third.example.net").load("Open", JQL) is None
    assert cache.problem is None


def test_tokens_in_the_site_url_reach_neither_the_file_nor_its_name(tmp_path: Path, real: list[Incident]) -> None:
    secret_site = "https://user-q7:pw-s3cr3t@Jira.Example.net:8443/jira/?token=tok-s3cr3t&x=1#frag-s3cr3t"
    cache = SnapshotCache(tmp_path, secret_site)
    assert cache.site == "https://jira.example.net:8443/jira"
    assert cache.save("Open", JQL, real, TAKEN)
    [path] = tmp_path.iterdir()
    raw = path.read_bytes()
    text = zlib.decompress(raw.partition(b"\n")[2]).decode("utf-8")
    for secret in ("s3cr3t", "user-q7"):
        assert secret not in path.name and secret.encode() not in raw and secret not in text
    assert json.loads(text)["site"] == "https://jira.example.net:8443/jira"
    # The same site without the credentials finds the same file.
    assert SnapshotCache(tmp_path, "https://jira.example.net:8443/jira").load("Open", JQL) is not None


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://jira.example.net/", "https://jira.example.net"),
        ("HTTPS://JIRA.example.net", "https://jira.example.net"),
        ("http://127.0.0.1:8080/jira/?a=b", "http://127.0.0.1:8080/jira"),
        ("https://u:p@[::1]:9/x", "https://[::1]:9/x"),
    ],
)
def test_site_keys(url: str, key: str) -> None:
    assert site_key(url) == key


def test_the_default_directory_is_the_user_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real: list[Incident]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache = SnapshotCache(None, SITE)
    assert cache.directory == tmp_path / "xdg" / "oncall-tui" / "snapshots"
    assert cache.save("Open", JQL, real, TAKEN)
    assert mode(cache.directory) == 0o700 and mode(tmp_path / "xdg" / "oncall-tui") == 0o700


# ---- damaged files are ignored, with a problem ---------------------------------------------------------------


def saved(tmp_path: Path, real: list[Incident]) -> Path:
    assert SnapshotCache(tmp_path, SITE).save("Open", JQL, real, TAKEN)
    [path] = tmp_path.iterdir()
    return path


def document(body: object, version: int = FORMAT_VERSION) -> bytes:
    return b"oncall-tui snapshot %d\n" % version + zlib.compress(json.dumps(body).encode())


def valid_document(real: list[Incident], **changes: object) -> dict[str, object]:
    return {
        "site": SITE,
        "queue": "Open",
        "jql": JQL,
        "taken_at": TAKEN.isoformat(),
        "incidents": [incident_to_data(i) for i in real],
        **changes,
    }


def damage_cases(raw: bytes, real: list[Incident]) -> dict[str, tuple[bytes, ProblemKind]]:
    incident = incident_to_data(real[0])
    return {
        "empty": (b"", ProblemKind.DAMAGED),
        "truncated": (raw[: len(raw) // 2], ProblemKind.DAMAGED),
        # All the JSON is there, but not the checksum that says it is all there.
        "checksum cut off": (raw[:-4], ProblemKind.DAMAGED),
        "a flipped bit": (raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:], ProblemKind.DAMAGED),
        "header only": (raw.partition(b"\n")[0] + b"\n", ProblemKind.DAMAGED),
        "trailing bytes": (raw + b"xx", ProblemKind.DAMAGED),
        "random bytes": (bytes(range(256)) * 4, ProblemKind.DAMAGED),
        "plain JSON": (json.dumps(valid_document(real)).encode(), ProblemKind.DAMAGED),
        "newer version": (raw.replace(b"snapshot 1\n", b"snapshot 2\n", 1), ProblemKind.VERSION),
        "no version": (raw.replace(b"snapshot 1\n", b"snapshot \n", 1), ProblemKind.VERSION),
        "not UTF-8": (b"oncall-tui snapshot 1\n" + zlib.compress(b'{"site": "\xff"}'), ProblemKind.DAMAGED),
        "not JSON": (b"oncall-tui snapshot 1\n" + zlib.compress(b"{"), ProblemKind.DAMAGED),
        "deep JSON": (b"oncall-tui snapshot 1\n" + zlib.compress(b"[" * 100_000), ProblemKind.DAMAGED),
        "a list": (document([1, 2]), ProblemKind.DAMAGED),
        "incidents not a list": (document(valid_document(real, incidents={})), ProblemKind.DAMAGED),
        "a wrong type inside": (
            document(valid_document(real, incidents=[{**incident, "labels": "p1"}])),
            ProblemKind.DAMAGED,
        ),
        "taken_at naive": (document(valid_document(real, taken_at="2026-03-02T09:31:05")), ProblemKind.DAMAGED),
        "taken_at missing": (
            document({k: v for k, v in valid_document(real).items() if k != "taken_at"}),
            ProblemKind.DAMAGED,
        ),
        "another queue's file": (document(valid_document(real, queue="Mine")), ProblemKind.FOREIGN),
        "another site's file": (document(valid_document(real, site="https://x.example")), ProblemKind.FOREIGN),
    }


def test_damaged_files_are_ignored_with_the_problem_recorded(
    tmp_path: Path, real: list[Incident], bus_events: tuple[EventBus, list[object]]
) -> None:
    path = saved(tmp_path, real)
    raw = path.read_bytes()
    bus, seen = bus_events
    for name, (content, kind) in damage_cases(raw, real).items():
        path.write_bytes(content)
        cache = SnapshotCache(tmp_path, SITE, events=bus)
        assert cache.load("Open", JQL) is None, name
        assert cache.problem is not None and cache.problem.kind is kind, name
        assert cache.problem.path == path and seen[-1] is cache.problem, name
    # A good file loads again: nothing was remembered against it.
    path.write_bytes(raw)
    assert SnapshotCache(tmp_path, SITE).load("Open", JQL) is not None


def test_an_unreadable_file_is_ignored_with_the_problem_recorded(tmp_path: Path, real: list[Incident]) -> None:
    path = saved(tmp_path, real)
    path.unlink()
    path.mkdir()  # reading a directory fails for root too
    cache = SnapshotCache(tmp_path, SITE)
    assert cache.load("Open", JQL) is None
    assert cache.problem is not None and cache.problem.kind is ProblemKind.UNREADABLE
    assert cache.problem.params == {"queue": "Open", "error": "Is a directory"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=2000), st.booleans())
def test_any_bytes_are_loaded_or_ignored_never_raised(junk: bytes, cut: int, with_header: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        cache = SnapshotCache(Path(directory), SITE)
        valid = document({"site": SITE, "queue": "Open", "jql": JQL, "taken_at": TAKEN.isoformat(), "incidents": []})
        cache.path("Open", JQL).write_bytes((valid[:cut] + junk) if with_header else junk)
        loaded = cache.load("Open", JQL)
    assert loaded is not None or cache.problem is not None


# ---- words ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ProblemKind))
def test_every_problem_has_german_with_the_same_placeholders(kind: ProblemKind, tmp_path: Path) -> None:
    message = CACHE_MESSAGES[kind]
    problem = CacheProblem(kind, "Open", tmp_path, error="Read-only file system")
    assert problem.message == message and message in MESSAGES

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert fields(MESSAGES[message]["de"]) == fields(message) == set(problem.params)


async def test_a_changing_queue_is_saved_at_its_first_poll_then_at_most_once_a_minute(tmp_path: Path) -> None:
    """Issue 10: saving a 10,000-incident queue costs about a second of CPU; a poll that brings one change must
    not pay it every time. The first poll saves, changes within the minute wait, the first poll a minute on saves
    what changed meanwhile (even when that poll itself brings nothing new)."""
    import httpx

    from oncall_tui.sync.session import QueueSpec, Session
    from tests.conftest import FROZEN_START, start_sim
    from tests.test_sync_engine import client_for

    server = start_sim()
    try:
        login = server.login()
        saves: list[datetime] = []

        class Counting(SnapshotCache):
            def save(self, queue: str, jql: str, incidents: object, taken_at: datetime) -> bool:
                saves.append(taken_at)
                return super().save(queue, jql, incidents, taken_at)  # type: ignore[arg-type]

        spec = QueueSpec("Open", "project = OPS AND statusCategory != Done ORDER BY priority DESC")
        async with client_for(login.url, login.email, login.token) as client:
            session = Session(client, [spec], site_url=server.url, snapshots=Counting(tmp_path, server.url))

            async def poll(seconds: int) -> None:
                await session.poll("Open", FROZEN_START + timedelta(seconds=seconds))
                await asyncio.gather(*session._saving)

            def change() -> None:
                body = {"summary": "Checkout slow", "priority": "Low"}
                httpx.post(f"{server.url}/_sim/incidents", json=body, timeout=10).raise_for_status()

            await poll(0)
            assert len(saves) == 1, "the first poll saves"
            change()
            await poll(15)
            assert len(saves) == 1, "a change 15 s later waits"
            await poll(30)
            assert len(saves) == 1
            await poll(61)
            assert saves[-1] == FROZEN_START + timedelta(seconds=61) and len(saves) == 2, "a minute on: saved"
            await poll(75)
            assert len(saves) == 2, "nothing changed since: nothing saved"
            loaded = SnapshotCache(tmp_path, server.url).load("Open", spec.jql)
            assert loaded is not None and len(loaded.incidents) == session.store.count("Open")
    finally:
        server.stop()
