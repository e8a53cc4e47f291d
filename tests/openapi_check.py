"""Check simulator HTTP traffic against Atlassian's published OpenAPI specs (test-side only).

`validate_response(response)` finds the operation for the request's method and path in the Jira platform
spec or the JSM spec, checks that the status code is documented, and validates the JSON body against that
response's schema. `validate_request_body(method, path, body)` does the same for bodies we send. Both raise
`AssertionError` on a mismatch and `NotInSpec` for paths no spec describes (`/_sim/...`, JSM Ops, the removed
`/search`), so each caller decides whether that is acceptable. `validate_schema(name, value)` checks one
value against one component schema (e.g. an SLA field value against JSM's `SlaInformationDTO`).

Semantics are OpenAPI 3.0 (`nullable`, `readOnly` / `writeOnly`) via openapi-schema-validator: responses
use the read validator (a `writeOnly` property in a response fails), request bodies use the write validator
(a `readOnly` property in a request fails). Formats checked: int32 / int64 ranges, `date` and `date-time`
(Jira's `+0000` offsets accepted), and `uri` (must be absolute).

The specs are patched in memory once per session:
- quirks (`_QUIRKS`) loosen the spec only where the spec contradicts itself or Jira's documented behaviour;
  each quirk checks that it is still needed, so a fixed spec upgrade fails loudly instead of silently
  keeping the exception;
- supplements (`_SUPPLEMENTS`) tighten places the spec leaves untyped: ADF rich text (comment `body`,
  issue `description` / `environment`) and the system issue fields the app reads, typed with the spec's
  own component schemas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from tests.shared_paths import OPENAPI_DIR

SpecName = Literal["platform", "jsm"]
Direction = Literal["response", "request"]

_SPEC_FILES: dict[SpecName, str] = {
    "platform": "jira-platform.swagger-v3.v3.json",
    "jsm": "jsm-servicedesk.swagger.v3.json",
}
_SPEC_PREFIXES: dict[SpecName, str] = {"platform": "/rest/api/3/", "jsm": "/rest/servicedeskapi/"}
_V2_PREFIX = "/rest/api/2/"
_V3_PREFIX = "/rest/api/3/"

# Atlassian removed these from Cloud (CHANGE-2046: they answer 410 Gone) but the spec still lists them as
# deprecated. The simulator only serves `/rest/api/2/search` as Data Center offset paging, which no Cloud
# spec describes, so callers get NotInSpec rather than a Cloud verdict.
_REMOVED_FROM_CLOUD = frozenset({"searchForIssuesUsingJql", "searchForIssuesUsingJqlPost"})

# Any Jira endpoint may answer 429 (rate limiting, with Retry-After) or 503, documented or not
# (developer.atlassian.com "Rate limiting"); the simulator's fault injection produces both.
_UNDOCUMENTED_BUT_ALWAYS_POSSIBLE = frozenset({429, 503})

_MAX_REPORTED_ERRORS = 8
_MAX_VALUE_CHARS = 160


class NotInSpec(LookupError):
    """The method and path are in neither spec (or only as an operation Cloud no longer serves)."""


@dataclass(frozen=True, slots=True)
class Operation:
    spec: SpecName
    method: str  # lower case, as in the spec
    template: str  # the spec's path key, e.g. /rest/api/3/issue/{issueIdOrKey}
    operation_id: str
    via_v2: bool = False

    def label(self) -> str:
        v2 = " (v2 request checked against v3)" if self.via_v2 else ""
        return f"{self.operation_id} [{self.method.upper()} {self.template}]{v2}"

    @property
    def pointer(self) -> str:
        return f"/paths/{_escape_pointer(self.template)}/{self.method}"


# ---- public API ---------------------------------------------------------------------------------------


def validate_response(response: httpx.Response) -> None:
    """Raise AssertionError unless `response` matches the spec operation of its request.

    v2 (`/rest/api/2/...`) responses have no spec of their own. They are validated against the v3
    operation with the same path, after `_v2_as_v3` swaps the fields that differ by design: v2 sends
    plain-text strings where v3 sends ADF documents (comment `body`, issue `fields.description` and
    `fields.environment`). Each such string is replaced by a minimal ADF doc before validation; every other
    field must match v3 exactly.
    """
    request = response.request
    op = find_operation(request.method, request.url.path)
    status = response.status_code
    responses: dict[str, Any] = _operation_object(op)["responses"]
    key = _response_key(responses, status)
    if key is None:
        if status in _UNDOCUMENTED_BUT_ALWAYS_POSSIBLE:
            return
        raise AssertionError(
            f"{op.label()}: status {status} is not documented (documented: {', '.join(sorted(responses))})"
        )
    if status == 204 and response.content:
        raise AssertionError(f"{op.label()}: 204 response has a body: {_truncate(response.text)}")
    schema_pointer = f"{op.pointer}/responses/{_escape_pointer(key)}/content/application~1json/schema"
    if not _lookup(op.spec, schema_pointer):
        # No schema, or `{}`: the spec documents the status but not its body (most platform error responses
        # and every 204).
        return
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        raise AssertionError(
            f"{op.label()} -> {status}: expected a JSON body, got content-type {content_type!r}: "
            f"{_truncate(response.text)}"
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(
            f"{op.label()} -> {status}: body is not JSON ({exc}): {_truncate(response.text)}"
        ) from None
    if op.via_v2:
        body = _v2_as_v3(body)
    _check(op, schema_pointer, body, "response", f"-> {status}")


def validate_request_body(method: str, path: str, body: Any) -> None:
    """Raise AssertionError unless `body` (decoded JSON, or None) is a valid request body for the operation.

    v2 paths get the same ADF substitution as in `validate_response`.
    """
    op = find_operation(method, path)
    request_body: dict[str, Any] | None = _operation_object(op).get("requestBody")
    if request_body is None:
        if body is not None:
            raise AssertionError(f"{op.label()}: takes no request body, got {_truncate(repr(body))}")
        return
    if body is None:
        if request_body.get("required"):
            raise AssertionError(f"{op.label()}: the request body is required")
        return
    schema_pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
    if not _lookup(op.spec, schema_pointer):
        raise AssertionError(f"{op.label()}: the spec documents no JSON request body schema")
    if op.via_v2:
        body = _v2_as_v3(body)
    _check(op, schema_pointer, body, "request", "request body")


def validate_schema(component_name: str, value: Any, spec: SpecName = "jsm") -> None:
    """Raise AssertionError unless `value` matches the spec's component schema `component_name` (as read).

    For values the spec types only elsewhere, e.g. an SLA custom field in an issue's `fields`, which is the
    JSM `SlaInformationDTO` of GET /request/{key}/sla. LookupError if the spec has no such component.
    """
    pointer = f"/components/schemas/{_escape_pointer(component_name)}"
    if _lookup(spec, pointer) is None:
        raise LookupError(f"the {spec} spec has no component schema {component_name!r}")
    errors = _validator(spec, pointer, "response").iter_errors(value)
    _raise_errors(errors, f"{component_name} value does not match the {spec} spec")


def find_operation(method: str, path: str) -> Operation:
    """The spec operation for `method` and a URL path (no query); NotInSpec if there is none."""
    path = path.rstrip("/") or "/"
    via_v2 = path.startswith(_V2_PREFIX)
    lookup_path = _V3_PREFIX + path[len(_V2_PREFIX) :] if via_v2 else path
    method = method.lower()
    segments = lookup_path.count("/")
    for regex, spec, template, operation_id in _route_index().get((method, segments), ()):
        if regex.fullmatch(lookup_path):
            if operation_id in _REMOVED_FROM_CLOUD:
                raise NotInSpec(f"{method.upper()} {path}: {operation_id} has been removed from Jira Cloud")
            return Operation(spec, method, template, operation_id, via_v2)
    others = sorted(
        other.upper()
        for (other, count), routes in _route_index().items()
        if count == segments and other != method and any(r[0].fullmatch(lookup_path) for r in routes)
    )
    if others:
        raise NotInSpec(f"{method.upper()} {path}: the spec documents only {', '.join(others)} for this path")
    raise NotInSpec(f"{method.upper()} {path} is in neither the platform nor the JSM spec")


def iter_operations() -> Iterator[Operation]:
    """Every operation the index knows (for diagnostics and self-tests)."""
    for (method, _), routes in _route_index().items():
        for _, spec, template, operation_id in routes:
            yield Operation(spec, method, template, operation_id)


# ---- spec loading, patching and indexing (once per session) -------------------------------------------


def _spec_uri(spec: SpecName) -> str:
    return f"urn:oncall-tui:openapi:{spec}"


@cache
def _load_spec(spec: SpecName) -> dict[str, Any]:
    with (OPENAPI_DIR / _SPEC_FILES[spec]).open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    for patch_spec, patch in (*_QUIRKS, *_SUPPLEMENTS):
        if patch_spec == spec:
            patch(document["components"]["schemas"])
    return document


@cache
def _registry() -> Registry:
    registry: Registry = Registry()
    for spec in _SPEC_FILES:
        registry = registry.with_resource(_spec_uri(spec), DRAFT4.create_resource(_load_spec(spec)))
    return registry


_RouteEntry = tuple[re.Pattern[str], SpecName, str, str]


@cache
def _route_index() -> dict[tuple[str, int], tuple[_RouteEntry, ...]]:
    """(method, segment count) -> routes, most specific first (literal segments beat templated ones)."""
    buckets: dict[tuple[str, int], list[tuple[tuple[int, ...], _RouteEntry]]] = {}
    for spec in _SPEC_FILES:
        for template, path_item in _load_spec(spec)["paths"].items():
            if not template.startswith(_SPEC_PREFIXES[spec]):
                continue  # e.g. /rest/atlassian-connect/...: not something the simulator serves
            segments = template.split("/")[1:]
            regex = re.compile("/" + "/".join(_segment_regex(s) for s in segments))
            specificity = tuple(1 if "{" in s else 0 for s in segments)
            for method, operation in path_item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    entry: _RouteEntry = (regex, spec, template, operation["operationId"])
                    buckets.setdefault((method, len(segments)), []).append((specificity, entry))
    return {key: tuple(e for _, e in sorted(items, key=lambda i: i[0])) for key, items in buckets.items()}


def _segment_regex(segment: str) -> str:
    parts = re.split(r"(\{[^}]+\})", segment)
    return "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)


def _operation_object(op: Operation) -> dict[str, Any]:
    return _load_spec(op.spec)["paths"][op.template][op.method]  # type: ignore[no-any-return]


def _lookup(spec: SpecName, pointer: str) -> Any:
    node: Any = _load_spec(spec)
    for raw in pointer.lstrip("/").split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _response_key(responses: dict[str, Any], status: int) -> str | None:
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return key
    return None


# ---- validation ---------------------------------------------------------------------------------------


# Supplements need "null or this component": OAS 3.0 ignores `nullable` beside a $ref, inside allOf the
# component's own `type` still rejects null, and anyOf doubles the cost and blurs the error message.
_NULLABLE_REF = "x-oncall-nullable-ref"


def _nullable_ref_keyword(validator: Any, ref: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if instance is not None:
        yield from validator.descend(instance, {"$ref": ref})


_READ_VALIDATOR = extend(OAS30ReadValidator, {_NULLABLE_REF: _nullable_ref_keyword})
_WRITE_VALIDATOR = extend(OAS30WriteValidator, {_NULLABLE_REF: _nullable_ref_keyword})


@cache
def _validator(spec: SpecName, schema_pointer: str, direction: Direction) -> Any:
    cls = _READ_VALIDATOR if direction == "response" else _WRITE_VALIDATOR
    ref = f"{_spec_uri(spec)}#{quote(schema_pointer, safe='/~')}"
    return cls({"$ref": ref}, registry=_registry(), format_checker=_format_checker())


def _check(op: Operation, schema_pointer: str, body: Any, direction: Direction, what: str) -> None:
    errors = _validator(op.spec, schema_pointer, direction).iter_errors(body)
    _raise_errors(errors, f"{op.label()} {what} does not match the {op.spec} spec")


def _raise_errors(found: Iterable[ValidationError], heading: str) -> None:
    errors = sorted(found, key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return
    # dict.fromkeys: a null fails `type` twice ("not nullable" and "not of type"); report it once.
    lines = list(dict.fromkeys(_describe(error) for error in errors))
    if len(lines) > _MAX_REPORTED_ERRORS:
        lines[_MAX_REPORTED_ERRORS:] = [f"... and {len(lines) - _MAX_REPORTED_ERRORS} more"]
    raise AssertionError(f"{heading}:\n  " + "\n  ".join(lines))


def _describe(error: ValidationError) -> str:
    detail = error.message
    value = repr(error.instance)
    if error.instance is None and error.validator == "type":
        detail = f"null, but the schema (type {error.validator_value!r}) is not nullable"
    elif detail.startswith(value):
        # jsonschema starts most messages with the whole offending value; it is shown truncated below.
        detail = "value" + detail[len(value) :]
    if error.context:
        detail += f" (closest: {best_match(error.context).message})"
    keyword_path = "/".join(map(str, error.relative_schema_path))
    path = _json_path(error.absolute_path)
    return f"at {path}: {_truncate(detail)} [value: {_truncate(value)}; schema: {keyword_path}]"


_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def _json_path(parts: Iterable[str | int]) -> str:
    # jsonschema's own json_path brackets keys such as `_links`; dotted keys read better in failures.
    rendered = ["$"]
    for part in parts:
        if isinstance(part, int):
            rendered.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            rendered.append(f".{part}")
        else:
            rendered.append(f"[{part!r}]")
    return "".join(rendered)


def _truncate(text: str, limit: int = _MAX_VALUE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- formats ------------------------------------------------------------------------------------------

# Jira writes offsets without a colon (`2020-03-26T22:20:59.000+0000`), which strict RFC 3339 rejects.
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _int_range(bits: int) -> Callable[[object], bool]:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def check(value: object) -> bool:
        return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high

    return check


def _string_check(predicate: Callable[[str], bool]) -> Callable[[object], bool]:
    return lambda value: not isinstance(value, str) or predicate(value)


def _absolute_uri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@cache
def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("int32")(_int_range(32))
    checker.checks("int64")(_int_range(64))
    checker.checks("date-time")(_string_check(lambda s: _DATE_TIME.fullmatch(s) is not None))
    checker.checks("date")(_string_check(lambda s: _DATE.fullmatch(s) is not None))
    checker.checks("uri")(_string_check(_absolute_uri))
    return checker


# ---- v2 -> v3 -----------------------------------------------------------------------------------------

_ISSUE_RICH_TEXT_FIELDS = ("description", "environment")


def _minimal_adf(text: str) -> dict[str, Any]:
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}] if text else []}
    return {"type": "doc", "version": 1, "content": [paragraph]}


def _v2_as_v3(node: Any) -> Any:
    """A copy of a v2 body with v2's plain-text rich-text values swapped for ADF, as v3 would send them.

    Only comment `body` (anywhere) and `description` / `environment` directly inside a `fields` object are
    swapped: other `description` keys (status, priority, issue type...) are plain strings in v3 too.
    """
    if isinstance(node, list):
        return [_v2_as_v3(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "body" and isinstance(value, str):
            result[key] = _minimal_adf(value)
        elif key == "fields" and isinstance(value, dict):
            result[key] = {
                name: _minimal_adf(v) if name in _ISSUE_RICH_TEXT_FIELDS and isinstance(v, str) else _v2_as_v3(v)
                for name, v in value.items()
            }
        else:
            result[key] = _v2_as_v3(value)
    return result


# ---- spec quirks (loosening) and supplements (tightening) ---------------------------------------------

_Schemas = dict[str, Any]


def _add_property(schemas: _Schemas, schema: str, name: str, definition: dict[str, Any]) -> None:
    properties = schemas[schema]["properties"]
    if name in properties:
        raise RuntimeError(f"spec quirk no longer needed: {schema}.{name} is now in the spec; drop the patch")
    properties[name] = definition


def _quirk_server_info_default_locale(schemas: _Schemas) -> None:
    # ServerInformation says additionalProperties: false yet omits `defaultLocale`, which real Jira Cloud
    # returns and the spec's own example for GET /serverInfo contains.
    _add_property(
        schemas,
        "ServerInformation",
        "defaultLocale",
        {"type": "object", "properties": {"locale": {"type": "string"}}},
    )


def _quirk_field_details_untranslated_name(schemas: _Schemas) -> None:
    # FieldDetails says additionalProperties: false yet omits `untranslatedName`, which Jira Cloud sends for
    # custom fields in GET /field and which the spec's own example for POST /field (createCustomField) has.
    _add_property(schemas, "FieldDetails", "untranslatedName", {"type": "string"})


_QUIRKS: tuple[tuple[SpecName, Callable[[_Schemas], None]], ...] = (
    ("platform", _quirk_server_info_default_locale),
    ("platform", _quirk_field_details_untranslated_name),
)

_ADF_DOC = "OncallTuiAdfDoc"
_ADF_DOC_OR_NULL = "OncallTuiAdfDocOrNull"


def _nullable_ref(name: str) -> dict[str, Any]:
    return {_NULLABLE_REF: f"#/components/schemas/{name}"}


def _supplement_adf(schemas: _Schemas) -> None:
    # The spec leaves Comment.body untyped and IssueBean.fields free-form, so a v3 response with a plain
    # string where ADF belongs would pass. Jira Cloud v3 always sends an ADF doc (or null when empty).
    adf: dict[str, Any] = {
        "type": "object",
        "required": ["type", "version", "content"],
        "properties": {
            "type": {"type": "string", "enum": ["doc"]},
            "version": {"type": "integer", "enum": [1]},
            "content": {
                "type": "array",
                "items": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}},
            },
        },
    }
    schemas[_ADF_DOC] = adf
    schemas[_ADF_DOC_OR_NULL] = {**adf, "nullable": True}
    body = schemas["Comment"]["properties"]["body"]
    if "type" in body or "$ref" in body:
        raise RuntimeError("spec now types Comment.body; drop the ADF supplement for it")
    body["$ref"] = f"#/components/schemas/{_ADF_DOC}"


def _open_copy(schemas: _Schemas, name: str) -> str:
    # For supplements only: the spec's own getIssue and search/jql examples put `insight` and `style` on
    # `fields.project`, which the closed ProjectDetails lacks, and the spec never claimed that shape there.
    copy_name = f"OncallTuiOpen{name}"
    schemas[copy_name] = {**schemas[name], "additionalProperties": True}
    return copy_name


def _supplement_issue_fields(schemas: _Schemas) -> None:
    # IssueBean.fields is `additionalProperties: {}` in the spec. Type the system fields the app reads
    # with the spec's own component schemas (these are the shapes Jira documents for them); custom and
    # other fields stay free-form.
    fields = schemas["IssueBean"]["properties"]["fields"]
    if "properties" in fields:
        raise RuntimeError("spec now types IssueBean.fields; review the issue-field supplement")
    fields["properties"] = {
        "summary": {"type": "string"},
        "description": {"$ref": f"#/components/schemas/{_ADF_DOC_OR_NULL}"},
        "environment": {"$ref": f"#/components/schemas/{_ADF_DOC_OR_NULL}"},
        "status": {"$ref": "#/components/schemas/StatusDetails"},
        "issuetype": {"$ref": "#/components/schemas/IssueTypeDetails"},
        "project": {"$ref": f"#/components/schemas/{_open_copy(schemas, 'ProjectDetails')}"},
        "priority": _nullable_ref("Priority"),
        "resolution": _nullable_ref("Resolution"),
        "assignee": _nullable_ref("UserDetails"),
        "reporter": _nullable_ref("UserDetails"),
        "creator": _nullable_ref("UserDetails"),
        "labels": {"type": "array", "items": {"type": "string"}},
    }


_SUPPLEMENTS: tuple[tuple[SpecName, Callable[[_Schemas], None]], ...] = (
    ("platform", _supplement_adf),
    ("platform", _supplement_issue_fields),
)
