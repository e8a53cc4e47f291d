"""The simulator's JQL: parsing, Jira-worded errors, every field and operator, SLA functions, ORDER BY."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.sim.clock import SimClock
from oncall_tui.sim.jql import JqlContext, JqlError, Query, parse, search
from oncall_tui.sim.model import (
    Component,
    Issue,
    IssueType,
    Priority,
    Project,
    Resolution,
    SlaCompletedCycle,
    SlaDefinition,
    SlaGoal,
    SlaOngoingCycle,
    SlaRecord,
    Status,
    Team,
    User,
)
from oncall_tui.sim.state import SimState

# Monday 2 March 2026, 09:30 in Berlin (08:30 UTC).
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
MIN = 60_000


def _adf(text: str) -> dict[str, object]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def build_state() -> SimState:
    state = SimState(flavour="cloud", clock=SimClock(NOW, speed=0.0))
    for account_id, username, name, agent in [
        ("acc-alice", "alice", "Alice Archer", True),
        ("acc-bob", "bob", "Bob Baker", True),
        ("acc-carol", "carol", "Carol Customer", False),
        ("acc-dave", "dave", "Dave Dunn", True),
    ]:
        state.users[account_id] = User(
            account_id, username, name, f"{username}@example.com", "Europe/Berlin", agent=agent
        )
    for status in [
        Status("1", "Open", "new"),
        Status("3", "In Progress", "indeterminate"),
        Status("10", "Waiting for customer", "indeterminate"),
        Status("5", "Resolved", "done"),
    ]:
        state.statuses[status.id] = status
    for rank, name in enumerate(["Highest", "High", "Medium", "Low", "Lowest"], start=1):
        state.priorities[str(rank)] = Priority(str(rank), name, rank)
    state.resolutions = {"10000": Resolution("10000", "Done"), "10001": Resolution("10001", "Won't Do")}
    state.issue_types = {"10001": IssueType("10001", "Incident"), "10002": IssueType("10002", "Service request")}
    state.projects["OPS"] = Project(
        "10000", "OPS", "Operations", "acc-alice", [Component("20000", "Database"), Component("20001", "Network")]
    )
    state.projects["INFRA"] = Project("10001", "INFRA", "Infrastructure", "acc-dave", [Component("20002", "Storage")])
    state.sla_definitions = [
        SlaDefinition("1", "customfield_10030", "Time to resolution", [SlaGoal(None, 4 * 3600_000, "cal")]),
        SlaDefinition("2", "customfield_10031", "Time to first response", [SlaGoal(None, 3600_000, "cal")]),
    ]
    state.teams["t1"] = Team("t1", "Database SRE", ["acc-alice", "acc-dave"])

    def add(project: str, summary: str, priority: str, ago: timedelta, **kw: object) -> Issue:
        return state.add_issue(
            project_key=project,
            summary=summary,
            priority_id=priority,
            created=NOW - ago,
            **kw,  # type: ignore[arg-type]
        )

    ops1 = add(
        "OPS",
        "Database disk full on db-primary",
        "1",
        timedelta(hours=3),
        reporter="acc-carol",
        assignee="acc-alice",
        status_id="3",
        component_ids=["20000"],
        labels=["db", "prod"],
        description=_adf("The primary database volume reached 100% usage."),
    )
    ops2 = add(
        "OPS",
        "Login page slow",
        "3",
        timedelta(hours=26),
        reporter="acc-carol",
        assignee="acc-bob",
        status_id="10",
        labels=["web"],
    )
    add("OPS", "Network flapping in rack 12", "2", timedelta(minutes=30), reporter="acc-alice", component_ids=["20001"])
    ops4 = add(
        "OPS",
        "Printer out of paper",
        "5",
        timedelta(days=10),
        reporter="acc-carol",
        assignee="acc-alice",
        issue_type_id="10002",
    )
    add(
        "INFRA",
        "Storage array degraded",
        "2",
        timedelta(hours=1),
        reporter="acc-dave",
        assignee="acc-dave",
        component_ids=["20002"],
    )
    state.set_status(ops4, "5", "acc-alice", resolution_id="10000", at=NOW - timedelta(days=1))
    state.add_comment(
        ops1, "acc-alice", _adf("Failover initiated to the replica"), public=False, at=NOW - timedelta(hours=2)
    )
    state.add_comment(
        ops2, "acc-bob", _adf("Waiting on the customer's HAR file"), public=True, at=NOW - timedelta(minutes=5)
    )
    return state


def _ongoing(
    remaining_min: int, elapsed_min: int = 30, *, paused: bool = False, within: bool = True
) -> SlaOngoingCycle:
    return SlaOngoingCycle(
        start=NOW - timedelta(minutes=elapsed_min),
        breach_time=NOW + timedelta(minutes=remaining_min),
        breached=remaining_min < 0,
        paused=paused,
        within_calendar_hours=within,
        goal_ms=(remaining_min + elapsed_min) * MIN,
        elapsed_ms=elapsed_min * MIN,
        remaining_ms=remaining_min * MIN,
    )


def _completed(*, breached: bool) -> SlaCompletedCycle:
    return SlaCompletedCycle(
        start=NOW - timedelta(days=3),
        stop=NOW - timedelta(days=2),
        breach_time=None,
        breached=breached,
        goal_ms=60 * MIN,
        elapsed_ms=90 * MIN if breached else 30 * MIN,
        remaining_ms=-30 * MIN if breached else 30 * MIN,
    )


class FakeSla:
    """Hand-made SLA records per (issue key, metric name); counts look-ups."""

    def __init__(self, state: SimState) -> None:
        ttr, ttfr = state.sla_definitions
        self.records: dict[tuple[str, str], tuple[SlaCompletedCycle, ...] | SlaOngoingCycle] = {
            ("OPS-1", ttr.id): _ongoing(20, 200),
            ("OPS-2", ttr.id): _ongoing(120, 90, paused=True, within=False),
            ("OPS-3", ttr.id): _ongoing(-15, 255),
            ("OPS-4", ttr.id): (_completed(breached=True), _completed(breached=False)),
            ("OPS-1", ttfr.id): (_completed(breached=False),),
            ("OPS-3", ttfr.id): _ongoing(5, 25),
        }
        self.calls = 0

    def __call__(self, issue: Issue, definition: SlaDefinition) -> SlaRecord | None:
        self.calls += 1
        value = self.records.get((issue.key, definition.id))
        if value is None:
            return None
        if isinstance(value, SlaOngoingCycle):
            return SlaRecord(definition, (), value)
        return SlaRecord(definition, value, None)


@pytest.fixture
def state() -> SimState:
    return build_state()


@pytest.fixture
def ctx(state: SimState) -> JqlContext:
    return JqlContext(state, NOW, current_user="acc-alice", time_zone="Europe/Berlin", sla=FakeSla(state))


@pytest.fixture
def keys(state: SimState, ctx: JqlContext) -> Callable[[str], list[str]]:
    def run(jql: str) -> list[str]:
        return [i.key for i in search(state, jql, ctx)]

    return run


def matching(keys: Callable[[str], list[str]], jql: str) -> set[str]:
    return set(keys(jql))


def error_of(jql: str, ctx: JqlContext | None = None) -> str:
    with pytest.raises(JqlError) as info:
        query = parse(jql)
        if ctx is not None:
            query.validate(ctx)
    return info.value.message


# ---- parsing --------------------------------------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    assert str(parse("a = 1 OR b = 2 AND c = 3")) == "(a = 1 OR (b = 2 AND c = 3))"


def test_parentheses_override_precedence() -> None:
    assert str(parse("(a = 1 OR b = 2) AND c = 3")) == "((a = 1 OR b = 2) AND c = 3)"


def test_not_binds_tighter_than_and() -> None:
    assert str(parse("NOT a = 1 AND b = 2")) == "(NOT a = 1 AND b = 2)"


def test_bang_and_symbol_connectives() -> None:
    assert str(parse("!(a = 1 || b = 2) && c = 3")) == "(NOT (a = 1 OR b = 2) AND c = 3)"


def test_keywords_are_case_insensitive() -> None:
    query = parse("project = OPS aNd Status In (Open) Or assignee iS nOt eMpTy oRdEr By key DeSc")
    assert str(query) == "((project = OPS AND Status IN (Open)) OR assignee IS NOT EMPTY) ORDER BY key DESC"


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("f = v", "="),
        ("f != v", "!="),
        ("f ~ v", "~"),
        ("f !~ v", "!~"),
        ("f > v", ">"),
        ("f >= v", ">="),
        ("f < v", "<"),
        ("f <= v", "<="),
        ("f in (v)", "in"),
        ("f NOT IN (v)", "not in"),
        ("f is EMPTY", "is"),
        ("f IS NOT null", "is not"),
        ("f=v", "="),
        ("f<=v", "<="),
    ],
)
def test_every_operator_parses(text: str, operator: str) -> None:
    where = parse(text).where
    assert where is not None and where.operator == operator  # type: ignore[union-attr]


def test_quoted_strings_and_escapes() -> None:
    query = parse("""summary ~ "say \\"hi\\"" OR summary ~ 'it\\'s' OR summary ~ "\\u0041\\tB" OR summary ~ a\\ b""")
    values = [child.operand.value for child in query.where.children]  # type: ignore[union-attr]
    assert values == ['say "hi"', "it's", "A\tB", "a b"]


