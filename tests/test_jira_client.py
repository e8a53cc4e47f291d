"""The Jira client against the simulator over real loopback HTTP, in both flavours (Cloud, Data Center).

Every action is checked against the simulator's own view (`GET /_sim/issues/{key}` or its state), never
against what the client says it did.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oncall_tui.config import load_config
from oncall_tui.config_schema import JiraConfig
from oncall_tui.domain.incident import FieldChoice, StatusCategory
from oncall_tui.jira.client import LIST_FIELDS, JiraClient
from oncall_tui.jira.errors import JiraError, NotFound
from oncall_tui.jira.transport import RetryPolicy
from oncall_tui.sim.model import Issue
from oncall_tui.sim.server import SimServer
from oncall_tui.sim.state import SimState
from tests.conftest import TEST_TOKEN, start_sim

FLAVOURS = ["cloud", "datacenter"]
PROXY_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


# Helpers shared with test_jira_client_errors.py ---------------------------------------------------------


class FakeTime:
    """Injected sleep and monotonic clock: retries never really wait, and the deadline sees slept time."""

    def __init__(self, on_sleep: Callable[[float], None] | None = None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(seconds)

    def clock(self) -> float:
        return self.now


class Recorder(httpx.AsyncBaseTransport):
    """A real HTTP transport that remembers every request it sends (and may fail some on purpose)."""

    def __init__(self, fail: Callable[[httpx.Request], Exception | None] | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []
        self.fail = fail

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail is not None:
            error = self.fail(request)
            if error is not None:
                raise error
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def calls(self, method: str, path_part: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and path_part in r.url.path]


def jira_config(sim: SimServer, **overrides: Any) -> JiraConfig:
    login = sim.login()
    values: dict[str, Any] = {
        "url": login.url,
        "deployment": login.flavour,
        "email": login.email if login.flavour == "cloud" else None,
    }
    values.update(overrides)
    return JiraConfig(**values)


def make_client(
    sim: SimServer,
    *,
    token: str | None = None,
    time: FakeTime | None = None,
    retry: RetryPolicy | None = None,
    recorder: Recorder | None = None,
    **config: Any,
) -> JiraClient:
    time = time or FakeTime()
    return JiraClient(
        jira_config(sim, **config),
        token if token is not None else sim.login().token,
        retry=retry,
        sleep=time.sleep,
        clock=time.clock,
        http_transport=recorder,
    )


def sim_view(sim: SimServer, key: str) -> dict[str, Any]:
    response = httpx.get(f"{sim.url}/_sim/issues/{key}", timeout=10)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def sim_post(sim: SimServer, path: str, body: dict[str, Any]) -> None:
    """Drive the simulator's control API (`/_sim/faults`, `/_sim/permissions`)."""
    httpx.post(f"{sim.url}/_sim/{path}", json=body, timeout=10).raise_for_status()


def assert_no_secret(*objects: object, secrets: tuple[str, ...] = (TEST_TOKEN,)) -> None:
    for obj in objects:
        texts = [str(obj), repr(obj)]
        if isinstance(obj, JiraError):
            texts += [obj.full_text, obj.detail or "", repr(obj.args)]
        for text in texts:
            for secret in secrets:
                assert secret not in text


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The loopback simulator must be reached directly, whatever proxy the machine running the tests uses.
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


# Fixtures and state helpers ------------------------------------------------------------------------------


