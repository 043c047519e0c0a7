"""Sections of a clinical note: where Family History, Medications or the Plan begin and end.

A heading is, by its form:

- a known title (``data/section_headings.tsv``) at the start of a line or of a sentence,
  followed by a colon or alone on its line, after an optional markdown ``#`` marker, bullet or
  number ("# Allergies", "HPI:", "ASSESSMENT AND PLAN:"); a one-letter title (the SOAP letters
  S, O, A, P) only with its colon;
- any other markdown heading line ("## Plan", "# Encounter Details");
- any other ALL-CAPS line standing alone or ending in a colon ("CT ABDOMEN/PELVIS:", "DISCHARGE
  SUMMARY");
- a short label at the start of a line followed by a colon and text ("Dx: ...", "Hospital
  course: ...").

A title made of known titles — joined by "/", "&", "+", "and" or a comma, or qualified by a
parenthesis ("Assessment/Plan:", "IMPRESSION/PLAN:", "Problem list / A&P", "Problem list (this
pregnancy):"), or followed by words of time or status ("Immunizations given today:",
"Medications reviewed:") — is a known heading of its first title's category, with or without its
colon.

Headings of the last three forms are sections of category ``other``: they end the section before
them, except right after an assessment or diagnosis list, where an unknown heading names one of
its problems ("## Assessment and Plan" then "# HTN", "HYPERTENSION:") and the section keeps its
category (``STATEMENT_CATEGORIES``, after a statement heading on its own line). Only a known
title is *heading text* (``Section.title_known``): its words name the section, never a
condition, so they are never coded; an unknown heading may be a problem's name ("# HTN",
"CHRONIC KIDNEY DISEASE:"), so its words are read like the rest of the note.

A section runs to the next heading, and ends earlier when the note plainly moves on:

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
from dataclasses import dataclass, replace

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
    title_end: int = -1  # end of the heading's own words (known titles); -1: not heading text

    @property
    def title_known(self) -> bool:
        return self.title_end >= 0


OTHER = "other"
_MARKDOWN = r"#{1,6}[ \t]+"
# Unknown headings, by form (see the module docstring); each group "title" is the heading's words.
_GENERIC = re.compile(
    r"^[ \t]*(?:"
    r"#{1,6}[ \t]+(?P<md>[^\n]*?)[ \t]*:?[ \t]*$"
    r"|(?P<caps>[A-Z][A-Z0-9&/()\- ]*[A-Z0-9)])[ \t]*:?[ \t]*$"
    r"|(?P<label>[A-Z][A-Za-z0-9/&()\-]*(?:[ \t]+[A-Za-z0-9/&()\-]+){0,3}):(?=[ \t]+\S)"
    r")",
    re.MULTILINE,
)
_CAPS_WORD = re.compile(r"[A-Z]{4,}")
# A line that may be a heading made of known titles (checked against them by _composite).
_COMPOSITE_LINE = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+|[-*•][ \t]*|\d{1,2}[.)][ \t]*)?"
    r"(?P<title>[A-Za-z][A-Za-z0-9 \t/&+,()'\-]{0,60}?)[ \t]*(?P<colon>:?)[ \t]*$",
    re.MULTILINE,
)
_PARENTHESIS = re.compile(r"\([^()]*\)")
_JOINS = re.compile(r"[ \t]+(?:/|&|\+|and)[ \t]+|[ \t]*[,+][ \t]*", re.IGNORECASE)
_TIGHT_JOINS = re.compile(r"[/&]")
# Words of time or status that qualify a title without changing what the section holds:
# "Immunizations given today:", "Medications reviewed:", "Allergies verified:".
_QUALIFIERS = frozenset(
    {
        "given",
        "today",
        "administered",
        "this",
        "visit",
        "at",
        "reviewed",
        "updated",
        "current",
        "due",
        "verified",
        "documented",
        "received",
        "ordered",
        "discussed",
    }
)
# Sections where a note states its diagnoses; an unknown heading right after one is a problem
# of it, not a section of its own.
STATEMENT_CATEGORIES = frozenset({"observation_and_plan", "diagnoses", "decision_making"})


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
            r"(?:^|(?<=[.!?][ \t]))[ \t]*(?:"
            + _MARKDOWN
            + r"|["
            + _BULLETS
            + r"][ \t]*|\d{1,2}[.)][ \t]*)?"
            rf"(?P<title>{alternatives})(?![\w&/])[ \t]*(?P<colon>:?)",
            re.IGNORECASE | re.MULTILINE,
        )

    def sections(self, text: str) -> list[Section]:
        """The sections of ``text`` in order; text outside them belongs to no section."""
        found: list[tuple[int, int, str, bool, int, bool]] = []  # start, title end, category…
        lines_with_heading = set()
        for match in self._pattern.finditer(text):
            line_end = _line_end(text, match.end())
            alone = not text[match.end() : line_end].strip()
            title = match.group("title")
            if len(title) == 1 and not match.group("colon"):
                continue  # a lone letter is a SOAP heading only with its colon
            if match.group("colon") or alone:
                category = self._category[_key(title)]
                start = match.start("title")
                found.append((start, match.end("title"), category, alone, match.end(), True))
                lines_with_heading.add(_line_start(text, start))
        for match in _GENERIC.finditer(text):
            kind = match.lastgroup or ""
            start = match.start(kind)
            if _line_start(text, start) in lines_with_heading:
                continue
            title = match.group(kind)
            if kind == "caps" and not _CAPS_WORD.search(title):
                continue  # "HTN" alone on a line is a problem, not a heading
            category = self._composite(title.rstrip(":")) or OTHER
            known = category != OTHER
            found.append((start, match.end(kind), category, kind != "label", match.end(), known))
            lines_with_heading.add(_line_start(text, start))
        for match in _COMPOSITE_LINE.finditer(text):
            start = match.start("title")
            if _line_start(text, start) in lines_with_heading:
                continue
            title = match.group("title")
            if _key(title) in self._category:
                continue  # a known title alone is the first pass's ("A" without its colon: none)
            composite = self._composite(title)
            if composite is not None:
                found.append((start, match.end("title"), composite, True, match.end(), True))
        found.sort()
        found = _problems_of_statements(text, _without_labels_in_blocks(text, found))
        sections = []
        for k, (start, title_end, category, alone, body, known) in enumerate(found):
            limit = found[k + 1][0] if k + 1 < len(found) else len(text)
            end = _block_end(text, body, limit) if alone else _line_run_end(text, body)
            sections.append(
                Section(
                    category,
                    text[start:title_end],
                    start,
                    min(end, limit),
                    title_end if known else -1,
                )
            )
        return _reasoning_or_statement(sections)

    def _composite(self, title: str) -> str | None:
        """The category of a title made of known titles ("Assessment/Plan", "Problem list (this
        pregnancy)"): its first title's; None when a part is not a known title."""
        exact = self._category.get(_key(title))
        if exact is not None:
            return exact
        words = _key(title).split()
        while len(words) > 1 and words[-1] in _QUALIFIERS:
            words.pop()  # "Immunizations given today", "Medications reviewed"
            qualified = self._category.get(" ".join(words))
            if qualified is not None:
                return qualified
        categories: list[str | None] = []
        for part in _JOINS.split(_PARENTHESIS.sub(" ", title)):
            if not part.strip():
                continue
            known = self._category.get(_key(part))
            if known is not None:
                categories.append(known)  # "A&P" is a title of its own
                continue
            for piece in _TIGHT_JOINS.split(part):  # "Assessment/Plan"
                long_enough = len(piece.strip()) > 1  # "S/O" is no pair of SOAP letters
                categories.append(self._category.get(_key(piece)) if long_enough else None)
        if not categories or any(c is None for c in categories):
            return None
        return categories[0]