def test_quoted_keyword_is_a_value_and_quoted_field_name() -> None:
    query = parse('"Time to resolution" = "and"')
    assert query.where.field == "Time to resolution"  # type: ignore[union-attr]
    assert query.where.operand.value == "and"  # type: ignore[union-attr]


def test_unquoted_words_allow_keys_dates_and_offsets() -> None:
    query = parse("key = OPS-12 AND created >= -15m AND updated < 2026-03-02")
    assert [c.operand.value for c in query.where.children] == ["OPS-12", "-15m", "2026-03-02"]  # type: ignore[union-attr]


def test_functions_and_lists_parse() -> None:
    query = parse('assignee in (currentUser(), EMPTY, "bob") AND created > startOfDay(-1d)')
    assert str(query) == '(assignee IN (currentUser(), EMPTY, "bob") AND created > startOfDay("-1d"))'


def test_custom_field_reference_parses() -> None:
    assert parse("cf[10030] = breached()").where.field == "cf[10030]"  # type: ignore[union-attr]


def test_order_by_defaults_to_ascending() -> None:
    query = parse('project = OPS ORDER BY "Time to resolution", priority DESC, created asc')
    assert query.order_by == [("Time to resolution", "ASC"), ("priority", "DESC"), ("created", "ASC")]


def test_order_by_allows_seven_fields() -> None:
    assert len(parse("project = OPS ORDER BY a, b, c, d, e, f, g").order_by) == 7


