"""Why a level of an escalation policy shows the Jira leads instead of its configured contacts.

Each reason has two message ids: one for "the leads are shown instead", one for "and no lead is known
either" (the level is then empty, and must say so rather than look like nobody is on call). The ids are
English templates; German is in `i18n/catalog_oncall.py`, and a test checks both agree.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PROBLEMS", "Reason", "problem"]


class Reason(StrEnum):
    NO_OPS = "no_ops"  # no JSM Ops client at all (not connected yet)
    DATA_CENTER = "data_center"
    OPS_OFF = "ops_off"
    OPS_DENIED = "ops_denied"
    NO_SCHEDULE = "no_schedule"
    NO_TEAM = "no_team"
    NO_ESCALATION = "no_escalation"
    OPS_FAILED = "ops_failed"
    NO_ROTA = "no_rota"
    ROTA_NOT_STARTED = "rota_not_started"


# The reason as the first half of a sentence, with its placeholders.
REASONS: dict[Reason, str] = {
    Reason.NO_OPS: "JSM Ops is not connected",
    Reason.DATA_CENTER: "Jira Data Center has no JSM Ops",
    Reason.OPS_OFF: "This Jira site has no JSM Ops",
    Reason.OPS_DENIED: "JSM Ops does not let you see {what}",
    Reason.NO_SCHEDULE: "JSM Ops has no schedule {what}",
    Reason.NO_TEAM: "JSM Ops has no team {what}",
    Reason.NO_ESCALATION: "JSM Ops team {what} has no escalation policy {name}",
    Reason.OPS_FAILED: "JSM Ops could not be read for {what}",
    Reason.NO_ROTA: "The config has no rota {what}",
    Reason.ROTA_NOT_STARTED: "Rota {what} starts only at {start}",
}

WITH_LEADS = "{reason}; showing the Jira leads."
WITHOUT_LEADS = "{reason}, and no Jira lead is known either."

# (reason, leads known) -> message id.
PROBLEMS: dict[tuple[Reason, bool], str] = {
    (reason, leads): (WITH_LEADS if leads else WITHOUT_LEADS).replace("{reason}", text)
    for reason, text in REASONS.items()
    for leads in (True, False)
}


def problem(reason: Reason, params: dict[str, object], *, leads: bool) -> tuple[str, dict[str, object]]:
    return PROBLEMS[(reason, leads)], dict(params)
