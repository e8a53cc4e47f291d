from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from oncall_tui.domain import SlaState, StatusCategory
from oncall_tui.jira.adf import adf_to_text, text_to_adf
from oncall_tui.jira.errors import BadResponse
from oncall_tui.jira.parse import (
    BODY_LIMIT,
    CUT_MARK,
    LINE_LIMIT,
    LIST_LIMIT,
    Deployment,
    parse_approximate_count,
    parse_comment,
    parse_comments,
    parse_datetime,
    parse_dc_search_page,
    parse_fields,
    parse_issue,
    parse_myself,
    parse_paged_values,
    parse_search_page,
    parse_server_info,
    parse_sla_page,
    parse_sla_value,
    parse_transitions,
    parse_user,
    parse_users,
)
from tests.shared_paths import SHARED_API_DIR as API_DIR

FETCHED = datetime(2015, 10, 10, 12, 0, tzinfo=UTC)
BASE = "https://jira.example.net"


def load(relative: str) -> Any:
    return json.loads((API_DIR / relative).read_text(encoding="utf-8"))


def issue(obj: Any, sla: Any = ()) -> Any:
    return parse_issue(obj, sla_field_ids=sla, base_url=BASE, fetched_at=FETCHED)


# Every example response, each with what its parser must get out of it ------------------------------------


def check_request(doc: Any) -> None:
    # No dedicated parser for a JSM customer request; its parts go through the shared readers.
    reporter = parse_user(doc["reporter"])
    assert reporter is not None and reporter.display_name == "Fred F. User"
    assert reporter.email == "fred@example.com" and reporter.time_zone == "Australia/Sydney"
    assert parse_datetime(doc["createdDate"]) == datetime(2015, 10, 8, 7, 42, tzinfo=UTC)
    assert StatusCategory.from_key(doc["currentStatus"]["statusCategory"]) is StatusCategory.NEW


def check_sla_page(doc: Any) -> None:
    clocks = parse_sla_page(doc, FETCHED)
    assert [c.name for c in clocks] == ["Time To First Response", "Time To Resolution", "Time To Retrospective"]
    assert [c.metric_id for c in clocks] == ["10030", "10040", "10050"]
    first = clocks[0]
    assert (first.goal_ms, first.elapsed_ms, first.remaining_ms) == (14_400_000, 5_640_000, 8_760_000)
    assert not first.completed and not first.paused and not first.within_calendar_hours
    assert first.breach_time is None  # the doc example omits it
    assert first.state_at(FETCHED + timedelta(hours=9)) is SlaState.OUTSIDE_HOURS
    assert parse_paged_values(doc)[1] is False


def check_sla_metric(doc: Any) -> None:
    sla = parse_sla_value(doc, field_id=None, fetched_at=FETCHED)
    assert sla is not None and sla.name == "Time To First Response"
    assert sla.remaining_at(FETCHED + timedelta(hours=1)) == timedelta(milliseconds=8_760_000)


def check_single_comment(doc: Any) -> None:
    comment = parse_comment(doc)
    assert comment.author is not None and comment.author.display_name in {"Fred F. User", "Mia Krystof"}
    assert comment.created is not None and comment.created.tzinfo is not None
    assert comment.id in {"1000", "10000"}


def check_jsm_comment(doc: Any) -> None:
    check_single_comment(doc)
    comment = parse_comment(doc)
    assert comment.public is True
    assert comment.body_text == "Hello there"
    assert comment.created == datetime(2015, 10, 9, 3, 22, tzinfo=UTC)


def check_platform_comment(doc: Any) -> None:
    check_single_comment(doc)
    comment = parse_comment(doc)
    assert comment.public is None
    assert comment.body_text.startswith("Lorem ipsum dolor sit amet")
    assert comment.created == datetime(2021, 1, 17, 12, 34, tzinfo=UTC)
    assert comment.updated == datetime(2021, 1, 18, 23, 45, tzinfo=UTC)