def test_order_by_only_is_unbounded() -> None:
    query = parse("order by key desc")
    assert query.where is None and not query.is_bounded()
    assert parse("project = OPS ORDER BY key").is_bounded()
    assert not parse("").is_bounded()


def test_render_round_trips() -> None:
    text = 'NOT (a = 1 OR "b c" IN (x, EMPTY)) AND d ~ "q\\"r" ORDER BY e DESC'
    once = str(parse(text))
    assert str(parse(once)) == once


# ---- syntax errors ---------------------------------------------------------------------------------------


def test_error_missing_close_paren() -> None:
    assert error_of("(project = OPS AND x = 1") == (
        "Error in the JQL Query: Expecting ')' but got the end of the query. (line 1, character 25)"
    )


def test_error_extra_close_paren() -> None:
    assert error_of("project = OPS)") == (
        "Error in the JQL Query: Expecting either 'OR' or 'AND' but got ')'. (line 1, character 14)"
    )


def test_error_dangling_operator() -> None:
    assert error_of("project =") == (
        "Error in the JQL Query: Expecting either a value, list or function but got the end of the query. "
        "(line 1, character 10)"
    )


def test_error_dangling_and() -> None:
    assert error_of("project = OPS AND ") == (
        "Error in the JQL Query: Expecting a field name but got the end of the query. (line 1, character 19)"
    )


def test_error_missing_operator_lists_valid_ones() -> None:
    message = error_of("project OPS")
    assert message.startswith("Error in the JQL Query: Expecting operator but got 'OPS'. The valid operators are '='")
    assert message.endswith("(line 1, character 9)")


def test_error_unterminated_string() -> None:
    assert error_of('summary ~ "disk full') == (
        "Error in the JQL Query: The quoted string 'disk full' has not been completed. (line 1, character 11)"
    )


def test_error_position_counts_lines() -> None:
    assert error_of("project = OPS\n  AND (status = Open") == (
        "Error in the JQL Query: Expecting ')' but got the end of the query. (line 2, character 21)"
    )


def test_error_reserved_character() -> None:
    assert error_of("assignee = alice@example.com") == (
        "Error in the JQL Query: The character '@' is a reserved JQL character. You must enclose it in a string "
        "or use the escape '\\u0040' instead. (line 1, character 17)"
    )


def test_error_reserved_word() -> None:
    assert error_of("project = SET") == (
        "Error in the JQL Query: 'SET' is a reserved JQL word. You must surround it in quotation marks to use "
        "it in a query. (line 1, character 11)"
    )


def test_error_keyword_as_value() -> None:
    assert error_of("project = IN") == (
        "Error in the JQL Query: Expecting either a value, list or function but got 'IN'. You must surround "
        "'IN' in quotation marks to use it as a value. (line 1, character 11)"
    )


def test_error_is_needs_empty() -> None:
    assert error_of("assignee is bob") == (
        "Error in the JQL Query: Expecting 'EMPTY' or 'NULL' but got 'bob'. (line 1, character 13)"
    )


def test_error_in_needs_a_list() -> None:
    assert "Expecting '(' or a function returning a list but got 'Open'" in error_of("status in Open")


def test_error_invalid_escape() -> None:
    assert error_of('summary ~ "a\\qb"') == (
        "Error in the JQL Query: The escape sequence '\\q' is not valid. (line 1, character 13)"
    )


def test_error_history_operators_unsupported() -> None:
    assert "The history operator 'WAS' is not supported" in error_of("status was Open")


def test_error_eight_order_by_fields() -> None:
    assert error_of("project = OPS ORDER BY a, b, c, d, e, f, g, h") == (
        "Error in the JQL Query: The ORDER BY clause can contain at most 7 fields. (line 1, character 45)"
    )


