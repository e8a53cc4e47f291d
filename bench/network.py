"""Network: requests per minute in steady state with 5 queues, and over a thin link the start and one take.

Both run the real app (`oncall-tui --config`, tmux 80×24, fresh cache and state directories) against
`oncall-tui sim --scenario default` in its own process, through `netsim.Relay` on 127.0.0.1, which counts the
request lines and bytes that pass:

- steady state: the config's first 5 queues (Mine, Unassigned, P1/P2, At risk, All open); after a warm-up,
  every request in one 60 s window (20 s with --quick, scaled to a minute);
- slow link: the relay shapes both directions to 256 kbit/s with 100 ms round trip. "Start" is process start to
  the first queue painted (`demo_startup.one_run`'s "populated"); "take" is `m` on the first Unassigned
  incident until the simulator (asked directly, not through the relay) has it assigned to the user.

    python bench/network.py [--quick] [--json]
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from demo_startup import one_run
from netsim import Relay, clean_env, running_sim, write_config
from suite import Row, row, script_main
from term import COMMAND, Tmux, wait

KEY_ROW = re.compile(r"^\s*([A-Z][A-Z0-9]+-\d+)\s.*\sP\d\s", re.MULTILINE)


def _env(base: Path, name: str) -> dict[str, str]:
    cache, state = base / name / "cache", base / name / "state"
    cache.mkdir(parents=True)
    state.mkdir(parents=True)
    return clean_env(XDG_CACHE_HOME=str(cache), XDG_STATE_HOME=str(state))


def steady_state(quick: bool, base: Path, data: dict[str, Any], upstream: int) -> list[Row]:
    warm_up, window = (8.0, 20.0) if quick else (20.0, 60.0)
    with Relay(upstream) as relay:
        config = write_config(data, base / "five.toml", url=relay.url, queues=5)
        tmux = Tmux(80, 24)
        try:
            target = tmux.open("steady", [str(COMMAND), "--config", str(config), "--no-mouse"], _env(base, "steady"))
            wait("the first queue", lambda: KEY_ROW.search(tmux.screen(target)), 30)
            time.sleep(warm_up)  # past the start's burst (every queue's first count, the on-call book)
            begin = relay.snapshot()
            t0 = time.monotonic()
            time.sleep(window)
            end = relay.snapshot()
            t1 = time.monotonic()
        finally:
            tmux.close()
    requests = [r for r in end.requests if t0 <= r[0] < t1]
    scale = 60.0 / (t1 - t0)
    quarters = [
        sum(1 for r in requests if t0 + q * (t1 - t0) / 4 <= r[0] < t0 + (q + 1) * (t1 - t0) / 4) * scale * 4
        for q in range(4)
    ]
    per_minute = len(requests) * scale
    kinds: dict[str, int] = {}
    for _, method, path in requests:
        name = f"{method} {path.split('?')[0]}"
        kinds[name] = kinds.get(name, 0) + 1
    top = ", ".join(f"{n}× {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:3])
    received = (end.received - begin.received) * scale / 1000
    return [
        Row(
            "Network",
            "steady state, 5 queues: requests per minute",
            per_minute,
            "requests/min",
            min(quarters),
            max(quarters),
            1,
            note=f"one {t1 - t0:.0f} s window; spread: its quarters scaled to a minute; {top}",
        ),
        Row("Network", "steady state, 5 queues: received per minute", received, "KB/min", received, received, 1),
    ]


def take_once(tmux: Tmux, name: str, argv: list[str], env: dict[str, str], direct: httpx.Client) -> float:
    """Milliseconds from `m` on the first Unassigned incident to the simulator having it assigned."""
    target = tmux.open(name, argv, env)
    try:
        wait("the main screen", lambda: "c comment" in tmux.screen(target), 60)
        tmux.keys(target, "2")

        def first_unassigned() -> str | None:
            screen = tmux.screen(target)
            keys = KEY_ROW.findall(screen)
            return keys[0] if keys and "Unassigned" in screen and "—" in screen else None

        key = wait("the Unassigned queue", first_unassigned, 60)
        sent = time.monotonic()
        tmux.keys(target, "m")

        def assigned() -> bool:
            fields = direct.get(f"/rest/api/3/issue/{key}", params={"fields": "assignee"}).json()["fields"]
            return fields.get("assignee") is not None

        wait(f"{key} assigned in Jira", assigned, 60, poll=0.02)
        return (time.monotonic() - sent) * 1000
    finally:
        tmux.kill(target)


def slow_link(quick: bool, base: Path, data: dict[str, Any], upstream: int) -> list[Row]:
    runs = 1 if quick else 3
    starts: list[float] = []
    takes: list[float] = []
    jira = data["jira"]
    auth = (jira["email"], jira["token"])
    with Relay(upstream, kbit=256, rtt_ms=100) as relay, httpx.Client(base_url=jira["url"], auth=auth) as direct:
        config = write_config(data, base / "slow.toml", url=relay.url)
        tmux = Tmux(80, 24)
        try:
            for i in range(runs):
                argv = [str(COMMAND), "--config", str(config), "--no-mouse"]
                env = _env(base, f"slow{i}")
                starts.append(one_run(tmux, i, argv, env, tick=False)[1] * 1000)
                takes.append(take_once(tmux, f"take{i}", argv, env, direct))
        finally:
            tmux.close()
    link = "256 kbit/s, 100 ms RTT"
    return [
        row("Slow link", f"start, first queue painted ({link})", starts, "ms", note="cold cache"),
        row("Slow link", f"take (m) until Jira has it ({link})", takes, "ms"),
    ]


def measure(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="oncall-bench-network-") as tmp:
        base = Path(tmp)
        with running_sim(base, "--scenario", "default") as (data, _config):
            upstream = int(data["jira"]["url"].rsplit(":", 1)[1].split("/")[0])
            return steady_state(quick, base, data, upstream) + slow_link(quick, base, data, upstream)


if __name__ == "__main__":
    script_main(__doc__, measure)