def check_fields_without_sla(doc: Any) -> None:
    assert parse_fields(doc) == {}


def check_issue(doc: Any) -> None:
    parsed = issue(doc)
    assert (parsed.key, parsed.id) == ("ED-1", "10002")
    assert parsed.description_text == "Main order flow broken"
    assert parsed.url == f"{BASE}/browse/ED-1"
    assert len(parsed.comments) == 1
    assert parsed.comments[0].body_text.startswith("Lorem ipsum")
    assert parsed.comments[0].author is not None and parsed.comments[0].author.account_id == "5b10a2844c20165700ede21g"


def check_comment_page(doc: Any) -> None:
    comments = parse_comments(doc)
    assert len(comments) == len(doc["comments"]) >= 1
    assert all(c.body_text.startswith("Lorem ipsum") for c in comments)


def check_transitions(doc: Any) -> None:
    options = parse_transitions(doc)
    assert [(o.id, o.name, o.to_status) for o in options] == [
        ("2", "Close Issue", "In Progress"),
        ("711", "QA Review", "Closed"),
    ]
    assert [o.to_category for o in options] == [StatusCategory.IN_PROGRESS, StatusCategory.DONE]
    assert [o.has_screen for o in options] == [False, True]
    assert [f.id for f in options[1].fields] == ["summary", "colour"]
    assert [c.name for c in options[1].fields[0].allowed_values] == ["red", "blue"]
    assert options[1].required_fields == ()


def check_myself(doc: Any) -> None:
    me = parse_myself(doc)
    assert me.account_id == doc["accountId"]
    assert me.display_name == doc["displayName"]
    assert me.email == doc["emailAddress"]
    assert me.time_zone == doc["timeZone"]
    # Cloud sends name/key as empty strings: they must not become a username.
    assert me.username is None
    assert me.id == doc["accountId"]


def check_enhanced_search(doc: Any) -> None:
    issues, token, is_last = parse_search_page(doc)
    assert (token, is_last) == (None, True)
    parsed = issue(issues[0])
    assert parsed.key == "ED-1"
    # In this example `description` and comment bodies are v2 strings and `comment` a bare list.
    assert parsed.description_text == "Main order flow broken"
    assert parsed.comments[0].body_text.startswith("Lorem ipsum")


def check_server_info(doc: Any) -> None:
    info = parse_server_info(doc)
    assert info.deployment is Deployment.CLOUD
    assert info.version == "1001.0.0-SNAPSHOT"
    assert info.version_numbers == (5, 0, 0)
    assert info.build_number == 582
    assert info.server_time == datetime(2020, 3, 31, 16, 43, 50, tzinfo=UTC)


def check_assignable_single(doc: Any) -> None:
    people = parse_users(doc)
    assert [p.display_name for p in people] == ["Mia Krystof"]


def check_assignable_list(doc: Any) -> None:
    people = parse_users(doc)
    assert [(p.display_name, p.id) for p in people] == [
        ("Mia Krystof", "5b10a2844c20165700ede21g"),
        ("Emma Richards", "5b10ac8d82e05b22cc7d4ef5"),
    ]
    assert not any(p.active for p in people)


def check_count(doc: Any) -> None:
    assert parse_approximate_count(doc) == 153


def check_paged_fields(doc: Any) -> None:
    # The /field/search page of the Go client: no SLA field in it, but approvals etc. must not be mistaken.
    assert parse_fields(doc) == {}
    assert parse_fields({"values": [*doc["values"], SLA_FIELD]}) == {"customfield_10030": "Time to resolution"}


def check_dc_search(doc: Any) -> None:
    issues, start_at, total = parse_dc_search_page(doc)
    assert (start_at, total, len(issues)) == (0, 1, 1)
    parsed = issue(issues[0])
    assert parsed.key == "ED-1"
    assert parsed.description_text == "Main order flow broken"