def test_error_garbage_after_order_by() -> None:
    assert "Expecting either 'ASC', 'DESC', ',' or the end of the query but got 'x'" in error_of("a = b ORDER BY c x")


# ---- validation errors (checked before evaluation) ----------------------------------------------------


def test_unknown_field(ctx: JqlContext) -> None:
    assert error_of("foo = bar", ctx) == "Field 'foo' does not exist or you do not have permission to view it."


def test_unknown_custom_field(ctx: JqlContext) -> None:
    assert error_of("cf[99999] = breached()", ctx) == (
        "Field 'cf[99999]' does not exist or you do not have permission to view it."
    )


def test_unknown_status_value(ctx: JqlContext) -> None:
    assert error_of("status = Bogus", ctx) == "The value 'Bogus' does not exist for the field 'status'."


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("priority in (High, Urgent)", "The value 'Urgent' does not exist for the field 'priority'."),
        ("type = Bug", "The value 'Bug' does not exist for the field 'type'."),
        ("resolution = Fixed", "The value 'Fixed' does not exist for the field 'resolution'."),
        ("statusCategory = Blocked", "The value 'Blocked' does not exist for the field 'statusCategory'."),
        ("assignee = zed", "The value 'zed' does not exist for the field 'assignee'."),
        ("component = Kitchen", "The value 'Kitchen' does not exist for the field 'component'."),
        ("key = OPS-99", "An issue with key 'OPS-99' does not exist for field 'key'."),
        ("issuekey = nonsense", "The issue key 'nonsense' for field 'issuekey' is invalid."),
    ],
)
def test_unknown_values(ctx: JqlContext, jql: str, message: str) -> None:
    assert error_of(jql, ctx) == message


def test_validation_happens_even_with_no_issues(ctx: JqlContext) -> None:
    with pytest.raises(JqlError, match="does not exist for the field 'status'"):
        parse("status = Bogus").filter([], ctx)


def test_priority_does_not_support_empty(ctx: JqlContext) -> None:
    assert error_of("priority is EMPTY", ctx) == "The field 'priority' does not support searching for EMPTY values."


def test_status_does_not_support_tilde(ctx: JqlContext) -> None:
    assert error_of("status ~ Open", ctx) == "The operator '~' is not supported by the 'status' field."


def test_summary_does_not_support_equals(ctx: JqlContext) -> None:
    assert error_of("summary = disk", ctx) == "The operator '=' is not supported by the 'summary' field."


def test_equals_rejects_a_list(ctx: JqlContext) -> None:
    assert error_of("status = (Open, Resolved)", ctx) == (
        "The operator '=' does not support the list value '(Open, Resolved)' for the field 'status'."
    )


def test_unknown_function(ctx: JqlContext) -> None:
    assert error_of("assignee = whoever()", ctx) == "Unable to find JQL function 'whoever()'."


def test_function_on_wrong_field(ctx: JqlContext) -> None:
    assert (
        error_of("status = currentUser()", ctx) == "The function 'currentUser' is not supported by the field 'status'."
    )


def test_function_argument_count(ctx: JqlContext) -> None:
    assert error_of("assignee = currentUser(x)", ctx) == "Function 'currentUser' expected '0' arguments but got '1'."


def test_invalid_date(ctx: JqlContext) -> None:
    assert error_of("created > yesterday", ctx).startswith(
        "Date value 'yesterday' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm'"
    )


def test_created_does_not_support_empty(ctx: JqlContext) -> None:
    assert error_of("created is EMPTY", ctx) == "The field 'created' does not support searching for EMPTY values."


def test_leading_wildcard_rejected(ctx: JqlContext) -> None:
    assert error_of('summary ~ "*disk"', ctx) == (
        "The text query '*disk' for field 'summary' is not allowed to start with '*' or '?'."
    )


def test_empty_text_search_rejected(ctx: JqlContext) -> None:
    assert error_of('summary ~ ""', ctx) == "The field 'summary' does not support searching for an empty string."


def test_members_of_unknown_group(ctx: JqlContext) -> None:
    assert "group 'Nobody'; the group does not exist" in error_of('assignee in membersOf("Nobody")', ctx)


def test_text_supports_only_contains(ctx: JqlContext) -> None:
    assert error_of("text !~ disk", ctx) == "The operator '!~' is not supported by the 'text' field."


def test_remaining_with_equals_is_an_error(ctx: JqlContext) -> None:
    assert error_of('"Time to resolution" = remaining("30m")', ctx) == (
        "The operator '=' is not supported by the function 'remaining()'. Use '<', '<=', '>' or '>='."
    )


def test_breached_with_less_than_is_an_error(ctx: JqlContext) -> None:
    assert error_of('"Time to resolution" < breached()', ctx) == (
        "The operator '<' is not supported by the function 'breached()'. Use '=' or '!='."
    )


def test_sla_field_needs_a_function(ctx: JqlContext) -> None:
    assert error_of('"Time to resolution" = 30m', ctx).startswith(
        "The field 'Time to resolution' can only be searched with SLA functions"
    )