# An emergency note's medical decision making weighs the differential and the work-up; where the
# note also states its conclusions (a final diagnosis, a clinical impression), those are the
# diagnostic statement and the decision making is reasoning toward them. Without one, the
# decision making is where the provider concludes.
DECISION_MAKING = "decision_making"
_CONCLUDING = frozenset({"observation_and_plan", "diagnoses"})


def _reasoning_or_statement(sections: list[Section]) -> list[Section]:
    if any(s.category in _CONCLUDING for s in sections):
        return sections
    return [
        replace(s, category="observation_and_plan") if s.category == DECISION_MAKING else s
        for s in sections
    ]


def _problems_of_statements(
    text: str, found: list[tuple[int, int, str, bool, int, bool]]
) -> list[tuple[int, int, str, bool, int, bool]]:
    """An unknown heading after an assessment or diagnosis list standing on its own line, before
    any other known heading, names one of its problems ("# HTN" under "## Assessment and Plan"):
    it keeps the statement's category. After a one-line statement ("Dx: CHF.") the next label
    ("Teaching: ...") is a section of its own. So is a label with its text on its line
    ("Presentation: 4 days of cough", "LABS: Na 124") once a blank line has closed a statement
    whose problems are a list or prose: a statement that names its problems by labels ("HTN:
    continue lisinopril", blank, "DM: A1c 7") keeps them all."""
    kept = []
    statement: str | None = None
    labelled = False  # the statement's first problem is itself a heading-like line
    block_end = -1
    for heading in found:
        start, title_end, category, alone, body, known = heading
        if category == OTHER and statement is not None:
            if alone or labelled or start < block_end:
                kept.append((start, title_end, statement, alone, body, known))
                continue
            statement = None
        if category != OTHER:
            statement = category if category in STATEMENT_CATEGORIES and alone else None
            if statement is not None:
                block_end = _block_end(text, body, len(text))
                labelled = _first_line_is_heading(text, body)
        kept.append(heading)
    return kept


def _first_line_is_heading(text: str, offset: int) -> bool:
    """Whether the first line with content after ``offset`` has a heading's form (a markdown
    heading, an ALL-CAPS line, a short label followed by a colon)."""
    content = re.compile(r"\S").search(text, offset)
    if content is None:
        return False
    line_start = _line_start(text, content.start())
    return _GENERIC.match(text, line_start, _line_end(text, line_start)) is not None


def _without_labels_in_blocks(
    text: str, found: list[tuple[int, int, str, bool, int, bool]]
) -> list[tuple[int, int, str, bool, int, bool]]:
    """Unknown "Label:" lines inside a known heading's block are its items ("Father: diabetes"
    under "Family History"), not headings of their own."""
    kept: list[tuple[int, int, str, bool, int, bool]] = []
    block_end = -1
    for heading in found:
        start, _, category, alone, body, known = heading
        if start < block_end and category == OTHER and not alone:
            continue
        kept.append(heading)
        block_end = _block_end(text, body, len(text)) if known and alone else -1
    return kept


def section_at(sections: list[Section], offset: int) -> Section | None:
    """The section holding character ``offset``, if any (``sections`` in order, from one note)."""
    k = bisect.bisect_right([s.start for s in sections], offset) - 1
    if k >= 0 and offset < sections[k].end:
        return sections[k]
    return None


def _key(title: str) -> str:
    return " ".join(title.lower().split())


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


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