RESPONSES: dict[str, Callable[[Any], None]] = {
    "spec-examples/jsm__GET_request.200.json": check_request,
    "spec-examples/jsm__GET_request_sla.200.json": check_sla_page,
    "spec-examples/jsm__GET_request_sla_metric.200.json": check_sla_metric,
    "spec-examples/jsm__POST_request_comment.201.json": check_jsm_comment,
    "spec-examples/platform__GET_field.200.json": check_fields_without_sla,
    "spec-examples/platform__GET_issue.200.json": check_issue,
    "spec-examples/platform__GET_issue_comment.200.json": check_comment_page,
    "spec-examples/platform__GET_issue_transitions.200.json": check_transitions,
    "spec-examples/platform__GET_myself.200.json": check_myself,
    "spec-examples/platform__GET_search_jql.200.json": check_enhanced_search,
    "spec-examples/platform__GET_serverInfo.200.json": check_server_info,
    "spec-examples/platform__GET_user_assignable_search.200.json": check_assignable_single,
    "spec-examples/platform__POST_issue_comment.201.json": check_platform_comment,
    "spec-examples/platform__POST_search_approximate-count.200.json": check_count,
    "go-atlassian-mocks/jira__find-users-assignable-to-projects.json": check_assignable_list,
    "go-atlassian-mocks/jira__get-issue-comments.json": check_comment_page,
    "go-atlassian-mocks/jira__get-issue.json": check_issue,
    "go-atlassian-mocks/jira__get-myselft.json": check_myself,
    "go-atlassian-mocks/jira__get-transitions.json": check_transitions,
    "go-atlassian-mocks/jira__search-fields.json": check_paged_fields,
    "go-atlassian-mocks/jira__search-issues.json": check_dc_search,
    "go-atlassian-mocks/sm__create-request-comment.json": check_jsm_comment,
    "go-atlassian-mocks/sm__get-customer-request.json": check_request,
    "go-atlassian-mocks/sm__get-customer-sla.json": check_sla_metric,
    "go-atlassian-mocks/sm__get-customer-slas.json": check_sla_page,
}


def test_every_example_response_has_a_check() -> None:
    on_disk = {
        f"{path.parent.name}/{path.name}"
        for folder in ("spec-examples", "go-atlassian-mocks")
        for path in (API_DIR / folder).glob("*.json")
        if not path.name.endswith(".request.json")
    }
    assert on_disk, f"no example responses found under {API_DIR}"
    assert on_disk == set(RESPONSES)


@pytest.mark.parametrize("relative", sorted(RESPONSES))
def test_example_response(relative: str) -> None:
    RESPONSES[relative](load(relative))


@pytest.mark.parametrize(
    "relative",
    [
        "spec-examples/platform__POST_issue_comment.request.json",
        "spec-examples/platform__POST_issue_transitions.request.json",
    ],
)
def test_documented_request_bodies_render_and_rebuild(relative: str) -> None:
    doc = load(relative)
    adf = doc["body"] if "body" in doc else doc["update"]["comment"][0]["add"]["body"]
    text = adf_to_text(adf)
    assert text and "\n" not in text
    rebuilt = text_to_adf(text)
    assert rebuilt["content"] == [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]


# SLA values ----------------------------------------------------------------------------------------------

# Recorded from a JSM Data Center instance (see NOTES.md), as found in a search result field.
DC_SLA = {
    "id": "644",
    "name": "Time to resolution",
    "_links": {"self": "https://jira.mohaymen.ir/rest/servicedeskapi/request/742858/sla/644"},
    "completedCycles": [],
    "ongoingCycle": {
        "startTime": {
            "iso8601": "2025-10-15T09:55:04+0330",
            "jira": "2025-10-15T09:55:04.062+0330",
            "friendly": "15/Oct/25 9:55 AM",
            "epochMillis": 1760509504062,
        },
        "breachTime": {
            "iso8601": "2025-11-10T14:39:43+0330",
            "jira": "2025-11-10T14:39:43.324+0330",
            "friendly": "10/Nov/25 2:39 PM",
            "epochMillis": 1762772983324,
        },
        "breached": False,
        "paused": False,
        "withinCalendarHours": True,
        "goalDuration": {"millis": 547200000, "friendly": "152h"},
        "elapsedTime": {"millis": 208301424, "friendly": "57h 51m"},
        "remainingTime": {"millis": 338898576, "friendly": "94h 8m"},
    },
}
SLA_FIELD = {
    "id": "customfield_10030",
    "name": "Time to resolution",
    "custom": True,
    "schema": {
        "type": "sd-servicelevelagreement",
        "custom": "com.atlassian.servicedesk:sd-sla-field",
        "customId": 10030,
    },
}