def test_invalid_sla_duration(ctx: JqlContext) -> None:
    assert error_of('"Time to resolution" < remaining("soon")', ctx).startswith(
        "The duration 'soon' for function 'remaining' is invalid"
    )


def test_order_by_unknown_field(ctx: JqlContext) -> None:
    assert error_of("project = OPS ORDER BY bogus", ctx) == (
        "Field 'bogus' does not exist or you do not have permission to view it."
    )


def test_order_by_unsortable_field(ctx: JqlContext) -> None:
    assert error_of("project = OPS ORDER BY text", ctx) == "Not able to sort using field 'text'."


def test_order_by_duplicate_field(ctx: JqlContext) -> None:
    assert error_of("project = OPS ORDER BY priority, PRIORITY DESC", ctx) == (
        "The field 'PRIORITY' is used more than once in the ORDER BY clause."
    )


# ---- fields -------------------------------------------------------------------------------------------


def test_project_by_key_name_and_id(keys: Callable[[str], list[str]]) -> None:
    assert matching(keys, "project = ops") == {"OPS-1", "OPS-2", "OPS-3", "OPS-4"}
    assert matching(keys, 'project = "Infrastructure"') == {"INFRA-1"}
    assert matching(keys, "project = 10001") == {"INFRA-1"}
    assert matching(keys, "project != OPS") == {"INFRA-1"}
    assert len(keys("project in (OPS, INFRA)")) == 5


def test_key_issuekey_and_id(keys: Callable[[str], list[str]], state: SimState) -> None:
    assert keys("key = ops-2") == ["OPS-2"]
    assert matching(keys, "issuekey in (OPS-1, INFRA-1)") == {"OPS-1", "INFRA-1"}
    assert keys(f"id = {state.issues['OPS-3'].id}") == ["OPS-3"]
    assert matching(keys, "key > OPS-2") == {"OPS-3", "OPS-4"}
    assert matching(keys, "key <= OPS-2") == {"OPS-1", "OPS-2"}
    assert matching(keys, "project = OPS AND key not in (OPS-1, OPS-2)") == {"OPS-3", "OPS-4"}


def test_summary_contains_words_case_insensitively(keys: Callable[[str], list[str]]) -> None:
    assert keys("summary ~ DISK") == ["OPS-1"]
    assert keys('summary ~ "full disk"') == ["OPS-1"]  # all words, any order
    assert keys("summary ~ dis") == []  # whole words only
    assert keys('summary ~ "dis*"') == ["OPS-1"]


def test_summary_phrase_and_negation(keys: Callable[[str], list[str]]) -> None:
    assert keys('summary ~ "\\"disk full\\""') == ["OPS-1"]
    assert keys('summary ~ "\\"full disk\\""') == []
    assert matching(keys, "project = OPS AND summary !~ disk") == {"OPS-2", "OPS-3", "OPS-4"}


def test_description_and_empty(keys: Callable[[str], list[str]]) -> None:
    assert keys("description ~ volume") == ["OPS-1"]
    assert matching(keys, "description is not EMPTY") == {"OPS-1"}
    assert "OPS-1" not in matching(keys, "description is EMPTY")
    assert len(keys("description is EMPTY")) == 4


def test_comment_and_text(keys: Callable[[str], list[str]]) -> None:
    assert keys("comment ~ HAR") == ["OPS-2"]
    assert keys("text ~ failover") == ["OPS-1"]  # from a comment
    assert keys("text ~ primary") == ["OPS-1"]  # description and summary
    assert keys("text ~ printer") == ["OPS-4"]  # summary


def test_status_by_name_id_and_list(keys: Callable[[str], list[str]]) -> None:
    assert matching(keys, "status = Open") == {"OPS-3", "INFRA-1"}
    assert keys('status = "waiting for CUSTOMER"') == ["OPS-2"]
    assert keys("status = 10") == ["OPS-2"]
    assert matching(keys, 'status in (Open, "In Progress")') == {"OPS-1", "OPS-3", "INFRA-1"}
    assert matching(keys, "status != Open") == {"OPS-1", "OPS-2", "OPS-4"}


def test_status_category_by_key_name_and_id(keys: Callable[[str], list[str]]) -> None:
    assert keys("statusCategory = Done") == ["OPS-4"]
    assert matching(keys, "statuscategory = indeterminate") == {"OPS-1", "OPS-2"}
    assert matching(keys, 'statusCategory = "In Progress"') == {"OPS-1", "OPS-2"}
    assert matching(keys, "statusCategory = 2") == {"OPS-3", "INFRA-1"}
    assert matching(keys, "statusCategory != done") == {"OPS-1", "OPS-2", "OPS-3", "INFRA-1"}


