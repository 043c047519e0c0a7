"""Checkbox templates: which items of a pick-list the author ticked.

EHR templates offer conditions, types and answers with a box each — ``[x] Hypertension [ ]
Diabetes``, ``☒ Persistent ☐ Paroxysmal``, ``Hypertension [X]  COPD [ ]``, ``(x) former smoker
( ) current smoker``. A box left empty is a choice the author did not make: its item names no
condition of the patient, no drug taken and no detail of a neighbour (an empty "Type 1" beside a
ticked "Type 2" is no type 1 diabetes). It is not a denial either — nothing is coded from it.

Each box owns the text between it and the next box of its line: the text after it when the
line's boxes lead their items (the line, or the part after its label's colon, opens with a box),
the text before it when they follow them ("Hypertension [X]   Diabetes mellitus [ ]").
"""

from __future__ import annotations

import re

# An empty box: "[ ]", "[]", "( )", "☐", "□". A ticked one: "[x]", "[X]", "[✓]", "(x)", "☒", "☑"…
_EMPTY = r"\[ {0,2}\]|\( {0,2}\)|[☐□]"
_TICKED = r"\[[xX✓✔✗*]\]|\([xX✓✔]\)|[☒☑✅⊠■✓✔]"
_BOX = re.compile(rf"(?P<empty>{_EMPTY})|(?P<ticked>{_TICKED})")
_LETTER = re.compile(r"[^\W\d_]")


def unchecked_items(text: str) -> list[tuple[int, int]]:
    """Character ranges ``[start, end)`` of the items whose box is empty, in order."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in text.splitlines(keepends=True):
        spans.extend(_unchecked_of_line(line, line_start))
        line_start += len(line)
    return spans


def without_unchecked(text: str) -> str:
    """``text`` with the items of empty boxes blanked out, and the marks of ticked boxes, which
    say nothing but "yes" ("Smoking: (x) former" reads "Smoking: former"). Same length: offsets
    still hold."""
    spans = unchecked_items(text) + [m.span() for m in _BOX.finditer(text) if m.group("ticked")]
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if not chars[i].isspace():
                chars[i] = " "
    return "".join(chars)


def _unchecked_of_line(line: str, offset: int) -> list[tuple[int, int]]:
    boxes = list(_BOX.finditer(line))
    if not boxes or not any(b.group("empty") for b in boxes):
        return []
    first = boxes[0].start()
    label_end = line.rfind(":", 0, first) + 1  # 0 when the line has no label before its boxes
    end_of_line = len(line.rstrip("\r\n"))
    leading = not _LETTER.search(line, label_end, first)
    spans = []
    for k, box in enumerate(boxes):
        if not box.group("empty"):
            continue
        if leading:
            start = box.start()
            end = boxes[k + 1].start() if k + 1 < len(boxes) else end_of_line
        else:
            start = boxes[k - 1].end() if k > 0 else label_end
            end = box.end()
        spans.append((offset + start, offset + end))
    return spans
