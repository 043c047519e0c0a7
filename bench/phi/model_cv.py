"""Choosing the trained model's settings on development notes only: cross-validation by patient.

    .venv/bin/python -m bench.phi.model_cv --configs v1,v2 [--folds 4] [--cache /tmp/phicv]

The physionet-deid development notes (never the held-out quarter) are split into ``--folds``
folds by patient; for each fold a model is trained (in process, :func:`train_model`, the
function ``clinrelay deid train`` calls) on the other folds and tags the fold's notes. Every
decision threshold is then scored from the same per-token probabilities, for the model alone
and joined to the rules (``--mask-years``), on the notes as written and on one rewrite of each
by the variant generator (:mod:`bench.phi.variants`: every PHI mention another surrogate in
another surface form — where the rules, written against these notes, are not saturated).

The rules were written against the development notes (recall 0.99 there), so "rules + model"
as written mostly measures the false positives a setting adds; the model alone and the
rewrites measure what it finds. Models and probabilities are written under ``--cache``
(outside the repository: physionet-deid is GPL).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.phi.annotated import AnnotatedNote
from bench.phi.corpus import NoteKey, Span, overlap_score
from bench.phi.evaluate import ROOT
from bench.phi.variant_eval import physionet_dev
from bench.phi.variants import rewrite
from services.ingestor.phi.spans import PhiSpan
from services.ingestor.phi.trained import decode, load_model
from services.ingestor.phi.training_data import span_type

THRESHOLDS = (0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.07, 0.05)


@dataclass(frozen=True)
class Config:
    """One way of training: ``train_model`` settings and rewrites added to the training set."""

    features: str = "tokens-v2"
    c1: float = 0.05
    c2: float = 0.01
    iterations: int = 150
    all_transitions: bool = True
    rewrites: int = 0
    """Rewrites of each training note by the variant generator, added to the originals."""

    def train_kwargs(self) -> dict[str, Any]:
        return {
            "features": self.features,
            "c1": self.c1,
            "c2": self.c2,
            "iterations": self.iterations,
            "all_transitions": self.all_transitions,
        }


CONFIGS: dict[str, Config] = {
    "v1": Config(features="tokens-v1"),
    "v2": Config(),
    "v2-l1low": Config(c1=0.01, c2=0.01),
    "v2-l2high": Config(c1=0.05, c2=0.1),
    "v2-l1high": Config(c1=0.2, c2=0.01),
    "v2-it300": Config(iterations=300),
    "v2-notrans": Config(all_transitions=False),
    "v2-var1": Config(rewrites=1),
    "v2-var2": Config(rewrites=2),
}


def fold_of(patient: str, folds: int) -> int:
    digest = hashlib.sha256(f"clinrelay-phi-cv:{patient}".encode()).hexdigest()
    return int(digest, 16) % folds


def _patient(note: AnnotatedNote) -> str:
    return note.id.split("/")[0]


def _training_note(note: AnnotatedNote) -> Any:
    from services.ingestor.phi.trained import TrainingNote, TrainingSpan

    spans = []
    for s in note.phi():
        kind = span_type(s.category)
        if kind is not None:
            spans.append(TrainingSpan(s.start, s.end, kind))
    return TrainingNote(note.id, note.text, tuple(spans))


def rules_spans(notes: list[AnnotatedNote], cache: Path, name: str) -> dict[str, list[Span]]:
    """What the rules find (years masked, as ``clinrelay deid --mask-years``), cached."""
    path = cache / f"rules-{name}.pickle"
    if path.exists():
        found: dict[str, list[Span]] = pickle.loads(path.read_bytes())
        if set(found) >= {n.id for n in notes}:
            return found
    from services.ingestor.phi.deidentify import deidentify_note
    from services.ingestor.phi.policy import DeidPolicy

    policy = DeidPolicy(keep_years=False, note_time_budget_s=60.0)
    found = {
        n.id: [(s.start, s.end) for s in deidentify_note(n.text, policy=policy).spans]
        for n in notes
    }
    path.write_bytes(pickle.dumps(found))
    return found


def rewritten(notes: list[AnnotatedNote], seed: int = 7) -> list[AnnotatedNote]:
    rng = random.Random(seed)
    return [rewrite(n, rng, suffix="cv") for n in notes]


Probabilities = dict[str, tuple[list[Any], list[dict[str, float]]]]


@dataclass
class FoldRun:
    """Per-token probabilities of every test note of every fold, as written and rewritten."""

    written: Probabilities = field(default_factory=dict)
    rewrites: Probabilities = field(default_factory=dict)
    seconds: float = 0.0


def run_config(
    name: str,
    notes: list[AnnotatedNote],
    rewrites: dict[str, AnnotatedNote],
    folds: int,
    cache: Path,
    log: Callable[[str], None],
    only: int | None = None,
) -> FoldRun:
    """Train ``name`` on each fold's complement; probabilities of the fold's notes and of
    their rewrites (``rewrites``: the rewrite of each note, by the note's id). ``only``: that
    fold alone (a fold model already in ``cache`` is reused)."""
    path = cache / f"cv-{name}-{folds}{'' if only is None else f'-only{only}'}.pickle"
    if path.exists():
        run: FoldRun = pickle.loads(path.read_bytes())
        return run
    from services.ingestor.phi.trained import train_model

    config = CONFIGS[name]
    run = FoldRun()
    for fold in range(folds) if only is None else [only]:
        train = [n for n in notes if fold_of(_patient(n), folds) != fold]
        test = [n for n in notes if fold_of(_patient(n), folds) == fold]
        rng = random.Random(fold)
        extra = [rewrite(n, rng, suffix=f"t{k}") for k in range(config.rewrites) for n in train]
        started = time.perf_counter()
        model = cache / f"{name}-fold{fold}.model"
        if only is None or not model.exists():
            train_model([_training_note(n) for n in train + extra], model, **config.train_kwargs())
        run.seconds += time.perf_counter() - started
        log(f"{name} fold {fold}: {len(train) + len(extra)} training notes, {run.seconds:.0f} s")
        detector = load_model(model)
        for note in test:
            run.written[note.id] = detector.probabilities(note.text)
        for note in test:
            again = rewrites[note.id]
            run.rewrites[again.id] = detector.probabilities(again.text)
    path.write_bytes(pickle.dumps(run))
    return run


_NEXT_WORD = re.compile(r"[ -]([A-Z][a-z]+)\b")
_PREVIOUS_WORD = re.compile(r"\b([A-Z][a-z]+)[ -]$")


def extend_capitalised(text: str, found: list[PhiSpan]) -> list[PhiSpan]:
    """Post-processing tried on dev: a finding grows over a capitalised word next to it on its
    line ("Mary" found, "Ellen" after it) unless that word is ordinary vocabulary."""
    from services.ingestor.phi.lexicon import load_lexicon

    lex = load_lexicon()
    out = []
    for span in found:
        start, end = span.start, span.end
        while m := _NEXT_WORD.match(text, end):
            if lex.is_vocabulary(m.group(1).lower()):
                break
            end = m.end(1)
        while m := _PREVIOUS_WORD.search(text[max(0, start - 30) : start]):
            if lex.is_vocabulary(m.group(1).lower()):
                break
            start -= len(m.group(0))
        out.append(span.model_copy(update={"start": start, "end": end}))
    return out


def _union(a: list[Span], b: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(a + b):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def score_rows(
    label: str,
    notes: list[AnnotatedNote],
    probabilities: Probabilities,
    rules: dict[str, list[Span]],
    post: Callable[[str, list[PhiSpan]], list[PhiSpan]] | None = None,
) -> list[str]:
    keys: dict[str, NoteKey] = {n.id: (n.id, "") for n in notes}
    gold = {keys[n.id]: [(s.start, s.end, s.category) for s in n.phi()] for n in notes}
    texts = {n.id: n.text for n in notes}
    rules_only = overlap_score({keys[k]: v for k, v in rules.items() if k in keys}, gold, [*gold])
    rows = [
        f"| {label} | rules alone | - | {rules_only.recall:.4f} | {rules_only.ppv:.4f} | "
        f"{rules_only.found}/{rules_only.gold} | {len(rules_only.false_positives)} |"
    ]
    for threshold in THRESHOLDS:
        model: dict[NoteKey, list[Span]] = {}
        joined: dict[NoteKey, list[Span]] = {}
        for note_id, (toks, marginals) in probabilities.items():
            if note_id not in keys:
                continue
            found = decode(texts[note_id], toks, marginals, threshold)
            if post is not None:
                found = post(texts[note_id], found)
            spans = [(s.start, s.end) for s in found]
            model[keys[note_id]] = spans
            joined[keys[note_id]] = _union(spans, rules.get(note_id, []))
        for system, predicted in (("model alone", model), ("rules + model", joined)):
            result = overlap_score(predicted, gold, [*gold])
            rows.append(
                f"| {label} | {system} | {threshold} | {result.recall:.4f} | {result.ppv:.4f} "
                f"| {result.found}/{result.gold} | {len(result.false_positives)} |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="v1,v2", help=f"of {', '.join(CONFIGS)}")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/phicv"))
    parser.add_argument(
        "--only-fold", type=int, help="train and score this fold alone (quicker comparisons)"
    )
    parser.add_argument(
        "--extend", action="store_true", help="also score findings grown over capitalised words"
    )
    args = parser.parse_args()
    if ROOT in args.cache.resolve().parents or args.cache.resolve() == ROOT:
        parser.error("--cache: models trained on GPL notes must not be written in the repository")
    names = args.configs.split(",")
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"unknown config(s) {', '.join(unknown)}; known: {', '.join(CONFIGS)}")
    args.cache.mkdir(parents=True, exist_ok=True)
    notes = physionet_dev()
    rewrites = rewritten(notes)
    rules = rules_spans(notes, args.cache, "dev") | rules_spans(rewrites, args.cache, "dev-cv7")
    by_id = dict(zip((n.id for n in notes), rewrites, strict=True))
    scored, scored_rewrites = notes, rewrites
    if args.only_fold is not None:
        part = {n.id for n in notes if fold_of(_patient(n), args.folds) == args.only_fold}
        scored = [n for n in notes if n.id in part]
        scored_rewrites = [by_id[n.id] for n in scored]
    print(f"{len(scored)} dev notes scored, {args.folds} folds by patient\n")
    print("| notes | system | threshold | recall | PPV | found | false positives |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        run = run_config(name, notes, by_id, args.folds, args.cache, print, only=args.only_fold)
        print(f"\n**{name}** ({CONFIGS[name]}; training {run.seconds:.0f} s)\n")
        parts = (("written", scored, run.written), ("rewritten", scored_rewrites, run.rewrites))
        for label, part_notes, probs in parts:
            print("\n".join(score_rows(f"{name} {label}", part_notes, probs, rules)))
            if args.extend:
                rows = score_rows(
                    f"{name} {label} +extend", part_notes, probs, rules, extend_capitalised
                )
                print("\n".join(rows[1:]))


if __name__ == "__main__":
    main()