def test_priority_names_ids_and_ordering(keys: Callable[[str], list[str]]) -> None:
    assert keys("priority = Highest") == ["OPS-1"]
    assert keys("priority = 5") == ["OPS-4"]
    assert keys("priority > High") == ["OPS-1"]
    assert matching(keys, "priority >= High") == {"OPS-1", "OPS-3", "INFRA-1"}
    assert matching(keys, "priority < Medium") == {"OPS-4"}
    assert matching(keys, "priority <= medium") == {"OPS-2", "OPS-4"}
    assert matching(keys, "priority in (Highest, High)") == {"OPS-1", "OPS-3", "INFRA-1"}


def test_assignee_by_every_identity(keys: Callable[[str], list[str]]) -> None:
    expected = {"OPS-1", "OPS-4"}
    for value in ("acc-alice", "alice", '"alice@example.com"', '"Alice Archer"', "currentUser()"):
        assert matching(keys, f"assignee = {value}") == expected, value


def test_assignee_empty_and_lists(keys: Callable[[str], list[str]]) -> None:
    assert keys("assignee is EMPTY") == ["OPS-3"]
    assert keys("assignee = NULL") == ["OPS-3"]
    assert len(keys("assignee is not empty")) == 4
    assert matching(keys, "assignee in (bob, EMPTY)") == {"OPS-2", "OPS-3"}


def test_not_equal_skips_empty_fields(keys: Callable[[str], list[str]]) -> None:
    # As in Jira, != and NOT never match an issue whose field is empty.
    assert matching(keys, "assignee != alice") == {"OPS-2", "INFRA-1"}
    assert matching(keys, "NOT assignee = alice") == {"OPS-2", "INFRA-1"}
    assert matching(keys, "assignee not in (alice)") == {"OPS-2", "INFRA-1"}


def test_not_inverts_relational_operators(keys: Callable[[str], list[str]]) -> None:
    assert matching(keys, "NOT key < OPS-2") == {"OPS-2", "OPS-3", "OPS-4"}
    assert matching(keys, "NOT priority > High") == {"OPS-2", "OPS-3", "OPS-4", "INFRA-1"}
    assert matching(keys, 'NOT "Time to resolution" < remaining("20m")') == {"OPS-1", "OPS-2"}
    assert matching(keys, "NOT (created <= -1h OR priority = Highest)") == {"OPS-3"}


def test_current_user_anonymous_matches_nothing(state: SimState) -> None:
    anonymous = JqlContext(state, NOW)
    assert search(state, "assignee = currentUser()", anonymous) == []


def test_members_of_team(keys: Callable[[str], list[str]]) -> None:
    assert matching(keys, 'assignee in membersOf("Database SRE")') == {"OPS-1", "OPS-4", "INFRA-1"}


def test_reporter(keys: Callable[[str], list[str]]) -> None:
    assert matching(keys, "reporter = carol") == {"OPS-1", "OPS-2", "OPS-4"}
    assert matching(keys, "reporter in (alice, dave)") == {"OPS-3", "INFRA-1"}


def test_labels(keys: Callable[[str], list[str]]) -> None:
    assert keys("labels = DB") == ["OPS-1"]
    assert matching(keys, "labels in (web, prod)") == {"OPS-1", "OPS-2"}
    assert matching(keys, "labels is EMPTY") == {"OPS-3", "OPS-4", "INFRA-1"}
    assert keys("labels != db") == ["OPS-2"]  # unlabelled issues never match !=
    assert keys("labels = nonexistent") == []


def test_component(keys: Callable[[str], list[str]]) -> None:
    assert keys("component = database") == ["OPS-1"]
    assert keys("component = 20002") == ["INFRA-1"]
    assert matching(keys, "component is EMPTY") == {"OPS-2", "OPS-4"}
    assert matching(keys, "component in (Network, Storage)") == {"OPS-3", "INFRA-1"}


def test_issue_type_and_type_alias(keys: Callable[[str], list[str]]) -> None:
    assert keys('type = "Service request"') == ["OPS-4"]
    assert len(keys("issuetype = Incident")) == 4


def test_resolution(keys: Callable[[str], list[str]]) -> None:
    assert keys("resolution = Done") == ["OPS-4"]
    assert keys("resolution is not EMPTY") == ["OPS-4"]
    assert len(keys("resolution = Unresolved")) == 4
    assert matching(keys, "resolution is EMPTY") == matching(keys, "resolution = unresolved")


# ---- dates ----------------------------------------------------------------------------------------------


def test_relative_dates(keys: Callable[[str], list[str]]) -> None:
    assert matching(keys, "created >= -1h") == {"OPS-3", "INFRA-1"}  # INFRA-1 exactly 1h ago
    assert matching(keys, 'created > "-1h"') == {"OPS-3"}
    assert matching(keys, "created >= -1d") == {"OPS-1", "OPS-3", "INFRA-1"}
    assert matching(keys, "created < -1d") == {"OPS-2", "OPS-4"}
    assert matching(keys, "created >= -1w") == {"OPS-1", "OPS-2", "OPS-3", "INFRA-1"}
    assert matching(keys, 'created >= "-1d 3h"') == {"OPS-1", "OPS-2", "OPS-3", "INFRA-1"}


