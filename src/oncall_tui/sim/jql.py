"""The simulator's JQL: the subset on-call queues use, parsed and checked the way Jira does.

    query = parse('project = OPS AND "Time to resolution" < remaining("30m") ORDER BY priority DESC')
    query.validate(ctx)           # unknown fields / values -> JqlError, as Jira answers 400
    issues = query.filter(state.issues.values(), ctx)

Layers: `jql_lexer` (tokens, JqlError), `jql_parser` (AST), `jql_eval` (checks, closures, ORDER BY).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from oncall_tui.sim.jql_eval import CompiledQuery, JqlContext, SlaLookup, adf_text, parse_period
from oncall_tui.sim.jql_lexer import JqlError, Pos
from oncall_tui.sim.jql_parser import (
    MAX_ORDER_BY_FIELDS,
    AndNode,
    Clause,
    Direction,
    EmptyOperand,
    FunctionOperand,
    ListOperand,
    Node,
    NotNode,
    OrNode,
    SortField,
    ValueOperand,
    parse_query,
    render,
)
from oncall_tui.sim.model import Issue
from oncall_tui.sim.state import SimState

__all__ = [
    "MAX_ORDER_BY_FIELDS",
    "AndNode",
    "Clause",
    "CompiledQuery",
    "EmptyOperand",
    "FunctionOperand",
    "JqlContext",
    "JqlError",
    "ListOperand",
    "Node",
    "NotNode",
    "OrNode",
    "Pos",
    "Query",
    "SlaLookup",
    "SortField",
    "ValueOperand",
    "adf_text",
    "parse",
    "parse_period",
    "search",
]


@dataclass(frozen=True)
class Query:
    text: str
    where: Node | None
    order_by: list[tuple[str, Direction]]
    sort_fields: tuple[SortField, ...] = field(default=(), repr=False, compare=False)

    def is_bounded(self) -> bool:
        """Cloud's enhanced search refuses queries with no WHERE restriction (e.g. only ORDER BY)."""
        return self.where is not None

    def compile(self, ctx: JqlContext) -> CompiledQuery:
        return CompiledQuery(self.where, self.sort_fields, ctx)

    def validate(self, ctx: JqlContext) -> None:
        """Raise JqlError for unknown fields, values, functions or misused operators."""
        self.compile(ctx)

    def filter(self, issues: Iterable[Issue], ctx: JqlContext) -> list[Issue]:
        """The matching issues in ORDER BY order (default: newest created first)."""
        return self.compile(ctx).run(issues)

    def __str__(self) -> str:
        where = render(self.where) if self.where is not None else ""
        order = ", ".join(f"{name} {direction}" for name, direction in self.order_by)
        return " ".join(part for part in (where, f"ORDER BY {order}" if order else "") if part)


def parse(text: str) -> Query:
    """Parse JQL syntax only (no site needed); raises JqlError with Jira's wording and position."""
    parsed = parse_query(text)
    order_by = [(s.field, s.direction) for s in parsed.sort]
    return Query(text, parsed.where, order_by, parsed.sort)


def search(state: SimState, jql_text: str, ctx: JqlContext | None = None) -> list[Issue]:
    """Parse, check and run `jql_text` over every issue of `state`."""
    if ctx is None:
        ctx = JqlContext(state, state.now())
    return parse(jql_text).filter(state.issues.values(), ctx)
