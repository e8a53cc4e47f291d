"""The `[notify]` table (issue 9 item 6): defaults, every key read, and errors in the house style."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.config import load_config
from oncall_tui.config_notify import NotifyConfig
from tests.test_config import BASE, NO_LOCALE, problems_of, write_data


def test_defaults_without_a_notify_table(tmp_path: Path) -> None:
    cfg = load_config(write_data(tmp_path, BASE), env=NO_LOCALE)
    assert cfg.notify == NotifyConfig()
    assert cfg.notify.bell and cfg.notify.desktop == "auto" and not cfg.notify.quiet
    assert cfg.notify.urgent_priorities == ("Highest", "High") and cfg.notify.min_interval_seconds == 30


def test_every_notify_key_is_read(tmp_path: Path) -> None:
    notify = {
        "bell": False,
        "desktop": "osc777",
        "new_urgent": False,
        "urgent_priorities": ["1", "Critical "],
        "sla_at_risk": False,
        "sla_breached": False,
        "escalation_due": False,
        "min_interval_seconds": 5,
        "quiet": True,
    }
    cfg = load_config(write_data(tmp_path, {**BASE, "notify": notify}), env=NO_LOCALE)
    assert cfg.notify == NotifyConfig(False, "osc777", False, ("1", "Critical"), False, False, False, 5.0, True)


def test_bad_values_are_reported_at_their_key(tmp_path: Path) -> None:
    notify = {"desktop": "osc99", "urgent_priorities": "High", "min_interval_seconds": -1, "quiet": "yes", "bel": 1}
    problems = problems_of(write_data(tmp_path, {**BASE, "notify": notify}))
    assert problems == [
        'notify.bel: unknown key; did you mean "bell"?',
        'notify.desktop: expected one of "auto", "osc9", "osc777", "off", got "osc99" (did you mean "osc9"?)',
        'notify.urgent_priorities: expected an array of priority names or ids, such as ["Highest", "High"], got "High"',
        "notify.min_interval_seconds: expected a number of seconds >= 0, got -1",
        'notify.quiet: expected true or false, got "yes"',
    ]


def test_a_profile_overrides_notify_key_by_key(tmp_path: Path) -> None:
    data = {**BASE, "notify": {"bell": False, "quiet": True}, "profiles": {"night": {"notify": {"quiet": False}}}}
    cfg = load_config(write_data(tmp_path, data), "night", env=NO_LOCALE)
    assert cfg.notify.quiet is False and cfg.notify.bell is False