def test_dc_sla_field_value_counts_down_its_working_time() -> None:
    fetched = datetime(2025, 11, 10, 10, 0, tzinfo=UTC)
    sla = parse_sla_value(DC_SLA, field_id="customfield_10030", fetched_at=fetched)
    assert sla is not None
    assert (sla.name, sla.field_id, sla.metric_id) == ("Time to resolution", "customfield_10030", "644")
    assert sla.breach_time == datetime(2025, 11, 10, 11, 9, 43, 324000, tzinfo=UTC)
    assert sla.breach_time == datetime(
        2025, 11, 10, 14, 39, 43, 324000, tzinfo=timezone(timedelta(hours=3, minutes=30))
    )
    # remainingTime (94h 8m of working time) is what counts down; breachTime is the wall-clock deadline.
    assert sla.remaining_at(fetched) == timedelta(milliseconds=338898576)
    assert sla.remaining_at(fetched + timedelta(hours=1)) == timedelta(milliseconds=338898576 - 3600_000)
    # 20 % of the 152 h goal is 30.4 h: 94 h left is running; 30 h left is at risk.
    assert sla.state_at(fetched) is SlaState.RUNNING
    assert sla.state_at(fetched + timedelta(hours=64)) is SlaState.AT_RISK
    assert sla.state_at(fetched + timedelta(hours=95)) is SlaState.BREACHED


def test_sla_dates_fall_back_to_iso_strings() -> None:
    value = json.loads(json.dumps(DC_SLA))
    del value["ongoingCycle"]["breachTime"]["epochMillis"]
    sla = parse_sla_value(value, field_id=None, fetched_at=FETCHED)
    assert sla is not None and sla.breach_time == datetime(2025, 11, 10, 11, 9, 43, tzinfo=UTC)
    value["ongoingCycle"]["breachTime"] = "2025-11-10T14:39:43.324+0330"
    sla = parse_sla_value(value, field_id=None, fetched_at=FETCHED)
    assert sla is not None and sla.breach_time == datetime(2025, 11, 10, 11, 9, 43, 324000, tzinfo=UTC)


def test_cloud_sla_without_cycles_does_not_apply() -> None:
    cloud = {
        "id": "57",
        "name": "QA 검토 SLA",
        "_links": {},
        "completedCycles": [],
        "slaDisplayFormat": "NEW_SLA_FORMAT",
    }
    assert parse_sla_value(cloud, field_id="customfield_10057", fetched_at=FETCHED) is None
    assert parse_sla_value(None, field_id="customfield_10057", fetched_at=FETCHED) is None


def test_completed_sla_uses_latest_cycle() -> None:
    doc = load("spec-examples/jsm__GET_request_sla_metric.200.json")
    del doc["ongoingCycle"]
    doc["completedCycles"].reverse()  # order must not matter, stop time decides
    sla = parse_sla_value(doc, field_id=None, fetched_at=FETCHED)
    assert sla is not None and sla.completed
    assert sla.failed and sla.remaining_ms == -4_980_000
    assert sla.state_at(FETCHED) is SlaState.FAILED


