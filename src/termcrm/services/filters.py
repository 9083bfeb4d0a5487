"""The filter language of list commands and the TUI's filter inputs.

Words: ``field:value`` (equals for choices, contains for text, the whole day
for dates), ``field>value``, ``field>=value``, ``field<value``,
``field<=value``, ``field!=value``, ``+tag``, ``-tag``, ``@segment`` and bare
words for text search. Values may be relative dates (``due<today``,
``created>-30d``). Every value becomes a bound parameter, never SQL text.
An unknown field is an :class:`~termcrm.errors.Invalid` naming the valid ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from termcrm import dates
from termcrm.errors import Invalid
from termcrm.money import LARGEST_INTEGER

OPS = (">=", "<=", "!=", ":", "=", ">", "<")
_WORD = re.compile(r"^(?P<field>[A-Za-z_][\w.]*)(?P<op>>=|<=|!=|:|=|>|<)(?P<value>.*)$", re.S)


@dataclass(frozen=True)
class Term:
    """One parsed filter word."""

    kind: str
    """``field``, ``tag``, ``segment`` or ``text``."""
    value: str
    field: str = ""
    op: str = ":"
    negate: bool = False


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_words(words: Sequence[str]) -> list[Term]:
    """Parse filter words into terms (no database needed)."""
    terms: list[Term] = []
    for word in words:
        if not word.strip():
            continue
        if word.startswith("+") and len(word) > 1 and not word[1].isdigit():
            terms.append(Term("tag", word[1:].strip().lower()))
            continue
        if word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            terms.append(Term("tag", word[1:].strip().lower(), negate=True))
            continue
        if word.startswith("@") and len(word) > 1:
            terms.append(Term("segment", word[1:]))
            continue
        match = _WORD.match(word)
        if match:
            op = match["op"]
            terms.append(
                Term("field", _unquote(match["value"]), field=match["field"].lower(), op=":" if op == "=" else op)
            )
            continue
        terms.append(Term("text", _unquote(word)))
    return terms


@dataclass
class FieldSpec:
    """How one filterable field compiles.

    ``kind`` is one of ``text``, ``choice``, ``int``, ``money``, ``date``,
    ``datetime``, ``bool`` or ``custom``; a ``custom`` field supplies ``build``.
    """

    expr: Any
    kind: str = "text"
    choices: Sequence[str] = ()
    build: Callable[[str, str], ColumnElement[bool]] | None = None
    sortable: bool = True
    currency_expr: Any = None


@dataclass
class FilterContext:
    """What a list compiles against: its fields, and how tags, text and segments match."""

    fields: Mapping[str, FieldSpec]
    text: Callable[[str], ColumnElement[bool]] | None = None
    tag: Callable[[str], ColumnElement[bool]] | None = None
    segment: Callable[[str], ColumnElement[bool]] | None = None
    now: datetime | None = None
    currency: str = "USD"
    aliases: Mapping[str, str] = field(default_factory=dict)
    dynamic: Callable[[str], FieldSpec | None] | None = None
    """Resolves fields not in ``fields`` (custom fields such as ``field.industry``)."""


def _valid(ctx: FilterContext) -> str:
    return ", ".join(sorted(ctx.fields))


def _compare(expr: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == ":":
        return expr == value  # type: ignore[no-any-return]
    if op == "!=":
        return expr != value  # type: ignore[no-any-return]
    if op == ">":
        return expr > value  # type: ignore[no-any-return]
    if op == ">=":
        return expr >= value  # type: ignore[no-any-return]
    if op == "<":
        return expr < value  # type: ignore[no-any-return]
    return expr <= value  # type: ignore[no-any-return]


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in {"yes", "true", "1", "y", "on"}:
        return True
    if lowered in {"no", "false", "0", "n", "off"}:
        return False
    raise Invalid(f"{text!r} is not yes or no")


def compile_term(term: Term, ctx: FilterContext) -> ColumnElement[bool]:
    """One SQL condition for ``term``."""
    if term.kind == "text":
        if ctx.text is None:
            raise Invalid(f"this list takes no text search; use field:value with one of: {_valid(ctx)}")
        return ctx.text(term.value)
    if term.kind == "tag":
        if ctx.tag is None:
            raise Invalid("this list has no tags; use field:value filters")
        cond = ctx.tag(term.value)
        return sa.not_(cond) if term.negate else cond
    if term.kind == "segment":
        if ctx.segment is None:
            raise Invalid("segments (@name) filter contacts only")
        return ctx.segment(term.value)
    name = ctx.aliases.get(term.field, term.field)
    spec = ctx.fields.get(name)
    if spec is None and ctx.dynamic is not None:
        spec = ctx.dynamic(name)
    if spec is None:
        raise Invalid(f"unknown field {term.field!r}; valid fields: {_valid(ctx)}")
    value = term.value
    op = term.op
    if spec.kind == "custom":
        assert spec.build is not None
        return spec.build(op, value)
    if value == "" and op in (":", "!="):
        empty = sa.or_(spec.expr.is_(None), spec.expr == "") if spec.kind == "text" else spec.expr.is_(None)
        return sa.not_(empty) if op == "!=" else empty
    if spec.kind == "text":
        if op == ":":
            return spec.expr.icontains(value, autoescape=True)  # type: ignore[no-any-return]
        if op == "!=":
            return sa.or_(spec.expr.is_(None), sa.not_(spec.expr.icontains(value, autoescape=True)))
        return _compare(sa.func.lower(spec.expr), op, value.lower())
    if spec.kind == "choice":
        lowered = value.lower()
        if spec.choices and lowered not in spec.choices:
            raise Invalid(f"{name} {value!r} is not one of: {', '.join(spec.choices)}")
        if op in (":", "!="):
            return _compare(sa.func.lower(spec.expr), op, lowered)
        raise Invalid(f"{name} takes : or != only")
    if spec.kind == "bool":
        if op not in (":", "!="):
            raise Invalid(f"{name} takes :yes or :no")
        flag = _bool(value)
        return _compare(spec.expr, op, flag)
    if spec.kind == "int":
        try:
            number = int(value)
        except ValueError:
            raise Invalid(f"{name} needs a whole number, not {value!r}") from None
        if abs(number) > LARGEST_INTEGER:
            raise Invalid(f"{name} {value!r} is out of range: give a whole number of at most 19 digits")
        return _compare(spec.expr, op, number)
    if spec.kind == "money":
        from termcrm.money import parse_amount

        return _compare(spec.expr, op, parse_amount(value, ctx.currency))
    if spec.kind == "date":
        day = dates.parse_date(value, now=ctx.now)
        return _compare(spec.expr, op, day)
    if spec.kind == "datetime":
        when = dates.parse_when(value, now=ctx.now)
        start = when.at
        if when.has_time:
            return _compare(spec.expr, op, start)
        end = dates.local_midnight(when.local_date() + timedelta(days=1))
        if op == ":":
            return sa.and_(spec.expr >= start, spec.expr < end)
        if op == "!=":
            return sa.or_(spec.expr.is_(None), spec.expr < start, spec.expr >= end)
        if op == ">":
            return spec.expr >= end  # type: ignore[no-any-return]
        if op == "<=":
            return spec.expr < end  # type: ignore[no-any-return]
        return _compare(spec.expr, op, start)
    raise Invalid(f"field {name} cannot be filtered")


def compile_words(words: Sequence[str], ctx: FilterContext) -> list[ColumnElement[bool]]:
    """SQL conditions (to AND together) for filter words."""
    return [compile_term(term, ctx) for term in parse_words(words)]


def order_by(sort: str | None, ctx: FilterContext, default: Sequence[Any]) -> list[Any]:
    """ORDER BY clauses for ``--sort FIELD`` (``-FIELD`` descending); ``default`` when not given."""
    if not sort:
        return list(default)
    clauses: list[Any] = []
    for part in sort.split(","):
        part = part.strip()
        desc = part.startswith("-")
        name = part.lstrip("-+").lower()
        name = ctx.aliases.get(name, name)
        spec = ctx.fields.get(name)
        if spec is None or not spec.sortable or spec.kind == "custom":
            sortable = sorted(n for n, s in ctx.fields.items() if s.sortable and s.kind != "custom")
            raise Invalid(f"cannot sort by {part!r}; sortable fields: {', '.join(sortable)}")
        expr = spec.expr
        clauses.append(expr.desc().nulls_last() if desc else expr.asc().nulls_last())
    return [*clauses, *default]


def filtered(
    stmt: Any,
    words: Sequence[str],
    ctx: FilterContext,
    *,
    sort: str | None,
    default: Sequence[Any],
    limit: int | None = None,
    archived: Any = None,
) -> Any:
    """``stmt`` narrowed by the filter words, ordered (``--sort`` or ``default``) and limited.

    ``archived``, a model's ``archived_at`` column paired with the ``--archived`` flag as
    ``(column, flag)``, keeps the archived rows (flag set) or the live ones.
    """
    if archived is not None:
        column, wanted = archived
        stmt = stmt.where(column.is_not(None) if wanted else column.is_(None))
    for cond in compile_words(words, ctx):
        stmt = stmt.where(cond)
    stmt = stmt.order_by(*order_by(sort, ctx, default))
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def as_date(value: date | datetime) -> date:
    """The date part of a date or datetime."""
    return value.date() if isinstance(value, datetime) else value
