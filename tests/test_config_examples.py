"""The annotated example configs in config/: each loads, with every profile, and together they document every key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from oncall_tui.config import (
    JIRA_KEYS,
    POLL_KEYS,
    QUEUE_KEYS,
    SLA_KEYS,
    TOP_KEYS,
    UI_KEYS,
    PollConfig,
    SlaConfig,
    config_warnings,
    load_config,
    resolve_token,
)
from oncall_tui.config_escalation import (
    CONTACT_KEYS,
    ESCALATION_KEYS,
    LEVEL_KEYS,
    MATCH_KEYS,
    OVERRIDE_KEYS,
    POLICY_KEYS,
    ROTA_KEYS,
)
from oncall_tui.config_notify import NOTIFY_KEYS

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "config"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.toml"))
NO_LOCALE: dict[str, str] = {}


def test_the_examples_exist() -> None:
    assert [p.name for p in EXAMPLES] == ["cloud.toml", "datacenter.toml", "demo.toml", "escalation.toml"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_loads_with_every_profile(path: Path) -> None:
    cfg = load_config(path, env=NO_LOCALE)
    assert cfg.queues, "an example without queues would show an empty screen"
    for name in cfg.profiles:
        assert load_config(path, name, env=NO_LOCALE).profile == name


def test_cloud_example_is_cloud_with_env_token() -> None:
    cfg = load_config(EXAMPLES_DIR / "cloud.toml", env=NO_LOCALE)
    assert cfg.jira.deployment == "cloud"
    assert cfg.jira.email is not None and cfg.jira.url.startswith("https://")
    assert resolve_token(cfg.jira, {"JIRA_API_TOKEN": "t-1"}) == "t-1"
    # The comments state the defaults; the values next to them must be those defaults.
    assert cfg.sla == SlaConfig()
    assert cfg.poll == PollConfig()
    assert config_warnings(cfg) == []


def test_datacenter_example_profiles() -> None:
    path = EXAMPLES_DIR / "datacenter.toml"
    prod = load_config(path, env=NO_LOCALE)
    assert (prod.profile, prod.jira.deployment, prod.jira.token_source) == ("prod", "datacenter", "file")
    assert prod.jira.client_cert is not None and prod.jira.client_key is not None
    staging = load_config(path, "staging", env=NO_LOCALE)
    assert staging.jira.token_source == "cmd" and staging.jira.deployment == "datacenter"
    assert [q.name for q in staging.queues] == ["Staging incidents"]
    cloud = load_config(path, "cloud-migration", env=NO_LOCALE)
    assert (cloud.jira.deployment, cloud.jira.token_env) == ("cloud", "JIRA_CLOUD_API_TOKEN")
    assert cloud.poll.interval_seconds == 30.0 and cloud.queues == prod.queues


def test_demo_example_targets_the_simulator_on_loopback() -> None:
    cfg = load_config(EXAMPLES_DIR / "demo.toml", env=NO_LOCALE)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", cfg.jira.url)
    assert resolve_token(cfg.jira, {}) == "demo-token"
    assert any("token is stored in the config file" in w for w in config_warnings(cfg))


def test_escalation_example_shows_every_source_kind_and_match_key() -> None:
    path = EXAMPLES_DIR / "escalation.toml"
    cfg = load_config(path, env=NO_LOCALE)
    kinds = {type(level.contacts).__name__ for policy in cfg.escalation.policies for level in policy.levels}
    assert kinds == {"ScheduleRef", "TeamEscalationRef", "RotaRef", "FixedContacts"}
    assert set(cfg.escalation.rotas) == {"DB follow-the-sun"} and cfg.escalation.rotas["DB follow-the-sun"].overrides
    assert [q.name for q in cfg.queues if q.escalation_due] == ["Escalation due"]
    # Match keys sit inside inline tables, which the key-line check below cannot see: the comment names each.
    comment = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# match:"))
    following = path.read_text(encoding="utf-8").split(comment, 1)[1].split("\nmatch =", 1)[0]
    assert all(key in comment + following for key in MATCH_KEYS)


def key_lines(text: str) -> list[tuple[int, str]]:
    """(line index, key) for every `key = …` line, commented out or not."""
    found = []
    for i, line in enumerate(text.splitlines()):
        m = re.match(r"\s*#?\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if m:
            found.append((i, m.group(1)))
    return found


def test_examples_document_every_key_with_a_comment() -> None:
    schema = {*JIRA_KEYS, *QUEUE_KEYS, *SLA_KEYS, *POLL_KEYS, *UI_KEYS, *NOTIFY_KEYS, "default_profile"}
    # Escalation's keys too; those that are array-of-tables headers ([[rota.override]]) are not `key =` lines.
    escalation = {*CONTACT_KEYS, *ROTA_KEYS, *OVERRIDE_KEYS, *POLICY_KEYS, *LEVEL_KEYS}
    schema |= escalation - {*ESCALATION_KEYS, "override", "level"}
    documented: set[str] = set()
    for path in EXAMPLES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, key in key_lines("\n".join(lines)):
            if key not in schema or key in documented:
                continue
            # The key's first appearance sits in a block (no blank line between) that has a comment.
            block = []
            j = index - 1
            while j >= 0 and lines[j].strip():
                block.append(lines[j])
                j -= 1
            if any(line.lstrip().startswith("#") and "=" not in line for line in block):
                documented.add(key)
    assert sorted(schema - documented) == []
    tables: set[str] = set()
    for path in EXAMPLES:
        tables |= set(tomllib.loads(path.read_text(encoding="utf-8")))
    assert tables == TOP_KEYS


def test_the_keymap_example_uses_real_binding_ids(tmp_path: Path) -> None:
    # The commented-out override, switched on, must load and rebind what it says (it once named "assign").
    text = (EXAMPLES_DIR / "cloud.toml").read_text(encoding="utf-8")
    head, _, keymap = text.partition("\n[keymap]\n")
    overrides = [line.lstrip("# ") for line in keymap.splitlines() if re.match(r'#\s*"?[a-z_.]+"?\s*=', line)]
    assert overrides, "the example shows an override"
    path = tmp_path / "cloud.toml"
    path.write_text(head + "\n[keymap]\n" + "\n".join(overrides) + "\n", encoding="utf-8")
    assert dict(load_config(path, env=NO_LOCALE).keymap) == {"incident.assign": "a,ctrl+a"}