def test_negative_remaining_means_breached_when_the_flag_is_missing() -> None:
    value = {"name": "First response", "ongoingCycle": {"remainingTime": {"millis": -60_000}}}
    sla = parse_sla_value(value, field_id=None, fetched_at=FETCHED)
    assert sla is not None and sla.breached
    assert sla.state_at(FETCHED) is SlaState.BREACHED
    assert sla.within_calendar_hours and not sla.paused


def test_sla_name_falls_back_to_field_name_then_id() -> None:
    value = {"ongoingCycle": {"remainingTime": {"millis": 1000}}}
    named = parse_sla_value(value, field_id="customfield_1", fetched_at=FETCHED, default_name="Zeit bis zur Lösung")
    unnamed = parse_sla_value(value, field_id="customfield_1", fetched_at=FETCHED)
    assert named is not None and named.name == "Zeit bis zur Lösung"
    assert unnamed is not None and unnamed.name == "customfield_1"


def test_absurd_durations_are_dropped_not_overflowing() -> None:
    value = {
        "ongoingCycle": {
            "remainingTime": {"millis": 10**30},
            "goalDuration": {"millis": True},
            "breachTime": {"epochMillis": 10**17},
        }
    }
    sla = parse_sla_value(value, field_id=None, fetched_at=FETCHED)
    assert sla is not None
    assert (sla.remaining_ms, sla.goal_ms, sla.breach_time) == (None, None, None)


def test_sla_page_rejects_a_non_page() -> None:
    with pytest.raises(BadResponse):
        parse_sla_page({"errorMessage": "nope"}, FETCHED)
    with pytest.raises(BadResponse):
        parse_sla_page([], FETCHED)


def test_naive_fetched_at_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_sla_value(DC_SLA, field_id=None, fetched_at=datetime(2025, 1, 1))


# Issues --------------------------------------------------------------------------------------------------


def full_issue() -> dict[str, Any]:
    return {
        "id": "10042",
        "key": "OPS-123",
        "fields": {
            "summary": "Checkout 502 DE\n\x1b]0;pwned\x07 [bold]now[/]",
            "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate", "name": "In Progress"}},
            "priority": {"name": "P1", "id": "1"},
            "issuetype": {"name": "Incident"},
            "assignee": {"accountId": "acc-anna", "displayName": "Anna Schmidt", "timeZone": "Europe/Berlin"},
            "reporter": {"name": "jmueller", "key": "JIRAUSER10100", "displayName": "Jürgen Müller"},
            "components": [{"name": "CRM Platform"}, {"name": None}, "junk"],
            "labels": ["p1", 7, "customer-data"],
            "created": "2025-10-15T09:55:04.062+0330",
            "updated": "2025-10-15T10:01:00.000+0200",
            "description": text_to_adf("Checkout fails for DE dealers.\nSince 09:50."),
            "comment": {
                "comments": [
                    {
                        "id": "1",
                        "body": text_to_adf("customer reply"),
                        "jsdPublic": True,
                        "author": {"accountId": "acc-cust", "displayName": "Kunde"},
                    },
                    {
                        "id": "2",
                        "body": "internal note v2",
                        "properties": [{"key": "sd.public.comment", "value": {"internal": True}}],
                    },
                    {
                        "id": "3",
                        "body": "dc property as string",
                        "properties": [{"key": "sd.public.comment", "value": '{"internal": false}'}],
                    },
                    "garbage",
                ],
                "maxResults": 3,
                "total": 3,
                "startAt": 0,
            },
            "customfield_10030": DC_SLA,
            "customfield_10031": None,
        },
    }


