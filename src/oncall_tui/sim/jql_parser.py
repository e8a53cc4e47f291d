"""Recursive-descent JQL parser: tokens to an AST (pure syntax; fields and values are checked later).

Grammar (keywords case-insensitive):
    query    := [or_expr] [ORDER BY sort (',' sort)*] EOF
    or_expr  := and_expr ((OR | '|' | '||') and_expr)*
    and_expr := not_expr ((AND | '&' | '&&') not_expr)*
    not_expr := (NOT | '!') not_expr | '(' or_expr ')' | clause
    clause   := field operator operand
    operand  := EMPTY | NULL | value | function | '(' item (',' item)* ')'
    sort     := field [ASC | DESC]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oncall_tui.sim.jql_lexer import JqlError, Pos, Token, syntax_error, tokenize

MAX_ORDER_BY_FIELDS = 7

Direction = Literal["ASC", "DESC"]

# Words with a grammatical role; unquoted they cannot be a field name or a value.
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc", "was", "changed"})
# Jira reserves many more words for future use; unquoted, they are rejected (quote them to use them).
RESERVED_WORDS = frozenset(
    {
        "abort", "access", "add", "after", "alias", "all", "alter", "any", "as", "audit", "avg", "before",
        "begin", "between", "boolean", "break", "byte", "catch", "char", "character", "check", "checkpoint",
        "collate", "collation", "column", "commit", "connect", "continue", "count", "create", "current",
        "date", "decimal", "declare", "decrement", "default", "defaults", "define", "delete", "delimiter",
        "distinct", "divide", "do", "double", "drop", "else", "encoding", "end", "equals", "escape",
        "exclusive", "exec", "execute", "exists", "explain", "false", "fetch", "file", "field", "first",
        "float", "for", "from", "function", "go", "goto", "grant", "greater", "group", "having", "if",
        "immediate", "increment", "index", "inner", "inout", "input", "insert", "int", "integer",
        "intersect", "into", "isempty", "isnull", "join", "last", "left", "less", "like", "limit", "lock",
        "long", "max", "min", "minus", "mode", "modify", "modulo", "more", "multiply", "next", "notin",
        "number", "object", "of", "on", "option", "outer", "output", "power", "previous", "prior",
        "privileges", "public", "raise", "raw", "remainder", "rename", "resource", "return", "returns",
        "right", "row", "rowid", "rownum", "rows", "select", "session", "set", "share", "size", "sqrt",
        "start", "strict", "string", "subtract", "sum", "synonym", "table", "then", "to", "trans",
        "transaction", "trigger", "true", "uid", "union", "unique", "update", "user", "validate",
        "values", "view", "when", "whenever", "where", "while", "with",
    }
)  # fmt: skip

_VALID_OPERATORS = (
    "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'."
)

Operator = Literal["=", "!=", "~", "!~", "<", "<=", ">", ">=", "in", "not in", "is", "is not"]


# ---- AST ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueOperand:
    value: str
    quoted: bool
    pos: Pos


@dataclass(frozen=True)
class EmptyOperand:
    pos: Pos


@dataclass(frozen=True)
class FunctionOperand:
    name: str  # as written, e.g. "currentUser"
    args: tuple[str, ...]
    pos: Pos


@dataclass(frozen=True)
class ListOperand:
    items: tuple[ValueOperand | EmptyOperand | FunctionOperand, ...]
    pos: Pos


Operand = ValueOperand | EmptyOperand | FunctionOperand | ListOperand


@dataclass(frozen=True)
class Clause:
    field: str  # as written (unquoted), e.g. "status", "Time to resolution", "cf[10030]"
    operator: Operator
    operand: Operand
    pos: Pos  # of the field


@dataclass(frozen=True)
class AndNode:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class OrNode:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class NotNode:
    child: Node


Node = Clause | AndNode | OrNode | NotNode


@dataclass(frozen=True)
class SortField:
    field: str
    direction: Direction
    pos: Pos


@dataclass(frozen=True)
class ParsedQuery:
    where: Node | None
    sort: tuple[SortField, ...]


# ---- rendering (canonical, fully parenthesised; handy in logs and tests) --------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_operand(operand: Operand) -> str:
    if isinstance(operand, EmptyOperand):
        return "EMPTY"
    if isinstance(operand, ValueOperand):
        return _quote(operand.value) if operand.quoted else operand.value
    if isinstance(operand, FunctionOperand):
        return f"{operand.name}({', '.join(_quote(a) for a in operand.args)})"
    return "(" + ", ".join(render_operand(item) for item in operand.items) + ")"


def render(node: Node) -> str:
    if isinstance(node, Clause):
        plain = node.field.replace("_", "").isalnum() or (
            node.field.lower().startswith("cf[") and " " not in node.field
        )
        name = node.field if plain else _quote(node.field)
        return f"{name} {node.operator.upper()} {render_operand(node.operand)}"
    if isinstance(node, NotNode):
        return f"NOT {render(node.child)}"
    joiner = " AND " if isinstance(node, AndNode) else " OR "
    return "(" + joiner.join(render(child) for child in node.children) + ")"


# ---- parser -------------------------------------------------------------------------------------------


def _is_word(token: Token, *words: str) -> bool:
    return token.kind == "word" and token.raw.lower() in words


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "eof":
            self.i += 1
        return token

    def expecting(self, what: str, token: Token, hint: str = "") -> JqlError:
        return syntax_error(f"Expecting {what} but got {token.describe()}.{hint}", token.pos)

    def at_order_by(self) -> bool:
        return _is_word(self.peek(), "order") and _is_word(self.peek(1), "by")

    # -- query -----------------------------------------------------------------------------------------

    def query(self) -> ParsedQuery:
        where: Node | None = None
        if self.peek().kind != "eof" and not self.at_order_by():
            where = self.or_expr()
        sort: tuple[SortField, ...] = ()
        if self.at_order_by():
            self.take()
            self.take()
            sort = self.sort_list()
        token = self.peek()
        if token.kind != "eof":
            if where is not None and not sort:
                raise self.expecting("either 'OR' or 'AND'", token)
            raise self.expecting("either 'ASC', 'DESC', ',' or the end of the query", token)
        return ParsedQuery(where, sort)

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.peek().kind == "or" or _is_word(self.peek(), "or"):
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else OrNode(tuple(children))

    def and_expr(self) -> Node:
        children = [self.not_expr()]
        while self.peek().kind == "and" or _is_word(self.peek(), "and"):
            self.take()
            children.append(self.not_expr())
        return children[0] if len(children) == 1 else AndNode(tuple(children))

    def not_expr(self) -> Node:
        token = self.peek()
        if token.kind == "bang" or _is_word(token, "not"):
            self.take()
            return NotNode(self.not_expr())
        if token.kind == "lparen":
            self.take()
            inner = self.or_expr()
            closing = self.peek()
            if closing.kind != "rparen":
                raise self.expecting("')'", closing)
            self.take()
            return inner
        return self.clause()

    # -- clause ----------------------------------------------------------------------------------------

    def field_name(self) -> tuple[str, Pos]:
        token = self.take()
        if token.kind == "string":
            return token.value, token.pos
        if token.kind == "word":
            lowered = token.raw.lower()
            if lowered in KEYWORDS:
                raise self.expecting(
                    "a field name",
                    token,
                    f" You must surround '{token.raw}' in quotation marks to use it as a field name.",
                )
            if lowered in RESERVED_WORDS:
                raise _reserved_word(token)
            return token.value, token.pos
        raise self.expecting("a field name", token)

    def clause(self) -> Clause:
        field, pos = self.field_name()
        operator = self.operator()
        if operator in ("is", "is not"):
            token = self.take()
            if not _is_word(token, "empty", "null"):
                raise self.expecting("'EMPTY' or 'NULL'", token)
            return Clause(field, operator, EmptyOperand(token.pos), pos)
        if operator in ("in", "not in"):
            token = self.peek()
            if token.kind != "lparen" and not (token.kind == "word" and self.peek(1).kind == "lparen"):
                raise self.expecting("'(' or a function returning a list", token)
        return Clause(field, operator, self.operand(allow_list=True), pos)

    def operator(self) -> Operator:
        token = self.take()
        if token.kind == "op":
            return token.value  # type: ignore[return-value]
        if _is_word(token, "in"):
            return "in"
        if _is_word(token, "not"):
            nxt = self.take()
            if not _is_word(nxt, "in"):
                raise self.expecting("'IN' after 'NOT'", nxt)
            return "not in"
        if _is_word(token, "is"):
            if _is_word(self.peek(), "not"):
                self.take()
                return "is not"
            return "is"
        if _is_word(token, "was", "changed"):
            raise syntax_error(
                f"The history operator '{token.raw.upper()}' is not supported by this simulator.", token.pos
            )
        raise self.expecting("operator", token, " " + _VALID_OPERATORS)

    def operand(self, *, allow_list: bool) -> Operand:
        token = self.peek()
        if token.kind == "lparen" and allow_list:
            return self.list_operand()
        if token.kind == "string":
            self.take()
            return ValueOperand(token.value, True, token.pos)
        if token.kind == "word":
            if self.peek(1).kind == "lparen":
                return self.function()
            self.take()
            lowered = token.raw.lower()
            if lowered in ("empty", "null"):
                return EmptyOperand(token.pos)
            if lowered in KEYWORDS:
                raise self.expecting(
                    "either a value, list or function",
                    token,
                    f" You must surround '{token.raw}' in quotation marks to use it as a value.",
                )
            if lowered in RESERVED_WORDS:
                raise _reserved_word(token)
            return ValueOperand(token.value, False, token.pos)
        what = "either a value, list or function" if allow_list else "either a value or function"
        raise self.expecting(what, token)

    def list_operand(self) -> ListOperand:
        opening = self.take()
        items: list[ValueOperand | EmptyOperand | FunctionOperand] = []
        while True:
            item = self.operand(allow_list=False)
            assert not isinstance(item, ListOperand)
            items.append(item)
            token = self.take()
            if token.kind == "rparen":
                return ListOperand(tuple(items), opening.pos)
            if token.kind != "comma":
                raise self.expecting("either ',' or ')'", token)

    def function(self) -> FunctionOperand:
        name = self.take()
        self.take()  # "("
        args: list[str] = []
        if self.peek().kind == "rparen":
            self.take()
            return FunctionOperand(name.value, (), name.pos)
        while True:
            token = self.take()
            if token.kind not in ("word", "string"):
                raise self.expecting("a function argument", token)
            args.append(token.value)
            token = self.take()
            if token.kind == "rparen":
                return FunctionOperand(name.value, tuple(args), name.pos)
            if token.kind != "comma":
                raise self.expecting("either ',' or ')'", token)

    # -- ORDER BY --------------------------------------------------------------------------------------

    def sort_list(self) -> tuple[SortField, ...]:
        fields: list[SortField] = []
        while True:
            if self.peek().kind == "eof":
                raise self.expecting("a field name", self.peek())
            field, pos = self.field_name()
            if len(fields) == MAX_ORDER_BY_FIELDS:
                raise syntax_error(f"The ORDER BY clause can contain at most {MAX_ORDER_BY_FIELDS} fields.", pos)
            direction: Direction = "ASC"
            if _is_word(self.peek(), "asc", "desc"):
                direction = "DESC" if self.take().raw.lower() == "desc" else "ASC"
            fields.append(SortField(field, direction, pos))
            if self.peek().kind != "comma":
                return tuple(fields)
            self.take()


def _reserved_word(token: Token) -> JqlError:
    return syntax_error(
        f"'{token.raw}' is a reserved JQL word. You must surround it in quotation marks to use it in a query.",
        token.pos,
    )


def parse_query(text: str) -> ParsedQuery:
    """Parse JQL text into an AST; raises JqlError with Jira's wording and the position on bad syntax."""
    return _Parser(text).query()
