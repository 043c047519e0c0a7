"""Curated tables of the coding analysis (tab-separated, ``#`` comments), read at first use."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files


def table_rows(name: str) -> Iterator[list[str]]:
    """The rows of ``name`` (a file of this package), split at tabs; comments and blanks skipped."""
    text = files(__name__).joinpath(name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")