def test_relative_dates_follow_the_frozen_clock(state: SimState) -> None:
    state.clock.advance(60)
    later = JqlContext(state, state.clock.now())
    assert [i.key for i in search(state, "created >= -1h", later)] == ["OPS-3"]


def test_updated_tracks_comments(keys: Callable[[str], list[str]]) -> None:
    assert keys("updated >= -15m") == ["OPS-2"]


def test_resolved_and_resolutiondate(keys: Callable[[str], list[str]]) -> None:
    assert keys("resolved >= -2d") == ["OPS-4"]
    assert keys("resolutiondate < now()") == ["OPS-4"]
    assert len(keys("resolved is EMPTY")) == 4


def test_absolute_dates_use_the_searchers_time_zone(state: SimState, ctx: JqlContext) -> None:
    # 09:00 in Berlin is 08:00 UTC, exactly when OPS-3 was created; in UTC it is still in the future.
    assert [i.key for i in search(state, 'created >= "2026-03-02 09:00"', ctx)] == ["OPS-3"]
    utc = JqlContext(state, NOW, time_zone="UTC")
    assert search(state, 'created >= "2026/03/02 09:00"', utc) == []


def test_date_only_literals(keys: Callable[[str], list[str]]) -> None:
    assert matching(keys, "created >= 2026-03-02") == {"OPS-1", "OPS-3", "INFRA-1"}
    assert matching(keys, 'created < "2026/02/25"') == {"OPS-4"}


def test_epoch_millisecond_dates(keys: Callable[[str], list[str]]) -> None:
    cutoff = int((NOW - timedelta(minutes=45)).timestamp() * 1000)
    assert keys(f"created > {cutoff}") == ["OPS-3"]


def test_start_of_day_and_week(keys: Callable[[str], list[str]]) -> None:
    today = {"OPS-1", "OPS-3", "INFRA-1"}  # since 00:00 Berlin
    assert matching(keys, "created >= startOfDay()") == today
    assert matching(keys, "created >= startOfDay(-1d)") == today | {"OPS-2"}
    assert matching(keys, 'created >= startOfDay("-1")') == today | {"OPS-2"}
    assert matching(keys, "created >= startOfWeek()") == today | {"OPS-2"}  # Sunday 1 March
    assert len(keys("created <= endOfDay()")) == 5
    assert keys("created > endOfDay(-1d) AND created < startOfDay()") == []


def test_now_function(keys: Callable[[str], list[str]]) -> None:
    assert len(keys("created <= now()")) == 5
    assert keys("created > now()") == []


# ---- SLA --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ('"Time to resolution" = breached()', {"OPS-3"}),
        ('"Time to resolution" != breached()', {"OPS-1", "OPS-2", "OPS-4"}),
        ('"Time to resolution" = everBreached()', {"OPS-3", "OPS-4"}),
        ('"Time to resolution" != everBreached()', {"OPS-1", "OPS-2"}),
        ('"Time to resolution" = running()', {"OPS-1", "OPS-3"}),
        ('"Time to resolution" = paused()', {"OPS-2"}),
        ('"Time to resolution" = completed()', {"OPS-4"}),
        ('"Time to resolution" = withinCalendarHours()', {"OPS-1", "OPS-3"}),
        ('"Time to resolution" < remaining("30m")', {"OPS-1", "OPS-3"}),
        ('"Time to resolution" < remaining("1h") AND "Time to resolution" > remaining("0m")', {"OPS-1"}),
        ('"Time to resolution" >= remaining("2h")', {"OPS-2"}),
        ('"Time to resolution" > elapsed("4h")', {"OPS-3"}),
        ('"Time to resolution" <= elapsed(90m)', {"OPS-2"}),
        ('NOT "Time to resolution" = breached()', {"OPS-1", "OPS-2", "OPS-4"}),
        ('"time TO resolution" = breached()', {"OPS-3"}),
        ("cf[10030] = breached()", {"OPS-3"}),
        ("customfield_10030 = paused()", {"OPS-2"}),
        ('"Time to first response" = running()', {"OPS-3"}),
        ("cf[10031] = completed()", {"OPS-1"}),
    ],
)
def test_sla_functions(keys: Callable[[str], list[str]], jql: str, expected: set[str]) -> None:
    assert matching(keys, jql) == expected


def test_sla_lookups_only_when_the_query_uses_sla_fields(state: SimState, ctx: JqlContext) -> None:
    fake = ctx.sla
    assert isinstance(fake, FakeSla)
    search(state, "project = OPS AND statusCategory != Done ORDER BY priority DESC", ctx)
    assert fake.calls == 0
    search(state, 'cf[10030] = running() OR cf[10030] = paused() ORDER BY "Time to resolution"', ctx)
    assert fake.calls == len(state.issues)  # one look-up per issue, shared by clauses and sorting