def test_full_issue() -> None:
    parsed = issue(full_issue(), {"customfield_10030": "Time to resolution", "customfield_10031": "First response"})
    assert parsed.key == "OPS-123" and parsed.id == "10042"
    assert parsed.summary == "Checkout 502 DE [bold]now[/]"
    assert (parsed.status, parsed.status_category) == ("In Progress", StatusCategory.IN_PROGRESS)
    assert (parsed.priority, parsed.priority_id, parsed.issue_type) == ("P1", "1", "Incident")
    assert parsed.assignee is not None and parsed.assignee.id == "acc-anna"
    assert parsed.reporter is not None and parsed.reporter.id == "jmueller"
    assert parsed.components == ("CRM Platform",)
    assert parsed.labels == ("p1", "customer-data")
    assert parsed.created == datetime(2025, 10, 15, 6, 25, 4, 62000, tzinfo=UTC)
    assert parsed.updated == datetime(2025, 10, 15, 8, 1, tzinfo=UTC)
    assert parsed.description_text == "Checkout fails for DE dealers.\nSince 09:50."
    assert [(c.id, c.body_text, c.public) for c in parsed.comments] == [
        ("1", "customer reply", True),
        ("2", "internal note v2", False),
        ("3", "dc property as string", True),
    ]
    assert [s.field_id for s in parsed.slas] == ["customfield_10030"]
    assert parsed.url == f"{BASE}/browse/OPS-123"


def test_enhanced_search_default_issue_with_only_an_id_still_needs_a_key() -> None:
    with pytest.raises(BadResponse, match="key"):
        issue({"id": "10002"})
    minimal = issue({"id": 10002, "key": "OPS-1"})
    assert (minimal.id, minimal.summary, minimal.status_category) == ("10002", "", StatusCategory.UNKNOWN)


@pytest.mark.parametrize("bad", [None, [], "OPS-1", 5])
def test_non_object_issue_is_bad_response(bad: Any) -> None:
    with pytest.raises(BadResponse):
        issue(bad)


def test_null_and_mistyped_fields_are_tolerated() -> None:
    nulls = {
        "key": "OPS-9",
        "fields": {
            k: None
            for k in (
                "summary",
                "status",
                "priority",
                "assignee",
                "reporter",
                "components",
                "labels",
                "created",
                "updated",
                "description",
                "comment",
                "issuetype",
            )
        },
    }
    parsed = issue(nulls, ["customfield_10030"])
    assert (parsed.summary, parsed.assignee, parsed.comments, parsed.slas) == ("", None, (), ())
    wrong = {
        "key": "OPS-9",
        "fields": {
            "summary": 5,
            "status": "Open",
            "priority": [1],
            "comment": {"comments": 3},
            "created": "yesterday",
            "customfield_10030": "n/a",
        },
    }
    parsed = issue(wrong, ["customfield_10030"])
    assert (parsed.summary, parsed.status, parsed.priority, parsed.created) == ("", "", None, None)


# Pages, transitions, fields, metadata --------------------------------------------------------------------


def test_enhanced_search_paging() -> None:
    issues, token, is_last = parse_search_page(
        {"issues": [{"key": "A-1"}, 3], "nextPageToken": "CAEaAggD", "isLast": False}
    )
    # Items that are not issues are handed on, so the search can count what it leaves out.
    assert (issues, token, is_last) == ([{"key": "A-1"}, 3], "CAEaAggD", False)
    # No token means no way to go on, whatever isLast claims.
    assert parse_search_page({"issues": [], "isLast": False}) == ([], None, True)
    with pytest.raises(BadResponse):
        parse_search_page({"errorMessages": ["boom"]})


def test_dc_search_paging_defaults() -> None:
    assert parse_dc_search_page({"issues": [{"key": "A-1"}], "startAt": 50, "total": 120})[1:] == (50, 120)
    assert parse_dc_search_page({"issues": [{"key": "A-1"}], "startAt": "x"})[1:] == (0, 1)
    with pytest.raises(BadResponse):
        parse_dc_search_page({"issues": None})


