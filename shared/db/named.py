"""Named parameters for asyncpg, which only knows ``$1``, ``$2``...: SQL is written with
``:name`` placeholders and bound from a dataclass whose fields are those names.

A statement with 28 parameters is then checked where it is defined — every placeholder is a field
and every field is used — instead of by counting positions at each call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
"""``:name``, but not the second colon of a ``::type`` cast nor a colon inside a word."""


@dataclass(frozen=True)
class NamedQuery:
    sql: str
    """The statement with ``$n`` placeholders, as asyncpg takes it."""
    names: tuple[str, ...]
    """The parameter behind ``$1``, ``$2``..."""

    @classmethod
    def parse(cls, text: str, params: type[Any]) -> NamedQuery:
        """Number the ``:name`` placeholders of ``text`` (a name used twice is one parameter);
        ``params`` is the dataclass that binds them: its fields and the names must agree."""
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        sql = _PLACEHOLDER.sub(number, text)
        if not is_dataclass(params):
            raise TypeError(f"{params!r} is not a dataclass")
        declared = {f.name for f in fields(params)}
        if set(names) != declared:
            raise ValueError(
                f"{params.__name__}: not in the SQL {sorted(declared - set(names))}, "
                f"not a field {sorted(set(names) - declared)}"
            )
        return cls(sql, tuple(names))

    def args(self, params: Any) -> list[Any]:
        """The values of ``params`` (an instance of the dataclass) in placeholder order."""
        values = vars(params)
        return [values[name] for name in self.names]
