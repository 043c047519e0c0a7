"""clinrelay's sentence splitter against spaCy's ``sentencizer`` on the same notes.

Both split at ``.``/``!``/``?``; only clinrelay also splits at line breaks (spaCy's blank
pipeline has no such rule), so the comparison counts the sentence starts that follow terminal
punctuation on the same line, and prints every disagreement with its context for a reader to
judge. Needs spaCy (installed by the ``bench`` extra, for Presidio); reads /work/shared.

    .venv/bin/python bench/coding/sentences.py
"""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

DEFAULT_DATA = Path("/work/shared/data/codiesp-test/text_files_en")


def punctuation_starts(text: str, starts: list[int]) -> set[int]:
    """Sentence starts preceded, on the same line, by terminal punctuation (whitespace skipped)."""
    found = set()
    for raw in starts:
        start = raw + len(text[raw:]) - len(text[raw:].lstrip())
        before = text[:start].rstrip()
        same_line = 0 < start < len(text) and before and "\n" not in text[len(before) : start]
        if same_line and re.search(r"[.!?][)\]\"'”’]*$", before):
            found.add(start)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    spacy = importlib.import_module("spacy")  # bench-only: installed by the bench extra
    from services.analyzer.coding.segmentation import split_sentences

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    shared = only_ours = only_spacy = 0
    for path in sorted(args.data.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        ours = punctuation_starts(text, [s.start for s in split_sentences(text)])
        theirs = punctuation_starts(text, [s.start_char for s in nlp(text).sents])
        shared += len(ours & theirs)
        only_ours += len(ours - theirs)
        only_spacy += len(theirs - ours)
        for start in sorted(ours ^ theirs):
            who = "clinrelay only" if start in ours else "spaCy only    "
            left = text[max(0, start - 45) : start].replace("\n", "⏎")
            right = text[start : start + 30].replace("\n", "⏎")
            print(f"{who} {path.stem}: …{left}|{right}…")
    print(
        f"\nsentence starts after . ! ? : {shared} both, {only_ours} clinrelay only, "
        f"{only_spacy} spaCy only"
    )


if __name__ == "__main__":
    main()