def test_transitions_with_required_resolution() -> None:
    doc = {
        "transitions": [
            {
                "id": "31",
                "name": "Resolve",
                "to": {"name": "Resolved", "statusCategory": {"key": "done"}},
                "hasScreen": True,
                "fields": {
                    "resolution": {
                        "required": True,
                        "name": "Resolution",
                        "allowedValues": [{"id": "10000", "name": "Done"}, {"id": "10001", "name": "Won't Do"}],
                    },
                    "comment": {"required": False, "name": "Comment"},
                },
            },
            {"name": "no id, useless"},
            {"id": 41, "name": "Reopen", "to": None, "isAvailable": False},
        ]
    }
    resolve, reopen = parse_transitions(doc)
    assert [f.id for f in resolve.required_fields] == ["resolution"]
    assert [(c.id, c.name) for c in resolve.required_fields[0].allowed_values] == [
        ("10000", "Done"),
        ("10001", "Won't Do"),
    ]
    assert resolve.to_category is StatusCategory.DONE
    assert (reopen.id, reopen.is_available, reopen.to_status) == ("41", False, "")
    with pytest.raises(BadResponse):
        parse_transitions({"transitions": "none"})


def test_fields_found_by_schema_not_by_name() -> None:
    renamed = {
        **SLA_FIELD,
        "id": "customfield_10031",
        "name": "Zeit bis zur ersten Antwort",
        "schema": {"type": "sd-servicelevelagreement"},
    }
    decoy = {"id": "customfield_99", "name": "Time to resolution", "schema": {"type": "string"}}
    assert parse_fields([SLA_FIELD, renamed, decoy, None]) == {
        "customfield_10030": "Time to resolution",
        "customfield_10031": "Zeit bis zur ersten Antwort",
    }
    with pytest.raises(BadResponse):
        parse_fields({"errorMessages": []})


def test_server_info_data_center() -> None:
    info = parse_server_info(
        {
            "baseUrl": "https://jira.corp.example/jira",
            "version": "9.12.4",
            "versionNumbers": [9, 12, 4],
            "deploymentType": "DataCenter",
            "serverTime": "2025-10-15T10:00:00.000+0200",
        }
    )
    assert info.deployment is Deployment.DATACENTER
    assert info.server_time == datetime(2025, 10, 15, 8, 0, tzinfo=UTC)
    assert parse_server_info({"deploymentType": "Server"}).deployment is Deployment.SERVER
    assert parse_server_info({"version": "9.4.0"}).deployment is Deployment.UNKNOWN
    assert parse_server_info({"baseUrl": "https://acme.atlassian.net"}).deployment is Deployment.CLOUD
    with pytest.raises(BadResponse):
        parse_server_info("<html>")


def test_users() -> None:
    dc = parse_user(
        {"name": "jweber", "key": "JIRAUSER10200", "displayName": "Jörg Weber", "emailAddress": "", "active": "false"}
    )
    assert dc is not None and (dc.id, dc.email, dc.active) == ("jweber", None, False)
    assert parse_user({"displayName": "No identity"}) is None
    assert parse_user("5b10") is None
    with pytest.raises(BadResponse):
        parse_myself({"displayName": "Ghost"})
    with pytest.raises(BadResponse):
        parse_users("nobody")


