"""Recall on rewritten development notes: the measure the rules are written against.

    .venv/bin/python -m bench.phi.variant_eval [--set physionet-dev|multistyle-dev|traps]
        [--variants 3] [--seed 1] [--misses /tmp/misses.txt]

Each note of the set is scored as written and as ``--variants`` rewrites (bench.phi.variants)
in which every PHI mention is a surrogate in another surface form. Reported: recall per category
and per form, mention-level (any word of the mention masked, deid's stats.pl rule) and
word-level (every word masked), false positives, and the share of marked traps that were
masked. ``--misses`` writes each missed mention with its context, for rule writing — it refuses
held-out parts, whose notes are scored in aggregate only (bench.phi.multistyle --held-out).

physionet-deid is GPL: its rewrites are written to /tmp only when asked, never to the repo.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.phi.annotated import AnnotatedNote, GoldSpan
from bench.phi.variants import rewrite
from services.ingestor.phi.spans import TrainedDetector


@dataclass
class Tally:
    mentions: Counter[str] = field(default_factory=Counter)
    mentions_found: Counter[str] = field(default_factory=Counter)
    words: Counter[str] = field(default_factory=Counter)
    words_found: Counter[str] = field(default_factory=Counter)
    forms: Counter[str] = field(default_factory=Counter)
    forms_found: Counter[str] = field(default_factory=Counter)
    traps: int = 0
    traps_hit: int = 0
    false_positives: int = 0
    predicted: int = 0
    missed: list[tuple[AnnotatedNote, list[GoldSpan]]] = field(default_factory=list)
    trap_hits: list[tuple[AnnotatedNote, GoldSpan]] = field(default_factory=list)
    false_positive_spans: list[tuple[AnnotatedNote, tuple[int, int]]] = field(default_factory=list)

    def recall(self, category: str | None = None) -> float:
        if category is None:
            total, found = sum(self.mentions.values()), sum(self.mentions_found.values())
        else:
            total, found = self.mentions[category], self.mentions_found[category]
        return found / total if total else 1.0

    def ppv(self) -> float:
        found = sum(self.mentions_found.values())
        return found / (found + self.false_positives) if found + self.false_positives else 1.0


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score_note(
    tally: Tally, note: AnnotatedNote, predicted: list[tuple[int, int]], counted: Iterable[str]
) -> None:
    """Add one note's figures to ``tally``; only ``counted`` categories are PHI here."""
    wanted = set(counted)
    groups: dict[int, list[GoldSpan]] = {}
    for i, span in enumerate(note.phi()):
        if span.category in wanted:
            groups.setdefault(span.mention if span.mention >= 0 else -1 - i, []).append(span)
    for words in groups.values():
        category, form = words[0].category, words[0].form or "original"
        hits = [any(_overlaps((w.start, w.end), p) for p in predicted) for w in words]
        tally.mentions[category] += 1
        tally.words[category] += len(words)
        tally.words_found[category] += sum(hits)
        tally.forms[form] += 1
        if any(hits):
            tally.mentions_found[category] += 1
            tally.forms_found[form] += 1
        else:
            tally.missed.append((note, words))
    for trap in note.traps():
        tally.traps += 1
        if any(_overlaps((trap.start, trap.end), p) for p in predicted):
            tally.traps_hit += 1
            tally.trap_hits.append((note, trap))
    gold = [(s.start, s.end) for s in note.phi()]
    for p in predicted:
        tally.predicted += 1
        if not any(_overlaps(p, g) for g in gold):
            tally.false_positives += 1
            tally.false_positive_spans.append((note, p))


MODEL: list[TrainedDetector] = []
"""A trained model whose findings join the rules' (``--model``), as ``clinrelay deid --model``."""


def detect(text: str) -> list[tuple[int, int]]:
    """What ``clinrelay deid --jsonl --mask-years [--model]`` masks, in process."""
    from services.ingestor.phi.detect import detect_phi

    return [(s.start, s.end) for s in detect_phi(text, model=MODEL[0] if MODEL else None)]


def use_model(path: Path) -> None:
    from services.ingestor.phi.trained import load_model

    MODEL[:] = [load_model(path)]


