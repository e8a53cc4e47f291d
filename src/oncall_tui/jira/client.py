"""The async Jira / JSM client: Cloud (REST v3, enhanced search) and Data Center (REST v2, startAt paging).

One client is one connection to one site: one httpx.AsyncClient, one auth mode, one cache of SLA field
ids. Every method returns domain objects or plain values and raises only `JiraError` subclasses.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import random
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.domain.escalation import PROPERTY as ESCALATION_PROPERTY
from oncall_tui.domain.incident import Comment, FieldChoice, Incident, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import SlaClock
from oncall_tui.domain.text import sanitize_line
from oncall_tui.jira.adf import text_to_adf
from oncall_tui.jira.errors import AuthError, BadRequest, BadResponse, JiraError, PermissionDenied, msgid
from oncall_tui.jira.fetch import IN_FLIGHT, KEYS_PAGE_MAX, RawPage, cloud_all_pages, dc_all_pages
from oncall_tui.jira.paging import MAX_SEARCH_ISSUES, SearchResult, cloud_pages, dc_pages
from oncall_tui.jira.parse import (
    COMMAND_PROPERTY,
    Deployment,
    ServerInfo,
    parse_approximate_count,
    parse_comment,
    parse_comments,
    parse_dc_search_page,
    parse_fields,
    parse_issue,
    parse_myself,
    parse_paged_values,
    parse_server_info,
    parse_sla_value,
    parse_transitions,
    parse_user,
    parse_users,
)
from oncall_tui.jira.transport import (
    AuthMode,
    RetryPolicy,
    Sleep,
    Transport,
    basic_auth_header,
    bearer_auth_header,
    build_ssl_context,
)
from oncall_tui.jira.urls import display_url

__all__ = [
    "DETAIL_FIELDS",
    "LIST_FIELDS",
    "ComponentInfo",
    "Flavour",
    "JiraClient",
    "JiraError",
    "ProjectInfo",
    "SearchResult",
]

log = logging.getLogger("oncall_tui.jira")

Flavour = Literal["cloud", "datacenter"]

# What the queue table shows; search asks for nothing else (plus the SLA fields), because every extra
# field costs Jira time and makes enhanced-search pages smaller.
LIST_FIELDS: tuple[str, ...] = (
    "summary",
    "status",
    "priority",
    "assignee",
    "reporter",
    "issuetype",
    "components",
    "labels",
    "created",
    "updated",
)
DETAIL_FIELDS: tuple[str, ...] = (*LIST_FIELDS, "description", "comment")
# Entity properties every read of an issue asks for: the escalation level is shown in every row.
ISSUE_PROPERTIES: tuple[str, ...] = (ESCALATION_PROPERTY,)
_JSM_PUBLIC_PROPERTY = "sd.public.comment"
_EMPTY_COMMENT = msgid("A comment needs some text.")
_SERVICEDESK = "/rest/servicedeskapi"
# A comment or SLA paging loop that has not ended by then is being fed garbage.
_MAX_PAGES = 1_000


@dataclass(frozen=True, slots=True)
class ComponentInfo:
    id: str
    name: str
    lead: Person | None = None


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    key: str
    id: str
    name: str
    lead: Person | None = None
    components: tuple[ComponentInfo, ...] = ()


class JiraClient:
    """Talks to one Jira site. Use as `async with JiraClient(config, token) as jira: ...`.

    `sleep`, `rng` and `clock` are injectable so tests never wait; `http_transport` swaps the network for
    an httpx transport (and then ignores proxy variables, as httpx does).

    Time limits all come from the config's `timeout_seconds` (T): Jira may stay silent for T (httpx's
    read and write timeouts), connecting and waiting for a pooled connection may take min(T, 10 s), and
    one attempt, from sending to the last byte of the answer, at most 2 T (`attempt_deadline`), so a
    server trickling its answer holds a call for 2 T plus one silent read at most.
    """

    def __init__(
        self,
        config: JiraConfig,
        token: str | Secret,
        *,
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
        trust_env: bool = True,
        page_size: int = 100,
        connect_timeout: float | None = None,
        pool_timeout: float | None = None,
        limits: httpx.Limits | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        attempt_deadline: float | None = None,
        max_search_issues: int = MAX_SEARCH_ISSUES,
        keys_page_size: int = KEYS_PAGE_MAX,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self.config = config
        self._token = token if isinstance(token, Secret) else Secret(token)
        self._now = now or (lambda: datetime.now(UTC))
        self.page_size = max(1, page_size)
        self.max_search_issues = max(1, max_search_issues)
        # A search read to the end (fetch.py): keys listed this many a page (Cloud), this many requests at once.
        self.keys_page_size = max(1, keys_page_size)
        self.in_flight = max(1, in_flight)
        read = float(config.timeout_seconds)
        timeout = httpx.Timeout(
            read,
            connect=connect_timeout if connect_timeout is not None else min(read, 10.0),
            pool=pool_timeout if pool_timeout is not None else min(read, 10.0),
        )
        context = build_ssl_context(
            config.ca_bundle,
            verify=config.verify_tls,
            client_cert=config.client_cert,
            client_key=config.client_key,
        )
        if not config.verify_tls:
            log.warning("TLS certificate verification is off for %s", display_url(config.url))
        self._http = Transport(
            config.url,
            ssl_context=context,
            timeout=timeout,
            policy=retry,
            trust_env=trust_env,
            sleep=sleep,
            rng=rng,
            clock=clock,
            limits=limits,
            http_transport=http_transport,
            tls_hint=_tls_hint(config),
            attempt_deadline=attempt_deadline if attempt_deadline is not None else 2 * read,
        )
        # Browse links are built from this: never with the config URL's userinfo or query string.
        self._browse_base = display_url(config.url)
        self._flavour: Flavour | None = None
        if config.deployment in ("cloud", "datacenter"):
            self._set_flavour(config.deployment)
        self._detect_lock = asyncio.Lock()
        self._sla_fields: dict[str, str] | None = None
        self._me: Person | None = None

    @classmethod
    def from_config(cls, config: JiraConfig, env: Mapping[str, str] = os.environ, **kwargs: Any) -> JiraClient:
        """Resolve the token as the config says (may run `token_cmd`; raises ConfigError) and build a client."""
        from oncall_tui.config import resolve_token

        return cls(config, Secret(resolve_token(config, env)), **kwargs)

    def __repr__(self) -> str:
        flavour = self._flavour or "auto"
        return f"JiraClient(url={self._http.display_url!r}, deployment={flavour}, auth={self.auth_mode})"

    async def __aenter__(self) -> JiraClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # Deployment and auth ---------------------------------------------------------------------------------

    @property
    def flavour(self) -> Flavour | None:
        """The deployment, "cloud" or "datacenter"; None until detected (first call, or `detect()`)."""
        return self._flavour

    @property
    def auth_mode(self) -> AuthMode:
        return self._http.auth_mode

    @property
    def client_resets(self) -> int:
        """How often the HTTP client was recreated after repeated pool timeouts."""
        return self._http.client_resets

    def _set_flavour(self, flavour: Flavour) -> None:
        self._flavour = flavour
        if flavour == "cloud":
            if not self.config.email:
                raise AuthError(
                    msgid("Jira Cloud needs `email` in the [jira] section: it logs in with e-mail + API token."),
                    auth_mode="basic",
                    status=None,
                )
            self._http.set_auth("basic", basic_auth_header(self.config.email, self._token.reveal()))
        else:
            self._http.set_auth("bearer", bearer_auth_header(self._token.reveal()))

    async def detect(self) -> Flavour:
        """The deployment: from the config, else from serverInfo (`deploymentType` "Cloud" or not)."""
        if self._flavour is not None:
            return self._flavour
        async with self._detect_lock:
            if self._flavour is None:
                try:
                    info = await self._server_info(authenticated=False)
                    flavour: Flavour = "cloud" if info.deployment is Deployment.CLOUD else "datacenter"
                except (AuthError, PermissionDenied):
                    # Anonymous access switched off: guess from the host name and the configured identity.
                    host = urlsplit(self.config.url).hostname or ""
                    cloudy = host.endswith((".atlassian.net", ".jira.com")) or bool(self.config.email)
                    flavour = "cloud" if cloudy else "datacenter"
                log.info("Jira at %s is %s", self._http.display_url, flavour)
                self._set_flavour(flavour)
        assert self._flavour is not None
        return self._flavour

    async def _api(self, path: str) -> str:
        flavour = await self.detect()
        return f"/rest/api/{3 if flavour == 'cloud' else 2}/{path}"

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool] | None = None,
        body: Any = dataclasses.MISSING,
        idempotent: bool | None = None,
        is_search: bool = False,
    ) -> Any:
        await self.detect()
        kwargs: dict[str, Any] = {}
        if body is not dataclasses.MISSING:
            kwargs["body"] = body
        return await self._http.request(
            method, path, params=params, idempotent=idempotent, is_search=is_search, **kwargs
        )

    # Identity and metadata -------------------------------------------------------------------------------

    async def _server_info(self, *, authenticated: bool) -> ServerInfo:
        data = await self._http.request("GET", "/rest/api/2/serverInfo", authenticated=authenticated)
        return parse_server_info(data)

    async def server_info(self) -> ServerInfo:
        # v2 exists on both deployments, so this works before the deployment is known.
        return await self._server_info(authenticated=self._flavour is not None)

    async def myself(self) -> Person:
        me = parse_myself(await self._call("GET", await self._api("myself")))
        self._me = me
        return me

    async def sla_fields(self, *, refresh: bool = False) -> dict[str, str]:
        """SLA custom fields (id -> name), found by their `sd-sla-field` schema; cached per connection."""
        if self._sla_fields is None or refresh:
            self._sla_fields = parse_fields(await self._call("GET", await self._api("field")))
        return dict(self._sla_fields)

    async def priorities(self) -> list[FieldChoice]:
        data = await self._call("GET", await self._api("priority"))
        if not isinstance(data, list):
            raise BadResponse(msgid("Jira sent a priority list that is not a list."))
        out = []
        for item in data:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                ident = item.get("id")
                out.append(FieldChoice(name=item["name"], id=str(ident) if ident is not None else None))
        return out

    async def my_permissions(
        self, permissions: Iterable[str], *, project_key: str | None = None, issue_key: str | None = None
    ) -> dict[str, bool]:
        """Whether the user holds each permission (globally, or in a project / on an issue)."""
        keys = [p for p in permissions if p]
        params: dict[str, str] = {"permissions": ",".join(keys)}
        if project_key:
            params["projectKey"] = project_key
        if issue_key:
            params["issueKey"] = issue_key
        data = await self._call("GET", await self._api("mypermissions"), params=params)
        found = data.get("permissions") if isinstance(data, dict) else None
        if not isinstance(found, dict):
            raise BadResponse(msgid("Jira sent a permission answer without permissions."))
        result: dict[str, bool] = {}
        for key in keys:
            entry = found.get(key)
            result[key] = isinstance(entry, dict) and entry.get("havePermission") is True
        return result

    async def project(self, key: str) -> ProjectInfo:
        """A project with its lead and its components' leads (escalation targets)."""
        data = await self._call("GET", await self._api(f"project/{_seg(key)}"))
        if not isinstance(data, dict) or not isinstance(data.get("key"), str):
            raise BadResponse(msgid("Jira sent a project without a key."))
        components = []
        for comp in data.get("components") or []:
            if isinstance(comp, dict) and isinstance(comp.get("name"), str):
                components.append(
                    ComponentInfo(id=str(comp.get("id", "")), name=comp["name"], lead=parse_user(comp.get("lead")))
                )
        return ProjectInfo(
            key=data["key"],
            id=str(data.get("id", "")),
            name=str(data.get("name") or data["key"]),
            lead=parse_user(data.get("lead")),
            components=tuple(components),
        )

    # Search ----------------------------------------------------------------------------------------------

    async def _fields_for(self, fields: Sequence[str] | None) -> tuple[list[str], dict[str, str]]:
        sla = await self.sla_fields()
        wanted = list(dict.fromkeys([*(fields if fields is not None else LIST_FIELDS), *sla]))
        return wanted, sla

    async def search_pages(
        self,
        jql: str,
        *,
        fields: Sequence[str] | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[SearchResult[Incident]]:
        """Yield incidents page by page until the end (or `limit` issues). Raises InvalidJql for bad JQL.

        Read to the end, the first page is a plain search page (first rows at once) and the rest comes the
        cheapest way the site offers, several requests at a time, in any order (fetch.py: keys and bulk fetch
        on Cloud, parallel `startAt` pages on Data Center); each page's `start` says where it belongs, and
        `total` how many the whole search returns once known. An issue comes at most once.

        An issue that cannot be read (no key, not an object) is left out of its page, and counted in the
        page's `skipped`, as is one Jira could not load; the rest of the page is good. An issue gone since
        Jira listed it is left out. Stops with BadResponse when paging does not end (see paging.py).
        """
        wanted, sla = await self._fields_for(fields)
        size = max(1, page_size or self.page_size)
        seen = 0
        given: set[str] = set()
        raw_pages = self._all_pages(jql, wanted, size) if limit is None else self._plain_pages(jql, wanted, size)
        async with aclosing(raw_pages):
            async for raw_page in raw_pages:
                fetched_at = self._now()
                page: SearchResult[Incident] = SearchResult(
                    skipped=raw_page.unavailable, start=raw_page.start, total=raw_page.total
                )
                for raw in raw_page.issues:
                    try:
                        incident = parse_issue(
                            raw, sla_field_ids=sla, base_url=self._browse_base, fetched_at=fetched_at
                        )
                    except BadResponse:
                        page.skipped += 1
                        continue
                    # Pages read while the queue changes can overlap; the first copy is the one handed out.
                    if incident.key not in given:
                        given.add(incident.key)
                        page.append(incident)
                if page.skipped:
                    log.warning("Left out %d unreadable or unavailable issue(s) of a search page", page.skipped)
                if limit is not None and seen + len(page) >= limit:
                    yield SearchResult(page[: limit - seen], page.skipped, start=page.start)
                    return
                seen += len(page)
                yield page

    async def _plain_pages(self, jql: str, fields: list[str], size: int) -> AsyncIterator[RawPage]:
        # A limited search stops early: one page after the other, nothing asked for ahead.
        start = 0
        async with aclosing(self._pages(jql, fields, size, properties=ISSUE_PROPERTIES)) as pages:
            async for raw_issues in pages:
                yield RawPage(raw_issues, start)
                start += len(raw_issues)

    async def _all_pages(self, jql: str, fields: list[str], size: int) -> AsyncIterator[RawPage]:
        async def search(path: str, body: dict[str, Any]) -> Any:
            return await self._call("POST", path, body=body, idempotent=True, is_search=True)

        async def fetch(path: str, body: dict[str, Any]) -> Any:
            # A read: retried and reported as every other read is (a 400 here is not bad JQL).
            return await self._call("POST", path, body=body, idempotent=True)

        common: dict[str, Any] = {
            "properties": ISSUE_PROPERTIES,
            "max_issues": self.max_search_issues,
            "in_flight": self.in_flight,
        }
        if await self.detect() == "cloud":
            pages = cloud_all_pages(search, fetch, jql, fields, size, keys_page_size=self.keys_page_size, **common)
        else:
            pages = dc_all_pages(search, jql, fields, size, **common)
        async with aclosing(pages):
            async for page in pages:
                yield page

    async def search(
        self,
        jql: str,
        *,
        fields: Sequence[str] | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> SearchResult[Incident]:
        """Every issue matching `jql` (paged to the end), in Jira's order, with the list fields and SLAs;
        `skipped` counts the issues Jira sent that could not be read."""
        pages = [page async for page in self.search_pages(jql, fields=fields, page_size=page_size, limit=limit)]
        # Pages read in parallel come in any order; each knows its place.
        pages.sort(key=lambda page: page.start)
        found: SearchResult[Incident] = SearchResult()
        for page in pages:
            found.extend(page)
            found.skipped += page.skipped
        found.total = len(found)
        return found

    async def search_keys(self, jql: str, *, page_size: int = 1000) -> SearchResult[str]:
        """Only the keys of the matching issues: no fields, no SLAs, and large pages (Cloud returns up to
        5000 per page when only keys are asked for). The poller uses it to see what changed anywhere."""
        keys: SearchResult[str] = SearchResult()
        async for raw_issues in self._pages(jql, ["key"], page_size):
            for issue in raw_issues:
                key = issue.get("key") if isinstance(issue, dict) else None
                if isinstance(key, str) and key:
                    keys.append(key)
                else:
                    keys.skipped += 1
        return keys

    async def _pages(
        self, jql: str, fields: list[str], size: int, *, properties: Sequence[str] = (), ahead: bool = False
    ) -> AsyncIterator[list[Any]]:
        async def call(path: str, body: dict[str, Any]) -> Any:
            return await self._call("POST", path, body=body, idempotent=True, is_search=True)

        pages = cloud_pages if await self.detect() == "cloud" else dc_pages
        async for raw_issues in pages(
            call, jql, fields, size, max_issues=self.max_search_issues, properties=properties, ahead=ahead
        ):
            yield raw_issues

    async def approximate_count(self, jql: str) -> int:
        """How many issues match (Cloud: approximate-count; Data Center: the search's exact total)."""
        if await self.detect() == "cloud":
            data = await self._call(
                "POST", "/rest/api/3/search/approximate-count", body={"jql": jql}, idempotent=True, is_search=True
            )
            return parse_approximate_count(data)
        body = {"jql": jql, "fields": ["id"], "maxResults": 0, "startAt": 0}
        data = await self._call("POST", "/rest/api/2/search", body=body, idempotent=True, is_search=True)
        return parse_dc_search_page(data)[2]

    # Issues ----------------------------------------------------------------------------------------------

    async def get_issue(self, key: str) -> Incident:
        """One issue with description, every comment (public/internal marks) and SLAs."""
        wanted, sla = await self._fields_for(DETAIL_FIELDS)
        path = await self._api(f"issue/{_seg(key)}")
        params = {"fields": ",".join(wanted), "properties": ",".join(ISSUE_PROPERTIES)}
        data = await self._call("GET", path, params=params)
        incident = parse_issue(data, sla_field_ids=sla, base_url=self._browse_base, fetched_at=self._now())
        fields = data.get("fields") if isinstance(data, dict) else None
        page = fields.get("comment") if isinstance(fields, dict) else None
        total = page.get("total") if isinstance(page, dict) else None
        if isinstance(total, int) and total > len(incident.comments):
            incident = dataclasses.replace(incident, comments=tuple(await self.comments(key)))
        return incident

    async def comments(self, key: str) -> list[Comment]:
        """Every comment of an issue, oldest first."""
        path = await self._api(f"issue/{_seg(key)}/comment")
        out: list[Comment] = []
        for _ in range(_MAX_PAGES):
            params = {"startAt": len(out), "maxResults": 100, "expand": "properties"}
            data = await self._call("GET", path, params=params)
            page = parse_comments(data)
            out.extend(page)
            total = data.get("total") if isinstance(data, dict) else None
            if not page or not isinstance(total, int) or len(out) >= total:
                break
        return out

    async def comment_by_command(self, key: str, command_id: str) -> Comment | None:
        """The comment created by oncall-tui command `command_id`, or None when the issue has none (read with
        every comment's properties; newest first, since the comment looked for is a recent one)."""
        path = await self._api(f"issue/{_seg(key)}/comment")
        seen = 0
        for _ in range(_MAX_PAGES):
            params = {"startAt": seen, "maxResults": 100, "expand": "properties", "orderBy": "-created"}
            data = await self._call("GET", path, params=params)
            page = parse_comments(data)
            for comment in page:
                if comment.command_id == command_id:
                    return comment
            seen += len(page)
            total = data.get("total") if isinstance(data, dict) else None
            if not page or not isinstance(total, int) or seen >= total:
                break
        return None

    # Actions ---------------------------------------------------------------------------------------------

    def _user_ref(self, person: Person | str | None) -> dict[str, str | None]:
        name = "accountId" if self._flavour == "cloud" else "name"
        if person is None or isinstance(person, str):
            return {name: person}
        ident = person.account_id if self._flavour == "cloud" else person.username
        if not ident:
            text = msgid("{name} has no account id.") if name == "accountId" else msgid("{name} has no username.")
            raise BadRequest(text, params={"name": person.display_name})
        return {name: ident}

    async def assign(self, key: str, assignee: Person | str | None) -> None:
        """Assign to a person (or an accountId / DC username); None unassigns."""
        path = await self._api(f"issue/{_seg(key)}/assignee")
        await self._call("PUT", path, body=self._user_ref(assignee))

    async def unassign(self, key: str) -> None:
        await self.assign(key, None)

    async def assign_to_me(self, key: str) -> Person:
        me = self._me or await self.myself()
        await self.assign(key, me)
        return me

    async def add_comment(
        self,
        key: str,
        text: str,
        *,
        internal: bool = False,
        via_servicedesk: bool = False,
        command_id: str | None = None,
        mentions: Sequence[Person] = (),
    ) -> Comment:
        """Comment on an issue; `internal` makes it a JSM internal note. Never retried after it may have
        reached Jira, so a comment is not posted twice. `command_id` is stored on the comment as a property
        (Cloud and Data Center accept `properties` on creation): Jira has no idempotency keys, so this is how a
        resend after a lost answer learns whether the first attempt landed (`comment_by_command`)."""
        if not isinstance(text, str) or not text.strip():
            raise BadRequest(_EMPTY_COMMENT)
        if via_servicedesk:
            path = f"{_SERVICEDESK}/request/{_seg(key)}/comment"
            data = await self._call("POST", path, body={"body": text, "public": not internal})
            return parse_comment(data)
        properties: list[dict[str, Any]] = [{"key": _JSM_PUBLIC_PROPERTY, "value": {"internal": internal}}]
        if command_id is not None:
            properties.append({"key": COMMAND_PROPERTY, "value": {"id": command_id}})
        body: dict[str, Any] = {"body": self._mentioning(self._body(text), mentions), "properties": properties}
        data = await self._call("POST", await self._api(f"issue/{_seg(key)}/comment"), body=body)
        return parse_comment(data)

    def _mentioning(self, body: Any, people: Sequence[Person]) -> Any:
        """The comment body with `people` mentioned first, so Jira notifies them: ADF mention nodes on Cloud,
        `[~username]` wiki markup on Data Center."""
        if not people:
            return body
        if isinstance(body, str):
            names = " ".join(f"[~{p.username}]" for p in people if p.username)
            return f"{names} {body}" if names else body
        nodes: list[dict[str, Any]] = []
        for person in people:
            if person.account_id:
                mention = {"id": person.account_id, "text": f"@{sanitize_line(person.display_name)}"}
                nodes += [{"type": "mention", "attrs": mention}, {"type": "text", "text": " "}]
        if not nodes:
            return body
        return {**body, "content": [{"type": "paragraph", "content": nodes}, *body.get("content", [])]}

    def _body(self, text: str) -> Any:
        if self._flavour != "cloud":
            return text
        try:
            return text_to_adf(text)
        except ValueError:
            # text_to_adf only refuses text with nothing left to say once control characters are gone.
            raise BadRequest(_EMPTY_COMMENT) from None

    async def transitions(self, key: str) -> list[TransitionOption]:
        """The transitions available now, with their screen fields (required resolution and such)."""
        path = await self._api(f"issue/{_seg(key)}/transitions")
        return parse_transitions(await self._call("GET", path, params={"expand": "transitions.fields"}))

    async def transition(
        self,
        key: str,
        transition: TransitionOption | str,
        *,
        resolution: FieldChoice | str | None = None,
        comment: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        """Perform a transition, with a resolution (by id if known, else by name) and a comment if given."""
        transition_id = transition.id if isinstance(transition, TransitionOption) else str(transition)
        body: dict[str, Any] = {"transition": {"id": transition_id}}
        values: dict[str, Any] = dict(fields or {})
        if resolution is not None:
            values["resolution"] = _choice_ref(resolution)
        if values:
            body["fields"] = values
        if comment is not None and comment.strip():
            body["update"] = {"comment": [{"add": {"body": self._body(comment)}}]}
        await self._call("POST", await self._api(f"issue/{_seg(key)}/transitions"), body=body)

    async def edit_labels(self, key: str, *, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None:
        """Add and remove labels in one edit, leaving every other label as it is (a `set` would race a colleague
        labelling the issue at the same time)."""
        ops: list[dict[str, str]] = [{"remove": label} for label in remove] + [{"add": label} for label in add]
        if not ops:
            return
        path = await self._api(f"issue/{_seg(key)}")
        await self._call("PUT", path, body={"update": {"labels": ops}})

    async def set_priority(self, key: str, priority: FieldChoice | str) -> None:
        """Change the priority: a FieldChoice with an id (from `priorities()`), or a priority name."""
        path = await self._api(f"issue/{_seg(key)}")
        await self._call("PUT", path, body={"fields": {"priority": _choice_ref(priority)}})

    async def user(self, *, account_id: str | None = None, username: str | None = None) -> Person:
        """One user by account id (Cloud) or username (Data Center): name, e-mail and time zone.

        NotFound when Jira does not know them (deleted, or hidden from this user)."""
        if (account_id is None) == (username is None):
            raise ValueError("look a user up by exactly one of account_id or username")
        params = {"accountId": account_id} if account_id is not None else {"username": username or ""}
        person = parse_user(await self._call("GET", await self._api("user"), params=params))
        if person is None:
            raise BadResponse(msgid("Jira sent a user without an account id or username."))
        return person

    async def assignable_users(self, key: str, query: str = "", *, max_results: int = 50) -> list[Person]:
        params: dict[str, str | int] = {"issueKey": key, "maxResults": max_results}
        params["query" if await self.detect() == "cloud" else "username"] = query
        return parse_users(await self._call("GET", await self._api("user/assignable/search"), params=params))

    # Entity properties -----------------------------------------------------------------------------------

    async def property_keys(self, key: str) -> list[str]:
        data = await self._call("GET", await self._api(f"issue/{_seg(key)}/properties"))
        keys = data.get("keys") if isinstance(data, dict) else None
        return [k["key"] for k in keys or [] if isinstance(k, dict) and isinstance(k.get("key"), str)]

    async def get_property(self, key: str, name: str) -> Any:
        """The JSON value of an issue entity property; NotFound when it is not set."""
        data = await self._call("GET", await self._api(f"issue/{_seg(key)}/properties/{_seg(name)}"))
        if not isinstance(data, dict) or "value" not in data:
            raise BadResponse(msgid("Jira sent an entity property without a value."))
        return data["value"]

    async def set_property(self, key: str, name: str, value: Any) -> None:
        await self._call("PUT", await self._api(f"issue/{_seg(key)}/properties/{_seg(name)}"), body=value)

    async def delete_property(self, key: str, name: str) -> None:
        await self._call("DELETE", await self._api(f"issue/{_seg(key)}/properties/{_seg(name)}"))

    # JSM -------------------------------------------------------------------------------------------------

    async def sla(self, key: str) -> list[SlaClock]:
        """The JSM SLA records of one request (every page). Needs agent permission."""
        path = f"{_SERVICEDESK}/request/{_seg(key)}/sla"
        clocks: list[SlaClock] = []
        start = 0
        for _ in range(_MAX_PAGES):
            data = await self._call("GET", path, params={"start": start, "limit": 50})
            fetched_at = self._now()
            values, is_last = parse_paged_values(data)
            for value in values:
                clock = parse_sla_value(value, field_id=None, fetched_at=fetched_at)
                if clock is not None:
                    clocks.append(clock)
            start += len(values)
            if is_last or not values:
                break
        return clocks


def _seg(value: str) -> str:
    """One URL path segment: a hostile key must not climb out of its path."""
    if not isinstance(value, str) or not value:
        raise BadRequest(msgid("An issue key, project key or property name is missing."))
    return quote(value, safe="")


def _choice_ref(choice: FieldChoice | str) -> dict[str, str]:
    if isinstance(choice, FieldChoice):
        return {"id": choice.id} if choice.id else {"name": choice.name}
    return {"name": choice}


def _tls_hint(config: JiraConfig) -> tuple[str, dict[str, object]]:
    if str(config.ca_bundle) == "system":
        return (
            msgid(
                "The OS trust store does not accept Jira's certificate. If your company uses its own CA, set "
                'ca_bundle = "/path/to/company-ca.pem" in the [jira] section of the config'
            ),
            {},
        )
    return (
        msgid(
            "The CA bundle {path} does not vouch for Jira's certificate: check ca_bundle in the "
            '[jira] section (a PEM file with your CA), or set ca_bundle = "system" for the OS trust store'
        ),
        {"path": str(config.ca_bundle)},
    )
