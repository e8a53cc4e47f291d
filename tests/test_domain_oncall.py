"""Contacts, levels and escalation policies; matching a policy to an incident: first match wins, else the
default, else none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oncall_tui.domain.oncall import (
    Contact,
    ContactsFrom,
    Effects,
    EscalationMode,
    FixedContacts,
    IncidentFacts,
    Level,
    MatchRule,
    OnCallShift,
    Policy,
    RotaRef,
    ScheduleRef,
    Source,
    TeamEscalationRef,
    match_policy,
    validate_policies,
)

OWNER = Contact(account_id="acc-owner", display_name="Service Owner", phone="+49 30 1234", email="owner@example.net")
L1 = Level("L1 on-call", ScheduleRef("Dealer Portal on-call"), timedelta(minutes=15), Effects(reassign=True))
L2 = Level("L2 team", TeamEscalationRef("Portal team"), timedelta(minutes=30), Effects(reassign=True, page=True))
L3 = Level("L3 owner", FixedContacts((OWNER,)), effects=Effects(mention=True))


def policy(name: str, *rules: MatchRule, default: bool = False) -> Policy:
    return Policy(name, (L1, L2, L3), rules, default=default)


# ---- contacts and shifts -----------------------------------------------------------------------------------------


def test_contact_needs_a_jira_identity_and_is_compared_by_it() -> None:
    with pytest.raises(ValueError, match="account_id or a username"):
        Contact(display_name="Nobody", phone="+1 555")
    assert Contact(account_id="a1", username="anna").id == "a1"  # Cloud's id wins over a username
    assert Contact(username="anna").id == "anna"
    assert Contact(account_id="a1").same_person(Contact(account_id="a1", display_name="Anna", time_zone="UTC"))
    assert not Contact(account_id="a1").same_person(Contact(account_id="a2"))


def test_on_call_shift_is_half_open_aware_and_labelled_with_its_source() -> None:
    since = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    shift = OnCallShift(OWNER, Source.JSM_OPS_SCHEDULE, since, since + timedelta(hours=8))
    assert shift.contains(since) and not shift.contains(since + timedelta(hours=8))
    assert OnCallShift(OWNER, Source.JIRA_LEADS).contains(since)  # no times: always
    with pytest.raises(ValueError, match="timezone-aware"):
        OnCallShift(OWNER, Source.FIXED, datetime(2025, 3, 3, 8, 0))
    with pytest.raises(ValueError, match="end after"):
        OnCallShift(OWNER, Source.FIXED, since, since)


@pytest.mark.parametrize(
    ("contacts", "source"),
    [
        (ScheduleRef("sched-1", by_name=False), Source.JSM_OPS_SCHEDULE),
        (TeamEscalationRef("Portal team"), Source.JSM_OPS_TEAM),
        (RotaRef("portal-weekly"), Source.CONFIG_ROTA),
        (FixedContacts((OWNER,)), Source.FIXED),
    ],
)
def test_a_level_says_where_its_contacts_come_from(contacts: ContactsFrom, source: Source) -> None:
    assert Level("L", contacts).source is source


def test_levels_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="at least one contact"):
        FixedContacts(())
    with pytest.raises(ValueError, match="timeout must be positive"):
        Level("L1", RotaRef("r"), timedelta(0))
    with pytest.raises(ValueError, match="needs a name"):
        Level("  ", RotaRef("r"))


def test_policies_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="at least one criterion"):
        MatchRule()
    with pytest.raises(ValueError, match="matches nothing"):
        Policy("p", (L1,))
    with pytest.raises(ValueError, match="at least one level"):
        Policy("p", (), default=True)
    with pytest.raises(ValueError, match="names a level twice"):
        Policy("p", (L1, L1), default=True)
    # Hierarchical escalation informs management; the assignee stays, so no level may reassign.
    with pytest.raises(ValueError, match="hierarchical but level 'L1 on-call' reassigns"):
        Policy("mgmt", (L1, L3), default=True, mode=EscalationMode.HIERARCHICAL)
    informing = Policy("mgmt", (L3,), default=True, mode=EscalationMode.HIERARCHICAL)
    assert informing.mode is EscalationMode.HIERARCHICAL


# ---- matching ----------------------------------------------------------------------------------------------------

PORTAL = IncidentFacts(
    project="OPS",
    components=frozenset({"Dealer Portal", "Login"}),
    labels=frozenset({"customer-facing"}),
    request_type="Report an outage",
    issue_type="Incident",
    queues=frozenset({"P1/P2", "All open"}),
)


@pytest.mark.parametrize(
    "rule",
    [
        MatchRule(project="ops"),
        MatchRule(component="dealer portal"),
        MatchRule(label="customer-facing"),
        MatchRule(request_type="Report an Outage"),
        MatchRule(issue_type="INCIDENT"),
        MatchRule(queue="p1/p2"),
    ],
    ids=["project", "component", "label", "request_type", "issue_type", "queue"],
)
def test_each_criterion_matches_an_incident_that_has_it(rule: MatchRule) -> None:
    assert rule.matches(PORTAL)
    assert not rule.matches(IncidentFacts(project="OTHER", issue_type="Task"))


def test_labels_compare_exactly_as_jira_keeps_them_apart() -> None:
    assert not MatchRule(label="Customer-Facing").matches(PORTAL)


def test_criteria_of_one_rule_all_hold_and_any_rule_of_a_policy_suffices() -> None:
    both = MatchRule(project="OPS", component="Billing")
    assert not both.matches(PORTAL)  # the project holds, the component does not
    assert policy("either", both, MatchRule(label="customer-facing")).matches(PORTAL)


def test_first_matching_policy_wins_in_config_order() -> None:
    by_service = policy("portal", MatchRule(component="Dealer Portal"))
    by_project = policy("ops", MatchRule(project="OPS"))
    assert match_policy([by_service, by_project], PORTAL) is by_service
    assert match_policy([by_project, by_service], PORTAL) is by_project


def test_default_policy_catches_what_nothing_else_matches_even_when_listed_first() -> None:
    fallback = policy("default", default=True)
    billing = policy("billing", MatchRule(component="Billing"))
    portal = policy("portal", MatchRule(component="Login"))
    assert match_policy([fallback, billing, portal], PORTAL) is portal
    assert match_policy([fallback, billing, portal], IncidentFacts(project="HR")) is fallback
    second_default = policy("also default", default=True)
    assert match_policy([billing, fallback, second_default], IncidentFacts()) is fallback


def test_no_match_and_no_default_is_no_policy() -> None:
    only = policy("billing", MatchRule(component="Billing"), MatchRule(queue="Billing"))
    assert match_policy([only], PORTAL) is None
    assert match_policy([], PORTAL) is None


def test_problems_across_policies_are_message_ids_with_parameters() -> None:
    problems = validate_policies(
        [policy("Portal", default=True), policy("portal", MatchRule(project="OPS")), policy("x", default=True)]
    )
    assert ("Two escalation policies are named {name}", {"name": "portal"}) in problems
    assert ("More than one escalation policy is the default; only the first is used", {}) in problems
    assert validate_policies([policy("a", default=True), policy("b", MatchRule(label="db"))]) == []
