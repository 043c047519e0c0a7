"""The Jinja2 environment of the report templates, and the formats numbers and dates print in.

Autoescaping is on for every template: clinical text, drug names and MedDRA terms are data, and
whatever markup they contain prints as text. Undefined variables are errors, so a template that
names a missing field fails the render instead of printing an empty cell.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def format_count(value: int) -> str:
    """1234 → ``1,234``."""
    return f"{value:,}"


def format_money(value: float) -> str:
    """A dollar amount rounded to whole dollars: 1234.6 → ``$1,235``, -50 → ``−$50``."""
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def format_signed(value: float, places: int = 3) -> str:
    """A change with its sign always shown: ``+0.412``, ``−0.100``."""
    sign = "+" if value >= 0 else "−"
    return f"{sign}{abs(value):,.{places}f}"


def format_timestamp(value: datetime) -> str:
    """A timezone-aware time as ``2025-03-14 09:26 UTC`` (always shown in UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 code``, ``2 codes``; ``plural_form`` for irregular nouns (``1 query``, ``2 queries``)."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{format_count(count)} {word}"


@cache
def environment() -> Environment:
    """The shared template environment (built once per process)."""
    env = Environment(
        loader=PackageLoader("services.renderer", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["timestamp"] = format_timestamp
    env.globals["plural"] = plural
    return env
