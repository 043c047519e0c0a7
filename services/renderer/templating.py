"""The Jinja2 environment of the report templates, and the formats numbers and dates print in.

Autoescaping is on for every template: clinical text, drug names and MedDRA terms are data, and
whatever markup they contain prints as text. Undefined variables are errors, so a template that
names a missing field fails the render instead of printing an empty cell.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def format_count(value: int) -> str:
    """1234 → ``1,234``."""
    return f"{value:,}"


def format_money(value: float) -> str:
    """A dollar amount rounded to whole dollars: 1234.5 → ``$1,235``, -50 → ``−$50``."""
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def format_decimal(value: float, places: int = 2) -> str:
    """A fixed-point number; ``∞`` for infinity, ``–`` for NaN (a statistic that is undefined)."""
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:,.{places}f}"


def format_signed(value: float, places: int = 3) -> str:
    """A change with its sign always shown: ``+0.412``, ``−0.100``."""
    sign = "+" if value >= 0 else "−"
    return f"{sign}{abs(value):,.{places}f}"


def format_percent(value: float, places: int = 1) -> str:
    """A fraction as a percentage: 0.123 → ``12.3%``."""
    return f"{value * 100:.{places}f}%"


def format_timestamp(value: datetime) -> str:
    """A timezone-aware time as ``2025-03-14 09:26 UTC`` (always shown in UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_date(value: date | str | None) -> str:
    """An ISO date as printed in reports; ``–`` when unknown."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value[:10]


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
    env.filters.update(
        count=format_count,
        money=format_money,
        decimal=format_decimal,
        signed=format_signed,
        percent=format_percent,
        timestamp=format_timestamp,
        isodate=format_date,
    )
    env.globals["plural"] = plural
    return env
