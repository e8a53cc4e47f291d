"""The SLA states' styles, from the theme's own colours; without colour (NO_COLOR), from attributes alone.

Every state also has a glyph and a word, so nothing depends on colour. With NO_COLOR Textual turns every colour
into a grey of similar lightness, which made the breached cell (red) the dimmest on screen: there, breached is
drawn reversed and bold, at risk bold, the stopped ones dim, so the most urgent state stands out most.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.color import Color
from rich.style import Style

from oncall_tui.domain.sla import SlaState

SlaStyles = dict[SlaState, Style]

# Textual's own defaults for the theme variables used, for widgets built before a theme is known.
_FALLBACK = {"error": "#ba3c5b", "warning": "#ffa62b", "success": "#4EBF71"}


def _colour(variables: Mapping[str, str], name: str) -> Color | None:
    value = variables.get(name) or _FALLBACK[name]
    try:
        return Color.parse(value)
    except Exception:  # a theme with a colour Rich cannot read: attributes alone still tell the states apart
        return None


def sla_styles(variables: Mapping[str, str] | None = None, *, monochrome: bool = False) -> SlaStyles:
    if monochrome:
        return {
            SlaState.BREACHED: Style(bold=True, reverse=True),
            SlaState.AT_RISK: Style(bold=True),
            SlaState.RUNNING: Style(),
            SlaState.PAUSED: Style(dim=True),
            SlaState.OUTSIDE_HOURS: Style(dim=True),
            SlaState.MET: Style(),
            SlaState.FAILED: Style(underline=True),
        }
    found = variables or {}
    error, warning, success = (_colour(found, name) for name in ("error", "warning", "success"))
    return {
        SlaState.BREACHED: Style(color=error, bold=True),
        SlaState.AT_RISK: Style(color=warning, bold=True),
        SlaState.RUNNING: Style(),
        SlaState.PAUSED: Style(dim=True),
        SlaState.OUTSIDE_HOURS: Style(dim=True),
        SlaState.MET: Style(color=success),
        SlaState.FAILED: Style(color=error),
    }


def warning_style(variables: Mapping[str, str] | None = None, *, monochrome: bool = False) -> Style:
    """For words that must be noticed but are not an SLA state: an internal note's mark, a stale copy's note."""
    if monochrome:
        return Style(bold=True)
    return Style(color=_colour(variables or {}, "warning"))