@pytest.fixture(params=FLAVOURS)
def site(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    server = start_sim(flavour=request.param)
    yield server
    server.stop()


def is_open(state: SimState, issue: Issue) -> bool:
    return state.statuses[issue.status_id].category != "done"


def ops_open(state: SimState) -> list[Issue]:
    return [i for i in state.issues.values() if i.project_key == "OPS" and is_open(state, i)]


def key_order(key: str) -> tuple[str, int]:
    project, _, number = key.partition("-")
    return project, int(number)


# Deployment, identity ------------------------------------------------------------------------------------


async def test_auto_detects_deployment_and_picks_the_auth_mode(site: SimServer) -> None:
    recorder = Recorder()
    async with make_client(site, deployment="auto", recorder=recorder) as jira:
        assert jira.flavour is None
        flavour = await jira.detect()
        me = await jira.myself()
    login = site.login()
    assert flavour == login.flavour
    assert jira.auth_mode == ("basic" if login.flavour == "cloud" else "bearer")
    assert (me.account_id if flavour == "cloud" else me.username) == (
        site.state.credentials[0].account_id if flavour == "cloud" else login.username
    )
    # Detection asks serverInfo without credentials; then the right scheme is used.
    info, myself = recorder.requests[0], recorder.requests[-1]
    assert info.url.path == "/rest/api/2/serverInfo" and "authorization" not in info.headers
    scheme = myself.headers["authorization"].split()[0]
    assert scheme == ("Basic" if flavour == "cloud" else "Bearer")
    assert myself.url.path == f"/rest/api/{3 if flavour == 'cloud' else 2}/myself"


async def test_configured_deployment_skips_detection(site: SimServer) -> None:
    recorder = Recorder()
    async with make_client(site, recorder=recorder) as jira:
        await jira.myself()
        info = await jira.server_info()
    assert recorder.requests[0].url.path.endswith("/myself")
    assert info.base_url == site.url


async def test_client_from_a_toml_config_with_the_token_in_the_environment(sim: SimServer, tmp_path: Path) -> None:
    login = sim.login()
    path = tmp_path / "config.toml"
    path.write_text(
        f'[jira]\nurl = "{login.url}"\ndeployment = "auto"\nemail = "{login.email}"\n'
        'token_env = "ONCALL_TEST_TOKEN"\n\n[[queues]]\nname = "Open"\njql = "project = OPS"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    async with JiraClient.from_config(config.jira, env={"ONCALL_TEST_TOKEN": login.token}) as jira:
        me = await jira.myself()
        count = await jira.approximate_count(config.queues[0].jql)
    assert me.account_id == sim.state.credentials[0].account_id
    assert count == sum(1 for i in sim.state.issues.values() if i.project_key == "OPS")


# Search --------------------------------------------------------------------------------------------------


async def test_search_pages_to_the_end_with_only_the_list_fields(site: SimServer) -> None:
    recorder = Recorder()
    expected = sorted((i.key for i in ops_open(site.state)), key=key_order)
    assert len(expected) > 3 * 7
    async with make_client(site, recorder=recorder) as jira:
        sla_fields = await jira.sla_fields()
        pages = [
            page
            async for page in jira.search_pages(
                "project = OPS AND statusCategory != Done ORDER BY key ASC", page_size=7
            )
        ]
    # Read to the end, later pages come several at a time and in any order; each says where it belongs.
    keys = [incident.key for page in sorted(pages, key=lambda p: p.start) for incident in page]
    assert keys == expected
    assert len(pages) == -(-len(expected) // 7) and all(len(p) <= 7 for p in pages)
    assert pages[0].start == 0 and [i.key for i in pages[0]] == expected[:7]

    searches = recorder.calls("POST", "/search")
    bodies = [httpx.Response(200, content=r.content).json() for r in searches]
    if site.login().flavour == "cloud":
        # One search page with the fields, the rest listed by key and fetched in bulk with the same fields.
        assert {r.url.path for r in searches} == {"/rest/api/3/search/jql"}
        assert bodies[0]["fields"] == [*LIST_FIELDS, *sla_fields] and "nextPageToken" not in bodies[0]
        assert [b["fields"] for b in bodies[1:]] == [["key"]]
        fetches = [httpx.Response(200, content=r.content).json() for r in recorder.calls("POST", "/issue/bulkfetch")]
        assert len(fetches) == len(pages) - 1
        assert all(b["fields"] == [*LIST_FIELDS, *sla_fields] and len(b["issueIdsOrKeys"]) <= 7 for b in fetches)
        assert sorted(k for b in fetches for k in b["issueIdsOrKeys"]) == sorted(expected[7:])
    else:
        assert {r.url.path for r in searches} == {"/rest/api/2/search"}
        assert len(searches) == len(pages)
        assert all(b["fields"] == [*LIST_FIELDS, *sla_fields] for b in bodies)
        assert sorted(b["startAt"] for b in bodies) == [7 * n for n in range(len(pages))]

    # SLA fields were found by schema and parsed into clocks; descriptions were not asked for.
    assert set(sla_fields) == {d.field_id for d in site.state.sla_definitions}
    incidents = [i for page in pages for i in page]
    assert any(sla.field_id in sla_fields for i in incidents for sla in i.slas)
    assert all(i.description_text == "" and i.comments == () for i in incidents)
    by_key = {i.key: i for i in incidents}
    for issue in ops_open(site.state):
        assert by_key[issue.key].summary == issue.summary
        assert by_key[issue.key].priority == site.state.priorities[issue.priority_id].name


async def test_search_limit_and_approximate_count(site: SimServer) -> None:
    jql = "project = OPS AND statusCategory != Done ORDER BY key ASC"
    async with make_client(site) as jira:
        first = await jira.search(jql, page_size=4, limit=10)
        count = await jira.approximate_count(jql)
    assert [i.key for i in first] == sorted((i.key for i in ops_open(site.state)), key=key_order)[:10]
    assert count == len(ops_open(site.state))


async def test_get_issue_has_description_comments_and_their_visibility(site: SimServer) -> None:
    issue = max(site.state.issues.values(), key=lambda i: len(i.comments))
    assert any(not c.public for c in issue.comments) and any(c.public for c in issue.comments)
    async with make_client(site) as jira:
        incident = await jira.get_issue(issue.key)
    view = sim_view(site, issue.key)
    assert incident.key == issue.key and incident.summary == view["summary"]
    assert incident.description_text
    assert [c.id for c in incident.comments] == [str(c["id"]) for c in view["comments"]]
    assert [c.public for c in incident.comments] == [c["public"] for c in view["comments"]]


# Actions -------------------------------------------------------------------------------------------------


def _unassigned_open(state: SimState) -> Issue:
    return next(i for i in ops_open(state) if i.assignee is None)


async def test_assign_unassign_and_assign_to_me(site: SimServer) -> None:
    state = site.state
    issue = _unassigned_open(state)
    me_id = state.credentials[0].account_id
    async with make_client(site) as jira:
        candidates = await jira.assignable_users(issue.key, "")
        other = next(p for p in candidates if p.id not in (me_id, state.users[me_id].username))
        await jira.assign(issue.key, other)
        assigned_other = sim_view(site, issue.key)["assignee"]
        await jira.unassign(issue.key)
        unassigned = sim_view(site, issue.key)["assignee"]
        me = await jira.assign_to_me(issue.key)
        assigned_me = sim_view(site, issue.key)["assignee"]
    other_id = other.account_id or state.user_by_username(other.username or "").account_id  # type: ignore[union-attr]
    assert assigned_other == other_id
    assert unassigned is None
    assert assigned_me == me_id
    assert me.display_name == state.users[me_id].display_name


async def test_assignable_users_search(site: SimServer) -> None:
    state = site.state
    issue = _unassigned_open(state)
    agent = next(u for u in state.users.values() if u.agent and u.active)
    customer = next(u for u in state.users.values() if not u.agent)
    recorder = Recorder()
    prefix = agent.display_name.split()[0][:3]
    async with make_client(site, recorder=recorder) as jira:
        found = await jira.assignable_users(issue.key, prefix)
        everyone = await jira.assignable_users(issue.key, "", max_results=1000)
    cloud = site.login().flavour == "cloud"
    # Cloud searches by `query`; Data Center by `username`.
    sent = recorder.calls("GET", "/user/assignable/search")[0].url.params
    assert sent["issueKey"] == issue.key and sent["query" if cloud else "username"] == prefix
    ids = {p.id for p in found}
    assert (agent.account_id if cloud else agent.username) in ids
    all_ids = {p.id for p in everyone}
    assert customer.account_id not in all_ids and customer.username not in all_ids


async def test_public_and_internal_comments_platform_and_servicedesk(site: SimServer) -> None:
    issue = next(iter(ops_open(site.state)))
    before = len(sim_view(site, issue.key)["comments"])
    async with make_client(site) as jira:
        public = await jira.add_comment(issue.key, "Paged the DB team.\n\nETA 10 min: https://status.example")
        internal = await jira.add_comment(issue.key, "Internal: root cause is the failover.", internal=True)
        via_jsm = await jira.add_comment(issue.key, "Note via JSM", internal=True, via_servicedesk=True)
        via_jsm_public = await jira.add_comment(issue.key, "Reply via JSM", via_servicedesk=True)
    comments = sim_view(site, issue.key)["comments"][before:]
    assert [c["public"] for c in comments] == [True, False, False, True]
    assert comments[0]["text"].startswith("Paged the DB team.") and "https://status.example" in comments[0]["text"]
    assert [c["text"] for c in comments[1:]] == [
        "Internal: root cause is the failover.",
        "Note via JSM",
        "Reply via JSM",
    ]
    assert [str(c["id"]) for c in comments] == [public.id, internal.id, via_jsm.id, via_jsm_public.id]
    assert (public.public, internal.public, via_jsm.public, via_jsm_public.public) == (True, False, False, True)


async def test_transition_with_required_resolution_and_comment(site: SimServer) -> None:
    state = site.state
    issue = next(i for i in ops_open(state) if any(t.requires_resolution for t in state.available_transitions(i)))
    available = {t.id for t in state.available_transitions(issue)}
    async with make_client(site) as jira:
        options = await jira.transitions(issue.key)
        resolve = next(t for t in options if t.required_fields)
        field = next(f for f in resolve.required_fields if f.id == "resolution")
        # Not the first choice: Jira falls back to the first resolution when none is sent.
        choice = field.allowed_values[-1]
        await jira.transition(issue.key, resolve, resolution=choice, comment="Fixed by restarting the pool.")
    view = sim_view(site, issue.key)
    assert {t.id for t in options} == available
    assert view["status"] == resolve.to_status
    assert view["resolution"] == choice.name
    assert view["comments"][-1]["text"] == "Fixed by restarting the pool."
    assert view["statusCategory"] == resolve.to_category.value == StatusCategory.DONE.value


async def test_transition_by_id_and_resolution_name(site: SimServer) -> None:
    state = site.state
    issue = next(i for i in ops_open(state) if any(t.requires_resolution for t in state.available_transitions(i)))
    target = next(t for t in state.available_transitions(issue) if t.requires_resolution)
    resolution = list(state.resolutions.values())[1]
    async with make_client(site) as jira:
        await jira.transition(issue.key, target.id, resolution=resolution.name)
    view = sim_view(site, issue.key)
    assert view["status"] == state.statuses[target.to_status_id].name
    assert view["resolution"] == resolution.name


async def test_change_priority_by_id_and_by_name(site: SimServer) -> None:
    issue = next(iter(ops_open(site.state)))
    async with make_client(site) as jira:
        choices = await jira.priorities()
        others = [p for p in choices if p.name != sim_view(site, issue.key)["priority"]]
        await jira.set_priority(issue.key, FieldChoice(name="ignored when an id is given", id=others[0].id))
        by_id = sim_view(site, issue.key)["priority"]
        await jira.set_priority(issue.key, others[1].name)
        by_name = sim_view(site, issue.key)["priority"]
    assert by_id == others[0].name
    assert by_name == others[1].name


async def test_issue_entity_properties(site: SimServer) -> None:
    issue = next(iter(ops_open(site.state)))
    value = {"acknowledged": True, "by": "Zoë", "at": "2026-03-02T09:31:00Z", "steps": [1, 2]}
    async with make_client(site) as jira:
        await jira.set_property(issue.key, "oncall-tui.ack", value)
        stored = sim_view(site, issue.key)["properties"]
        read = await jira.get_property(issue.key, "oncall-tui.ack")
        keys = await jira.property_keys(issue.key)
        await jira.delete_property(issue.key, "oncall-tui.ack")
        with pytest.raises(NotFound):
            await jira.get_property(issue.key, "oncall-tui.ack")
    assert stored["oncall-tui.ack"] == value
    assert read == value
    assert "oncall-tui.ack" in keys
    assert "oncall-tui.ack" not in sim_view(site, issue.key)["properties"]


async def test_sla_records_of_one_request(site: SimServer) -> None:
    state = site.state
    issue = next(i for i in ops_open(state) if state.slas(i))
    async with make_client(site) as jira:
        clocks = await jira.sla(issue.key)
        incident = (await jira.search(f"key = {issue.key}"))[0]
    records = state.slas(issue)
    assert sorted(c.name for c in clocks) == sorted(r.definition.name for r in records)
    assert sorted(c.metric_id or "" for c in clocks) == sorted(r.definition.id for r in records)
    # The same SLA seen through the search field and through servicedeskapi agrees.
    by_name = {c.name: c for c in clocks}
    for field_clock in incident.slas:
        assert field_clock.breach_time == by_name[field_clock.name].breach_time
        assert field_clock.remaining_ms == by_name[field_clock.name].remaining_ms


async def test_project_leads_and_permissions(site: SimServer) -> None:
    state = site.state
    project = state.projects["OPS"]
    sim_post(site, "permissions", {"deny": ["ASSIGN_ISSUES"]})
    async with make_client(site) as jira:
        info = await jira.project("OPS")
        perms = await jira.my_permissions(["ASSIGN_ISSUES", "BROWSE_PROJECTS"], project_key="OPS")
    cloud = site.login().flavour == "cloud"

    def ident(account_id: str | None) -> str | None:
        return None if account_id is None else (account_id if cloud else state.users[account_id].username)

    assert info.key == "OPS" and info.name == project.name
    assert info.lead is not None and info.lead.id == ident(project.lead)
    assert [(c.name, c.lead.id if c.lead else None) for c in info.components] == [
        (c.name, ident(c.lead)) for c in project.components
    ]
    assert perms == {"ASSIGN_ISSUES": False, "BROWSE_PROJECTS": True}


# Secrets -------------------------------------------------------------------------------------------------


async def test_token_never_in_logs_or_reprs(site: SimServer, caplog: pytest.LogCaptureFixture) -> None:
    login = site.login()
    basic = base64.b64encode(f"{login.email}:{login.token}".encode()).decode()
    caplog.set_level(logging.DEBUG)
    jira = make_client(site, deployment="auto", retry=RetryPolicy(attempts=2))
    async with jira:
        await jira.myself()
        await jira.search("project = OPS AND statusCategory != Done ORDER BY key ASC", page_size=20)
        sim_post(site, "faults", {"spec": "5xx=1,seed=3"})
        with pytest.raises(JiraError) as caught:
            await jira.myself()
    assert any(r.name.startswith("oncall_tui.jira") for r in caplog.records)
    assert any(r.name.startswith(("httpx", "httpcore")) for r in caplog.records)
    for secret in (login.token, basic):
        assert secret not in caplog.text
        assert secret not in repr(jira) and secret not in repr(jira._http)
    assert_no_secret(jira, caught.value, secrets=(login.token, basic))


async def test_search_keys_returns_only_keys_in_large_pages(sim) -> None:
    from oncall_tui.config_schema import JiraConfig, Secret
    from oncall_tui.jira.client import JiraClient

    login = sim.login()
    config = JiraConfig(url=login.url, deployment="cloud", email=login.email)
    async with JiraClient(config, Secret(login.token)) as jira:
        keys = await jira.search_keys("project = OPS ORDER BY key ASC", page_size=7)
    expected = {i.key for i in sim.state.issues.values() if i.project_key == "OPS"}
    assert set(keys) == expected and len(keys) == len(expected)
    searches = [e for e in sim.exchanges if e.path == "/rest/api/3/search/jql"]
    assert len(searches) == -(-len(expected) // 7), "one request per page of 7"
    assert all(b'"fields":{}' in e.body or b'"fields"' not in e.body for e in searches)