def physionet_dev() -> list[AnnotatedNote]:
    from bench.phi.corpus import held_out, physionet_gold, physionet_notes

    notes = physionet_notes()
    gold = physionet_gold()
    return [
        AnnotatedNote(
            f"{p}/{n}",
            text,
            tuple(GoldSpan(s, e, c) for s, e, c in sorted(gold.get((p, n), []))),
            "physionet",
        )
        for (p, n), text in notes.items()
        if not held_out(p)
    ]


def evaluate(
    notes: list[AnnotatedNote], variants: int, seed: int, counted: Iterable[str]
) -> tuple[Tally, Tally]:
    """(as written, rewritten) tallies."""
    counted = set(counted)
    original, rewritten = Tally(), Tally()
    rng = random.Random(seed)
    for note in notes:
        score_note(original, note, detect(note.text), counted)
        for k in range(variants):
            variant = rewrite(note, rng, suffix=f"v{k}")
            score_note(rewritten, variant, detect(variant.text), counted)
    return original, rewritten


def report(title: str, tally: Tally, min_forms: int = 5) -> list[str]:
    lines = [
        f"#### {title}",
        "",
        f"mention recall {tally.recall():.4f} ({sum(tally.mentions_found.values())}/"
        f"{sum(tally.mentions.values())}), PPV {tally.ppv():.4f}, false positives "
        f"{tally.false_positives}"
        + (f", traps masked {tally.traps_hit}/{tally.traps}" if tally.traps else ""),
        "",
        "| category | mentions | mention recall | word recall |",
        "|---|---|---|---|",
    ]
    for category in sorted(tally.mentions):
        words = tally.words_found[category] / tally.words[category]
        lines.append(
            f"| {category} | {tally.mentions[category]} | {tally.recall(category):.3f} "
            f"| {words:.3f} |"
        )
    weak = sorted(
        (tally.forms_found[f] / n, f, n) for f, n in tally.forms.items() if n >= min_forms
    )
    lines += ["", "Forms with the lowest recall:", ""]
    lines += [f"- {f}: {r:.3f} of {n}" for r, f, n in weak[:25] if r < 1.0]
    return lines


def write_misses(path: Path, tally: Tally) -> None:
    rows = []
    for note, words in tally.missed:
        start, end = words[0].start, words[-1].end
        context = note.text[max(0, start - 60) : start] + "[[" + note.text[start:end] + "]]"
        context += note.text[end : end + 40]
        rows.append(f"{note.id}\t{words[0].category}\t{words[0].form}\t{context!r}")
    for note, (start, end) in tally.false_positive_spans:
        context = note.text[max(0, start - 50) : start] + "<<" + note.text[start:end] + ">>"
        rows.append(f"{note.id}\tFALSE-POSITIVE\t\t{context + note.text[end : end + 30]!r}")
    for note, trap in tally.trap_hits:
        context = note.text[max(0, trap.start - 50) : trap.end + 30]
        rows.append(f"{note.id}\tTRAP-HIT\t{note.text[trap.start : trap.end]}\t{context!r}")
    path.write_text("\n".join(rows) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", default="physionet-dev", choices=("physionet-dev", "multistyle-dev", "traps")
    )
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="first N notes only")
    parser.add_argument("--misses", type=Path, help="write dev misses here (not in the repo)")
    parser.add_argument("--model", type=Path, help="join this trained model's findings")
    args = parser.parse_args()
    if args.model:
        use_model(args.model)
    if args.set == "physionet-dev":
        notes = physionet_dev()
        counted: set[str] = {s.category for n in notes for s in n.phi()}
    else:
        from bench.phi.multistyle import SAFE_HARBOR, load_set

        notes = load_set("traps" if args.set == "traps" else "dev")
        counted = set(SAFE_HARBOR)
    if args.limit:
        notes = notes[: args.limit]
    original, rewritten = evaluate(notes, args.variants, args.seed, counted)
    lines = report(f"{args.set}: as written ({len(notes)} notes)", original)
    lines += ["", *report(f"{args.set}: {args.variants} rewrites of each note", rewritten)]
    print("\n".join(lines))
    if args.misses:
        if args.misses.resolve().is_relative_to(Path(__file__).resolve().parents[2]):
            sys.exit("--misses must be written outside the repository")
        write_misses(args.misses, original)
        write_misses(args.misses.with_suffix(".variants.txt"), rewritten)


if __name__ == "__main__":
    main()
