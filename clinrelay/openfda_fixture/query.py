"""A small implementation of openFDA's search and count syntax over in-memory reports.

Enough of the grammar for what clinrelay sends and what the recorded examples use:
``field:value``, ``field:"phrase"``, ``field:("a" "b")`` (OR), ``field:[low TO high]``,
clauses joined by ``AND`` (or ``+AND+``) and ``OR`` and grouped by parentheses. A field ending
in ``.exact`` matches whole values; any other field is tokenised, as openFDA's analysed fields
are: ``product_ndc:50242-051`` matches any report with a "051" token, which is the trap the
ingestor's NDC check exists for.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

Report = Mapping[str, Any]
Predicate = Callable[[Report], bool]

_CLAUSE = re.compile(
    r"""(?P<field>[A-Za-z0-9_.@]+):
        (?P<value>"(?:[^"\\]|\\.)*"|\((?:[^()"]|"(?:[^"\\]|\\.)*")*\)|\[[^\]]*\]|[^\s()]+)""",
    re.VERBOSE,
)
_TOKEN = re.compile(r"[a-z0-9]+")
_PHRASE = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


class QuerySyntaxError(ValueError):
    pass


def leaf_values(node: Any, path: Sequence[str]) -> Iterator[str]:
    """Every scalar at ``path`` (dotted, through lists) of a report, as text."""
    if not path:
        if isinstance(node, list):
            for item in node:
                yield from leaf_values(item, path)
        elif node is not None and not isinstance(node, Mapping):
            yield str(node)
        return
    if isinstance(node, list):
        for item in node:
            yield from leaf_values(item, path)
    elif isinstance(node, Mapping):
        yield from leaf_values(node.get(path[0]), path[1:])


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _term_predicate(field: str, raw: str) -> Predicate:
    exact = field.endswith(".exact")
    path = (field[: -len(".exact")] if exact else field).split(".")
    quoted = raw.startswith('"')
    value = _unquote(raw[1:-1]) if quoted else raw
    if exact:
        return lambda report: any(v == value for v in leaf_values(report, path))
    wanted = tokens(value)
    if quoted:  # a phrase: its tokens in order, adjacent
        n = len(wanted)
        return lambda report: any(
            any(t[i : i + n] == wanted for i in range(len(t) - n + 1))
            for t in (tokens(v) for v in leaf_values(report, path))
        )
    return lambda report: any(set(wanted) & set(tokens(v)) for v in leaf_values(report, path))


def _range_predicate(field: str, raw: str) -> Predicate:
    parts = raw[1:-1].split()
    if len(parts) != 3 or parts[1].upper() != "TO":
        raise QuerySyntaxError(f"bad range {raw!r}")
    low, high = parts[0], parts[2]
    path = field.removesuffix(".exact").split(".")
    return lambda report: any(low <= v <= high for v in leaf_values(report, path))


def _clause_predicate(field: str, value: str) -> Predicate:
    if value.startswith("["):
        return _range_predicate(field, value)
    if value.startswith("("):
        raws = [
            f'"{quoted}"' if quoted or not bare else bare
            for quoted, bare in _PHRASE.findall(value[1:-1])
            if bare.upper() != "OR"
        ]
        options = [_term_predicate(field, r) for r in raws]
        return lambda report: any(option(report) for option in options)
    return _term_predicate(field, value)


def _tokens(text: str) -> list[tuple[str, Any]]:
    """("AND"|"OR"|"("|")", None) and ("clause", (field, value)) tokens of a search."""
    found: list[tuple[str, Any]] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        operator = re.match(r"(AND|OR)(?=\s|\(|$)", text[position:])
        if operator:
            found.append((operator.group(1), None))
            position += operator.end()
            continue
        if text[position] in "()":
            found.append((text[position], None))
            position += 1
            continue
        clause = _CLAUSE.match(text, position)
        if clause is None:
            raise QuerySyntaxError(f"cannot parse {text[position:]!r}")
        found.append(("clause", (clause.group("field"), clause.group("value"))))
        position = clause.end()
    return found


class _Parser:
    """expr := conjunction (OR conjunction)*; conjunction := factor (AND factor)*;
    factor := "(" expr ")" | clause. Adjacent factors without an operator are ORed, as openFDA's
    query parser does."""

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def expression(self) -> Predicate:
        options = [self.conjunction()]
        while self.peek() in {"OR", "(", "clause"}:
            if self.peek() == "OR":
                self.index += 1
            options.append(self.conjunction())
        if len(options) == 1:
            return options[0]
        return lambda report: any(option(report) for option in options)

    def conjunction(self) -> Predicate:
        parts = [self.factor()]
        while self.peek() == "AND":
            self.index += 1
            parts.append(self.factor())
        if len(parts) == 1:
            return parts[0]
        return lambda report: all(part(report) for part in parts)

    def factor(self) -> Predicate:
        kind = self.peek()
        if kind == "(":
            self.index += 1
            inner = self.expression()
            if self.peek() != ")":
                raise QuerySyntaxError("unbalanced parentheses")
            self.index += 1
            return inner
        if kind == "clause":
            field, value = self.tokens[self.index][1]
            self.index += 1
            return _clause_predicate(field, value)
        raise QuerySyntaxError(f"expected a clause, found {kind or 'the end'}")


def parse_search(search: str | None) -> Predicate:
    """A predicate over reports for an openFDA ``search`` expression (None matches all)."""
    if not search or not search.strip():
        return lambda report: True
    text = search.replace("+AND+", " AND ").replace("+OR+", " OR ")
    parser = _Parser(_tokens(text))
    predicate = parser.expression()
    if parser.index != len(parser.tokens):
        raise QuerySyntaxError(f"cannot parse {search!r}")
    return predicate


def count_terms(reports: Sequence[Report], field: str) -> list[tuple[str, int]]:
    """Reports per distinct value of ``field`` (``.exact``: whole values; else tokens), as
    openFDA's ``count=`` returns them: most frequent first, ties by term."""
    exact = field.endswith(".exact")
    path = (field[: -len(".exact")] if exact else field).split(".")
    counts: Counter[str] = Counter()
    for report in reports:
        values = set(leaf_values(report, path))
        counts.update(values if exact else {t for v in values for t in tokens(v)})
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