def test_approximate_count_rejects_garbage() -> None:
    for bad in ({"count": "many"}, {"count": -1}, [], {"count": True}):
        with pytest.raises(BadResponse):
            parse_approximate_count(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-10-15T09:55:04.062+0330", datetime(2025, 10, 15, 6, 25, 4, 62000, tzinfo=UTC)),
        ("2025-10-15T06:25:04Z", datetime(2025, 10, 15, 6, 25, 4, tzinfo=UTC)),
        ("2025-10-15T06:25:04", datetime(2025, 10, 15, 6, 25, 4, tzinfo=UTC)),
        (1760509504062, datetime(2025, 10, 15, 6, 25, 4, 62000, tzinfo=UTC)),
        ({"epochMillis": 1760509504062, "iso8601": "garbage"}, datetime(2025, 10, 15, 6, 25, 4, 62000, tzinfo=UTC)),
        ({"iso8601": "2025-10-15T09:55:04+0330"}, datetime(2025, 10, 15, 6, 25, 4, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (True, None),
        (float("nan"), None),
        (10**40, None),
        ({"epochMillis": {"epochMillis": 1}}, None),
    ],
)
def test_parse_datetime(raw: Any, expected: datetime | None) -> None:
    parsed = parse_datetime(raw)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


# Long text is cut at parse time (item 20) ------------------------------------------------------------------


def test_every_one_line_field_is_cut_and_named() -> None:
    long = "x" * (LINE_LIMIT * 10)
    parsed = issue(
        {
            "key": "OPS-1",
            "fields": {
                "summary": long,
                "status": {"name": long},
                "priority": {"name": long},
                "issuetype": {"name": long},
                "assignee": {"accountId": "a1", "displayName": long},
                "labels": [long, "ok"],
                "components": [{"name": long}],
            },
        }
    )
    for text in (parsed.summary, parsed.status, parsed.priority, parsed.issue_type, parsed.labels[0]):
        assert len(text) == LINE_LIMIT and text.endswith(CUT_MARK)
    assert parsed.assignee is not None and len(parsed.assignee.display_name) == LINE_LIMIT
    assert parsed.labels[1] == "ok" and len(parsed.components[0]) == LINE_LIMIT
    assert set(parsed.cut_fields) == {"summary", "status", "priority", "issue_type", "labels", "components"}


def test_text_that_fits_is_not_marked() -> None:
    exact = "y" * LINE_LIMIT
    parsed = issue({"key": "OPS-1", "fields": {"summary": exact, "description": "z" * BODY_LIMIT}})
    assert parsed.summary == exact and len(parsed.description_text) == BODY_LIMIT
    assert parsed.cut_fields == () and not parsed.was_cut


def test_a_hostile_string_is_cut_before_it_is_sanitised() -> None:
    # Escape sequences are removed from what is kept, and a string of a million of them costs nothing.
    hostile = "\x1b[31m" * 1_000_000
    parsed = issue({"key": "OPS-1", "fields": {"summary": "Red " + hostile, "description": hostile}})
    assert parsed.summary.startswith("Red") and "\x1b" not in parsed.summary and parsed.summary.endswith(CUT_MARK)
    assert "\x1b" not in parsed.description_text and {"summary", "description"} <= set(parsed.cut_fields)


def test_too_many_labels_and_components_are_cut_to_the_list_limit() -> None:
    many = [f"label-{i}" for i in range(LIST_LIMIT * 3)]
    parsed = issue({"key": "OPS-1", "fields": {"labels": many, "components": [{"name": n} for n in many]}})
    assert parsed.labels == tuple(many[:LIST_LIMIT]) and parsed.components == tuple(many[:LIST_LIMIT])
    assert set(parsed.cut_fields) == {"labels", "components"}


def test_long_comment_bodies_are_cut_and_flagged() -> None:
    comment = parse_comment({"id": "1", "body": "w" * (BODY_LIMIT * 2)})
    assert len(comment.body_text) == BODY_LIMIT and comment.body_text.endswith(CUT_MARK) and comment.cut
    adf = parse_comment({"id": "2", "body": text_to_adf("v" * (BODY_LIMIT + 5))})
    assert len(adf.body_text) == BODY_LIMIT and adf.cut
    assert not parse_comment({"id": "3", "body": "short"}).cut


def test_a_key_that_is_not_project_dash_number_is_refused() -> None:
    from datetime import UTC, datetime

    from oncall_tui.jira.errors import BadResponse
    from oncall_tui.jira.parse import parse_issue

    now = datetime(2026, 3, 2, tzinfo=UTC)
    for key in ("OPS-1", "ops_2-17", "A1-99"):
        assert parse_issue({"key": key}, sla_field_ids=(), base_url="https://j", fetched_at=now).key == key
    for key in ("X" * 2000, "OPS", "-12", "OPS-12 OR 1=1", "OPS-", "1OPS-2"):
        with pytest.raises(BadResponse):
            parse_issue({"key": key}, sla_field_ids=(), base_url="https://j", fetched_at=now)