# ---- ORDER BY -------------------------------------------------------------------------------------------


def test_default_order_is_newest_first(keys: Callable[[str], list[str]]) -> None:
    assert keys("project in (OPS, INFRA)") == ["OPS-3", "INFRA-1", "OPS-1", "OPS-2", "OPS-4"]


def test_order_by_priority(keys: Callable[[str], list[str]]) -> None:
    assert keys("project = OPS ORDER BY priority DESC") == ["OPS-1", "OPS-3", "OPS-2", "OPS-4"]
    assert keys("project = OPS ORDER BY priority ASC") == ["OPS-4", "OPS-2", "OPS-3", "OPS-1"]


def test_order_by_several_keys(keys: Callable[[str], list[str]]) -> None:
    jql = "project in (OPS, INFRA) ORDER BY priority DESC, created ASC"
    assert keys(jql) == ["OPS-1", "INFRA-1", "OPS-3", "OPS-2", "OPS-4"]
    jql = "project in (OPS, INFRA) ORDER BY priority DESC, created DESC"
    assert keys(jql) == ["OPS-1", "OPS-3", "INFRA-1", "OPS-2", "OPS-4"]


def test_order_by_key(keys: Callable[[str], list[str]]) -> None:
    assert keys("project in (OPS, INFRA) ORDER BY key DESC") == ["OPS-4", "OPS-3", "OPS-2", "OPS-1", "INFRA-1"]


def test_order_by_assignee_puts_unassigned_last(keys: Callable[[str], list[str]]) -> None:
    assert keys("project in (OPS, INFRA) ORDER BY assignee") == ["OPS-1", "OPS-4", "OPS-2", "INFRA-1", "OPS-3"]


def test_order_by_status_follows_workflow_order(keys: Callable[[str], list[str]]) -> None:
    assert keys("project = OPS ORDER BY status, key") == ["OPS-3", "OPS-1", "OPS-2", "OPS-4"]


def test_order_ties_keep_creation_order_whatever_the_input_order(state: SimState, ctx: JqlContext) -> None:
    shuffled = list(reversed(list(state.issues.values())))
    found = parse("project = OPS ORDER BY assignee").filter(shuffled, ctx)
    assert [i.key for i in found] == ["OPS-1", "OPS-4", "OPS-2", "OPS-3"]


def test_order_by_sla_remaining(keys: Callable[[str], list[str]]) -> None:
    jql = 'project in (OPS, INFRA) ORDER BY "Time to resolution" ASC, priority DESC'
    assert keys(jql) == ["OPS-3", "OPS-1", "OPS-2", "INFRA-1", "OPS-4"]


def test_order_by_updated_and_resolved(keys: Callable[[str], list[str]]) -> None:
    assert keys("project = OPS ORDER BY updated DESC")[0] == "OPS-2"
    assert keys("project = OPS ORDER BY resolved DESC, key")[0] == "OPS-1"  # empty sorts as greatest


# ---- set algebra (property) --------------------------------------------------------------------------

CLAUSES = [
    "project = OPS",
    "status = Open",
    "assignee = alice",
    "assignee is EMPTY",
    "priority >= High",
    "labels in (db, web)",
    "created >= -1d",
    "summary ~ disk",
    "resolution = Unresolved",
    '"Time to resolution" = running()',
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CLAUSES), st.sampled_from(CLAUSES))
def test_and_or_are_intersection_and_union(a: str, b: str) -> None:
    state = build_state()
    ctx = JqlContext(state, NOW, sla=FakeSla(state))

    def found(jql: str) -> set[str]:
        return {i.key for i in search(state, jql, ctx)}

    assert found(f"{a} AND {b}") == found(a) & found(b)
    assert found(f"({a}) OR ({b})") == found(a) | found(b)
    assert found(f"NOT ({a} OR {b})") == found(f"NOT {a} AND NOT {b}")


# ---- performance ----------------------------------------------------------------------------------------


def test_ten_thousand_issues_filter_fast() -> None:
    state = build_state()
    for n in range(10_000):
        state.add_issue(
            project_key="OPS" if n % 4 else "INFRA",
            summary=f"Generated incident {n}",
            priority_id=str(n % 5 + 1),
            reporter="acc-carol",
            created=NOW - timedelta(minutes=n),
            status_id=("1", "3", "10", "5")[n % 4],
        )
    ctx = JqlContext(state, NOW)
    query: Query = parse("project = OPS AND statusCategory != Done ORDER BY priority DESC, created ASC")
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        result = query.filter(state.issues.values(), ctx)
        best = min(best, time.perf_counter() - started)
    assert len(result) == 5_003  # 7,500 OPS minus the 2,500 resolved ones, plus OPS-1..3 of the fixture
    assert result[0].priority_id == "1"
    assert best < 0.1, f"took {best * 1000:.1f} ms"
