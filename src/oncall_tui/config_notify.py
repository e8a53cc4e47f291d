"""The `[notify]` table: which events reach the user's own terminal (bell, desktop notification), how often.

Kept apart from config_schema/config_validate so issue 9's parts each add a small module and a few lines of
hook; config_schema lists NOTIFY_KEYS as a section and config_validate calls `build_notify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from oncall_tui.config_validate import _Fields

__all__ = ["DESKTOP_CHOICES", "NOTIFY_KEYS", "Desktop", "NotifyConfig", "build_notify"]

Desktop = Literal["auto", "osc9", "osc777", "off"]
DESKTOP_CHOICES: tuple[Desktop, ...] = ("auto", "osc9", "osc777", "off")

NOTIFY_KEYS = frozenset(
    {
        "bell",
        "desktop",
        "new_urgent",
        "urgent_priorities",
        "sla_at_risk",
        "sla_breached",
        "escalation_due",
        "min_interval_seconds",
        "quiet",
    }
)


@dataclass(frozen=True)
class NotifyConfig:
    bell: bool = True
    # How a desktop notification is written: "auto" picks by what the terminal says it is; "off" only rings.
    desktop: Desktop = "auto"
    new_urgent: bool = True
    # Priority names or ids that make a new incident in a watched queue urgent.
    urgent_priorities: tuple[str, ...] = ("Highest", "High")
    sla_at_risk: bool = True
    sla_breached: bool = True
    escalation_due: bool = True
    # At most one notification per this many seconds; what comes meanwhile is merged into the next one.
    min_interval_seconds: float = 30.0
    # Start in quiet mode (no bell, no desktop notification; the header says so; a key toggles it).
    quiet: bool = False


def build_notify(f: _Fields) -> NotifyConfig:
    default = NotifyConfig()
    return NotifyConfig(
        bell=f.flag("bell", default.bell),
        desktop=cast(Desktop, f.choice("desktop", DESKTOP_CHOICES, default.desktop)),
        new_urgent=f.flag("new_urgent", default.new_urgent),
        urgent_priorities=_names(f, "urgent_priorities", default.urgent_priorities),
        sla_at_risk=f.flag("sla_at_risk", default.sla_at_risk),
        sla_breached=f.flag("sla_breached", default.sla_breached),
        escalation_due=f.flag("escalation_due", default.escalation_due),
        min_interval_seconds=f.number(
            "min_interval_seconds", default.min_interval_seconds, minimum=0, what="a number of seconds >= 0"
        ),
        quiet=f.flag("quiet", default.quiet),
    )


def _names(f: _Fields, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if not f.has(key):
        return default
    value = f.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        f.expected(key, 'an array of priority names or ids, such as ["Highest", "High"]')
        return default
    return tuple(v.strip() for v in value)
