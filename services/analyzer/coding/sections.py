"""Sections of a clinical note: where Family History, Medications or the Plan begin and end.

A heading is a known title (``data/section_headings.tsv``) at the start of a line or of a
sentence, followed by a colon, or alone on its line. A section runs to the next heading, and
ends earlier when the note plainly moves on:

- a heading with its content on the same line ("Medications: metformin.") covers that line and
  the lines that continue it (starting in lower case or with a bullet);
- a heading on a line of its own covers what follows up to a blank line.

A title in running prose ("no known drug allergies") is no heading, so one phrase cannot swallow
the rest of a note.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

_BULLETS = "-*•"


@dataclass(frozen=True, slots=True)
class SectionHeading:
    category: str
    title: str


@dataclass(frozen=True, slots=True)
class Section:
    """A section: its category, heading text, and characters ``[start, end)`` (heading included)."""

    category: str
    heading: str
    start: int
    end: int


class SectionFinder:
    """Finds the sections of notes for a fixed list of headings; build once, reuse."""

    def __init__(self, headings: Iterable[SectionHeading]) -> None:
        self._category: dict[str, str] = {}
        for heading in headings:
            key = _key(heading.title)
            known = self._category.setdefault(key, heading.category)
            if known != heading.category:
                raise ValueError(
                    f"heading {heading.title!r} is both {known} and {heading.category}"
                )
        titles = sorted(self._category, key=len, reverse=True)
        alternatives = "|".join(r"[ \t]+".join(map(re.escape, t.split())) for t in titles)
        self._pattern = re.compile(
            r"(?:^|(?<=[.!?][ \t]))[ \t]*(?:[" + _BULLETS + r"][ \t]*|\d{1,2}[.)][ \t]*)?"
            rf"(?P<title>{alternatives})(?![\w&/])[ \t]*(?P<colon>:?)",
            re.IGNORECASE | re.MULTILINE,
        )

    def sections(self, text: str) -> list[Section]:
        """The sections of ``text`` in order; text outside them belongs to no section."""
        found = []
        for match in self._pattern.finditer(text):
            line_end = _line_end(text, match.end())
            alone = not text[match.end() : line_end].strip()
            if match.group("colon") or alone:
                found.append((match, alone))
        sections = []
        for k, (match, alone) in enumerate(found):
            limit = found[k + 1][0].start("title") if k + 1 < len(found) else len(text)
            end = (
                _block_end(text, match.end(), limit) if alone else _line_run_end(text, match.end())
            )
            title = match.group("title")
            sections.append(
                Section(self._category[_key(title)], title, match.start("title"), min(end, limit))
            )
        return sections


def section_at(sections: list[Section], offset: int) -> Section | None:
    """The section holding character ``offset``, if any (``sections`` in order, from one note)."""
    k = bisect.bisect_right([s.start for s in sections], offset) - 1
    if k >= 0 and offset < sections[k].end:
        return sections[k]
    return None


def _key(title: str) -> str:
    return " ".join(title.lower().split())


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def _line_run_end(text: str, offset: int) -> int:
    """End of the line at ``offset`` and of the lines that continue it."""
    end = _line_end(text, offset)
    while end < len(text):
        following = text[end + 1 : _line_end(text, end + 1)].lstrip()
        if not following or not (following[0].islower() or following[0] in _BULLETS):
            break
        end = _line_end(text, end + 1)
    return end


def _block_end(text: str, offset: int, limit: int) -> int:
    """The first blank line after the content that follows ``offset`` (blank lines right after
    the heading do not count), or ``limit``."""
    content = re.compile(r"\S").search(text, offset, limit)
    if content is None:
        return limit
    blank = re.compile(r"\n[ \t]*\n").search(text, content.start(), limit)
    return limit if blank is None else blank.start()
