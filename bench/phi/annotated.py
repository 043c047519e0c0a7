"""Annotated notes: a text with its gold PHI spans, read from inline markup or a corpus.

The evaluation sets written for clinrelay mark PHI inline, ``{{CATEGORY|surface}}``, with i2b2
2014 category names (PATIENT, DOCTOR, HOSPITAL, DATE, ...). Words that must *not* be masked are
marked the same way with the category ``TRAP`` (``{{TRAP|Foley}}``), so that one file measures
recall and the trap-hit rate together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

TRAP = "TRAP"
_MARKUP = re.compile(r"\{\{([A-Za-z\-]+)\|(.*?)\}\}", re.S)


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    category: str
    form: str = ""
    """How a variant wrote it (``initial_surname/upper``); empty for an original span."""
    mention: int = -1
    """Words of one rewritten mention share this number (-1: the span is a mention)."""


@dataclass(frozen=True)
class AnnotatedNote:
    id: str
    text: str
    spans: tuple[GoldSpan, ...]
    kind: str = ""
    """The kind of note (``icu_nursing_upper``, ``referral_uk``, ...), for reporting."""
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    def phi(self) -> list[GoldSpan]:
        return [s for s in self.spans if s.category != TRAP]

    def traps(self) -> list[GoldSpan]:
        return [s for s in self.spans if s.category == TRAP]


def parse_markup(note_id: str, marked: str, kind: str = "") -> AnnotatedNote:
    """``"Seen by Dr. {{DOCTOR|Okafor}}"`` -> text ``"Seen by Dr. Okafor"`` with one span."""
    out: list[str] = []
    spans: list[GoldSpan] = []
    pos = 0
    length = 0
    for m in _MARKUP.finditer(marked):
        before = marked[pos : m.start()]
        if "{{" in before or "}}" in before:
            raise ValueError(f"{note_id}: unbalanced markup near {before[-30:]!r}")
        out.append(before)
        length += len(before)
        surface = m.group(2)
        if not surface.strip():
            raise ValueError(f"{note_id}: empty {m.group(1)} span")
        spans.append(GoldSpan(length, length + len(surface), m.group(1).upper()))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    rest = marked[pos:]
    if "{{" in rest or "}}" in rest:
        raise ValueError(f"{note_id}: unbalanced markup near {rest[:30]!r}")
    out.append(rest)
    return AnnotatedNote(note_id, "".join(out), tuple(spans), kind)


def read_note_file(name: str, content: str) -> list[AnnotatedNote]:
    """Notes of one file, each opened by a line ``=== <id> <kind> ===``."""
    notes = []
    header = re.compile(r"^=== (\S+) (\S+) ===$", re.M)
    heads = list(header.finditer(content))
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(content)
        body = content[head.end() + 1 : end].rstrip("\n") + "\n"
        notes.append(parse_markup(head.group(1), body, head.group(2)))
    if not heads and content.strip():
        raise ValueError(f"{name}: no '=== id kind ===' header")
    return notes


def mentions(note: AnnotatedNote, categories: Iterable[str] | None = None) -> list[GoldSpan]:
    """Gold spans with neighbours of one category joined: physionet-deid marks each word of
    ``Patricia Nolan`` on its own; a variant rewrites the person, not each word."""
    wanted = set(categories) if categories is not None else None
    out: list[GoldSpan] = []
    for span in sorted(note.spans, key=lambda s: s.start):
        if wanted is not None and span.category not in wanted:
            out.append(span)
            continue
        if out:
            last = out[-1]
            gap = note.text[last.end : span.start]
            if (
                last.category == span.category
                and len(gap) <= 2
                and gap.strip(" -.") == ""
                and "\n" not in gap
            ):
                out[-1] = GoldSpan(last.start, span.end, span.category)
                continue
        out.append(span)
    return out
