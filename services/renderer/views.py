"""View-model pieces shared by the report kinds: what a template prints, already worded.

Templates stay free of logic: the report modules turn an analysis into these small records, and
the templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tone(StrEnum):
    """How a figure or tag is coloured: neutral, needs attention, or reassuring."""

    NEUTRAL = "neutral"
    WARN = "warn"
    GOOD = "good"
    ESTIMATE = "estimate"


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    tone: Tone = Tone.NEUTRAL


@dataclass(frozen=True)
class DocumentInfo:
    """The cover block and PDF metadata of one report."""

    title: str
    subtitle: str
    kind_label: str
    subject: str
    """Written to the PDF's Subject field: what the document is about, in one line."""
    source_dates: str
    """What period the underlying data covers, as printed on the cover."""
    facts: tuple[tuple[str, str], ...] = ()
    """Further (label, value) lines for the cover block."""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class MethodNote:
    """One entry of the appendix's methods list: a term and what it means here."""

    term: str
    description: str
