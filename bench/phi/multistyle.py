"""clinrelay's own multi-style evaluation set: notes of many kinds, annotated to i2b2 2014.

    .venv/bin/python -m bench.phi.multistyle [--part dev|held-out|traps|all]
    .venv/bin/python -m bench.phi.multistyle --set fresh

Notes live in ``bench/phi/multistyle/*.txt`` (written for clinrelay, Apache-2.0; see the
README there). A fixed third of them (by a hash of the note id, :func:`held_out`) is kept aside:
rules are written looking at the dev part and its rewrites only; the held-out part is scored in
aggregate — this command prints no note text and no per-note result for it.

``--set fresh`` scores ``bench/phi/multistyle_fresh/`` instead: 60 notes written afterwards by
an annotator who writes no rules, **held out whole** — nobody who writes rules opens them, no
part of them is dev, and only aggregate figures are printed (recall overall, per group and per
category, PPV, trap hits); ``--part`` and ``--misses`` are refused for it.

Scoring runs the real CLI, ``clinrelay deid --jsonl --mask-years``, as the issue's quality bar
does. A gold mention is found when a predicted span overlaps it; recall is over the Safe Harbor
categories (:data:`SAFE_HARBOR`); the trap-hit rate is the share of ``TRAP`` spans that any
prediction overlaps.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from pathlib import Path

from bench.phi.annotated import AnnotatedNote, read_note_file
from bench.phi.variant_eval import Tally, report, score_note

NOTES = Path(__file__).with_name("multistyle")
# i2b2 2014 categories that are Safe Harbor identifiers (an AGE is annotated only over 89;
# PROFESSION, STATE, COUNTRY and DEPARTMENT are annotated but are not identifiers here)
GROUPS = {
    "names": ("PATIENT", "DOCTOR", "USERNAME"),
    "organisations": ("HOSPITAL", "ORGANIZATION"),
    "places": ("STREET", "CITY", "LOCATION-OTHER", "ROOM"),
    "ZIPs and postcodes": ("ZIP",),
    "dates": ("DATE",),
    "contacts": ("PHONE", "FAX", "EMAIL", "URL"),
    "IDs": tuple(
        "SSN MEDICALRECORD HEALTHPLAN ACCOUNT LICENSE VEHICLE DEVICE BIOID IDNUM".split()  # noqa: SIM905
    ),
    "ages over 89": ("AGE",),
}
SAFE_HARBOR = tuple(c for categories in GROUPS.values() for c in categories)


# notes written while rules were being written (d5-: round 5, d6- and t6-: round 8): always dev,
# so the held-out third stays the 38 notes no rule writer has read
DEV_ONLY = NOTES / "dev"
DEV_ONLY_PREFIX = ("d5-", "d6-", "t6-")


# the fresh set: written by an annotator who writes no rules, held out whole
FRESH = Path(__file__).with_name("multistyle_fresh")
FRESH_ID = re.compile(r"fr(\d{2,})-(us|uk|ca|au|nz|in)")
CONVENTIONS = {
    "us": "United States",
    "uk": "United Kingdom",
    "ca": "Canada",
    "au": "Australia",
    "nz": "New Zealand",
    "in": "India",
}


def held_out(note_id: str) -> bool:
    """The fixed third of the notes kept aside while the rules are written."""
    if note_id.startswith(DEV_ONLY_PREFIX):
        return False
    digest = hashlib.sha256(f"clinrelay-multistyle:{note_id}".encode()).hexdigest()
    return int(digest, 16) % 3 == 0


def load_all() -> list[AnnotatedNote]:
    notes: list[AnnotatedNote] = []
    for path in sorted(NOTES.glob("*.txt")):
        notes += read_note_file(path.name, path.read_text(encoding="utf-8"))
    for path in sorted(DEV_ONLY.glob("*.txt")):
        dev = read_note_file(path.name, path.read_text(encoding="utf-8"))
        wrong = [n.id for n in dev if not n.id.startswith(DEV_ONLY_PREFIX)]
        if wrong:
            raise ValueError(
                f"{path.name}: dev-only note ids must start with one of {DEV_ONLY_PREFIX}: {wrong}"
            )
        notes += dev
    ids = Counter(n.id for n in notes)
    duplicated = [i for i, n in ids.items() if n > 1]
    if duplicated:
        raise ValueError(f"duplicate note ids: {duplicated}")
    return notes


def load_set(part: str) -> list[AnnotatedNote]:
    """``dev``, ``held-out`` (the multi-style notes), ``traps`` (the trap set) or ``all``."""
    notes = load_all()
    if part == "traps":
        return [n for n in notes if n.kind == "traps"]
    styled = [n for n in notes if n.kind != "traps"]
    if part == "dev":
        return [n for n in styled if not held_out(n.id)]
    if part == "held-out":
        return [n for n in styled if held_out(n.id)]
    return styled


def load_fresh() -> list[AnnotatedNote]:
    """The fresh set, held out whole: ``fr<NN>-<convention>`` ids, none shared with the main set."""
    notes: list[AnnotatedNote] = []
    for path in sorted(FRESH.glob("*.txt")):
        notes += read_note_file(path.name, path.read_text(encoding="utf-8"))
    wrong = [n.id for n in notes if not FRESH_ID.fullmatch(n.id)]
    if wrong:
        raise ValueError(f"fresh note ids must read fr<NN>-<{'|'.join(CONVENTIONS)}>: {wrong}")
    ids = Counter(n.id for n in notes)
    numbers = Counter(n.id.split("-")[0] for n in notes)
    duplicated = [i for i, n in ids.items() if n > 1] + [i for i, n in numbers.items() if n > 1]
    if duplicated:
        raise ValueError(f"duplicate fresh note ids: {duplicated}")
    shared = set(ids) & {n.id for n in load_all()}
    if shared:
        raise ValueError(f"fresh note ids also in the main set: {sorted(shared)}")
    return notes


def convention(note: AnnotatedNote) -> str:
    """``us``, ``uk``, ``ca``, ``au``, ``nz`` or ``in``: the conventions a fresh note follows."""
    match = FRESH_ID.fullmatch(note.id)
    if match is None:
        raise ValueError(f"{note.id}: not a fresh note id")
    return match.group(2)


def score(notes: list[AnnotatedNote], model: Path | None = None) -> Tally:
    """Scores of ``clinrelay deid --jsonl --mask-years`` (with ``--model`` when given)."""
    from bench.phi.evaluate import run_cli

    extra = ["--model", str(model)] if model else []
    rows = run_cli({n.id: n.text for n in notes}, "--mask-years", *extra)
    tally = Tally()
    for note in notes:
        predicted = [(s["start"], s["end"]) for s in rows[note.id]["spans"]]
        score_note(tally, note, predicted, SAFE_HARBOR)
    return tally


def aggregate(title: str, tally: Tally, per_category: bool = False) -> list[str]:
    """Figures only: recall per group (and per category), PPV, trap hits — no note, no form."""
    lines = [
        f"#### {title}",
        "",
        f"Safe Harbor recall {tally.recall():.4f} ({sum(tally.mentions_found.values())}/"
        f"{sum(tally.mentions.values())}), PPV {tally.ppv():.4f}, traps masked "
        f"{tally.traps_hit}/{tally.traps}"
        f" ({tally.traps_hit / tally.traps if tally.traps else 0:.1%})",
        "",
        "| group | mentions | recall |",
        "|---|---|---|",
    ]
    for group, categories in GROUPS.items():
        total = sum(tally.mentions[c] for c in categories)
        found = sum(tally.mentions_found[c] for c in categories)
        if total:
            lines.append(f"| {group} | {total} | {found / total:.3f} |")
    if per_category:
        lines += ["", "| category | mentions | recall |", "|---|---|---|"]
        for category in SAFE_HARBOR:
            if tally.mentions[category]:
                lines.append(
                    f"| {category} | {tally.mentions[category]} | {tally.recall(category):.3f} |"
                )
    return lines


def fresh_report(model: Path | None = None) -> list[str]:
    """The fresh set scored in aggregate only — every call is a look at a set held out whole."""
    notes = load_fresh()
    kinds = Counter(n.kind for n in notes)
    title = f"multi-style fresh (held out whole): {len(notes)} notes of {len(kinds)} kinds"
    if model:
        title += f", rules + model {model.name}"
    return aggregate(title, score(notes, model), per_category=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        default="main",
        choices=("main", "fresh"),
        help="fresh: the 60 notes held out whole, scored in aggregate only",
    )
    parser.add_argument("--part", choices=("dev", "held-out", "traps", "all"), help="main set")
    parser.add_argument("--misses", type=Path, help="dev or traps only: write misses here")
    parser.add_argument("--model", type=Path, help="join this trained model's findings")
    args = parser.parse_args()
    if args.set == "fresh":
        if args.part or args.misses:
            parser.error("the fresh set is held out whole: no --part, no --misses")
        print("\n".join(fresh_report(args.model)))
        return
    args.part = args.part or "dev"
    notes = load_set(args.part)
    tally = score(notes, args.model)
    kinds = Counter(n.kind for n in notes)
    title = f"multi-style {args.part}: {len(notes)} notes of {len(kinds)} kinds"
    if args.model:
        title += f", rules + model {args.model.name}"
    lines = aggregate(title, tally)
    if args.part in ("dev", "traps"):
        lines += ["", *report(f"{args.part}: per category", tally, min_forms=1)]
    print("\n".join(lines))
    if args.misses:
        if args.part not in ("dev", "traps"):
            sys.exit("misses are written for the dev part and the trap set only")
        from bench.phi.variant_eval import write_misses

        write_misses(args.misses, tally)


if __name__ == "__main__":
    main()
