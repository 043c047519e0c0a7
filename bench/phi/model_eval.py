"""What a site gains from a model trained on its own notes: physionet-deid, text only.

    .venv/bin/python -m bench.phi.model_eval [--presidio] [--iterations 150] [--keep DIR]
        [--threshold T] [--rewrites N]
    .venv/bin/python -m bench.phi.model_eval --presidio --model DIR/physionet-dev.model

1. Writes the development notes of physionet-deid (every patient not in the held-out quarter,
   see :func:`bench.phi.corpus.held_out`) as ``clinrelay deid train`` input, with their gold
   categories (PTName, HCPName, Location, Date...: the command maps them), to a temporary
   directory outside the repository (physionet-deid is GPL: neither its notes nor a model
   trained on them may enter the repository).
   With ``--rewrites N``, N rewrites of each dev note by the variant generator
   (:mod:`bench.phi.variants`: every PHI mention another surrogate in another surface form) join
   the training lines — annotated notes a site can make from its own the same way.
2. Trains a model with ``clinrelay deid train --jsonl --out [--threshold T]`` as a site would
   (the threshold is chosen on dev notes by cross-validation, :mod:`bench.phi.model_cv`).
3. Runs ``clinrelay deid --jsonl --mask-years`` with and without ``--model`` on every note (and
   with ``--model-threshold 0.5``, the threshold before round 7, when the model's differs) and
   scores dev and held-out (overlap scoring, :func:`bench.phi.corpus.overlap_score`). Held-out
   figures are aggregate only; each run is a look, counted in docs/benchmarks.md.
4. Speed: notes/s of ``deidentify_note`` on 1-4 KB notes, rules alone and with the model, and
   Presidio's analyzer with ``--presidio`` — in the same run, so the ratios hold under load.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.phi.corpus import NoteKey, Span, held_out, overlap_score, physionet_gold, physionet_notes
from bench.phi.evaluate import ROOT, _fmt, run_cli


def training_lines(keys: list[NoteKey], rewrites: int = 0, seed: int = 1) -> str:
    """The dev notes as ``clinrelay deid train`` input, and ``rewrites`` rewrites of each."""
    from bench.phi.annotated import AnnotatedNote, GoldSpan
    from bench.phi.variants import rewrite

    notes, gold = physionet_notes(), physionet_gold()
    annotated = [
        AnnotatedNote(
            "/".join(key), notes[key], tuple(GoldSpan(s, e, c) for s, e, c in gold.get(key, []))
        )
        for key in keys
    ]
    rng = random.Random(seed)
    annotated += [rewrite(n, rng, suffix=f"r{k}") for k in range(rewrites) for n in annotated]
    lines = []
    for note in annotated:
        spans = [{"start": s.start, "end": s.end, "type": s.category} for s in note.phi()]
        lines.append(json.dumps({"id": note.id, "text": note.text, "spans": spans}))
    return "\n".join(lines) + "\n"


def train(
    keys: list[NoteKey], out: Path, iterations: int, threshold: float | None, rewrites: int = 0
) -> tuple[float, str]:
    extra = ["--threshold", str(threshold)] if threshold is not None else []
    return train_jsonl(training_lines(keys, rewrites), out, iterations, *extra)


def train_jsonl(jsonl: str, out: Path, iterations: int, *extra: str) -> tuple[float, str]:
    """Run ``clinrelay deid train`` as a user would, on JSONL lines; its seconds and its report."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "clinrelay",
            "deid",
            "train",
            "--jsonl",
            "--out",
            str(out),
            "--iterations",
            str(iterations),
            *extra,
        ],
        input=jsonl,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started, done.stderr.strip()


def scores(model: Path) -> list[str]:
    notes = physionet_notes()
    gold = physionet_gold()
    keys = {f"{p}/{n}": (p, n) for p, n in notes}
    texts = {k: notes[v] for k, v in keys.items()}
    from services.ingestor.phi.trained import load_model

    detector = load_model(model)
    runs = [
        ("rules alone", ["--mask-years"]),
        (
            f"rules + model (threshold {detector.threshold})",
            ["--mask-years", "--model", str(model)],
        ),
    ]
    if detector.threshold != 0.5:
        runs.append(
            (
                "rules + model (threshold 0.5)",
                ["--mask-years", "--model", str(model), "--model-threshold", "0.5"],
            )
        )
    systems: dict[str, dict[NoteKey, list[Span]]] = {}
    for name, args in runs:
        rows = run_cli(texts, *args)
        systems[name] = {
            keys[k]: [(s["start"], s["end"]) for s in r["spans"]] for k, r in rows.items()
        }
    systems[f"model alone (threshold {detector.threshold})"] = {
        key: [(s.start, s.end) for s in detector.find(text) if s.score >= 0.5]
        for key, text in notes.items()
    }
    parts = {
        "dev (trained on)": [k for k in notes if not held_out(k[0])],
        "held-out": [k for k in notes if held_out(k[0])],
    }
    lines = [
        "| system | part | recall | PPV | found | false positives |",
        "|---|---|---|---|---|---|",
    ]
    per_category = []
    for name, predicted in systems.items():
        for part, part_keys in parts.items():
            result = overlap_score(predicted, gold, part_keys)
            lines.append(f"| {name} | {part} ({len(part_keys)} notes) | {_fmt(result)} |")
            if part == "held-out":
                cats = result.category_recall()
                per_category.append(
                    f"| {name} | "
                    + " | ".join(f"{c} {v:.3f}" for c, v in sorted(cats.items()))
                    + " |"
                )
    return [
        *lines,
        "",
        "Held-out recall per category:",
        "",
        "| system | recall |",
        "|---|---|",
        *per_category,
    ]


def speed(model: Path, use_presidio: bool) -> list[str]:
    from services.ingestor.phi.deidentify import deidentify_note
    from services.ingestor.phi.policy import DeidPolicy
    from services.ingestor.phi.trained import load_model

    texts = [t for t in physionet_notes().values() if 1024 <= len(t) <= 4096]
    with_model = DeidPolicy(model=load_model(model))
    rates: dict[str, float] = {}

    def rate(run: Any) -> float:
        for text in texts[:20]:
            run(text)
        started = time.perf_counter()
        for text in texts:
            run(text)
        return len(texts) / (time.perf_counter() - started)

    rates["clinrelay, rules alone"] = rate(deidentify_note)
    rates["clinrelay, rules + model"] = rate(lambda t: deidentify_note(t, policy=with_model))
    if use_presidio:
        from bench.phi.presidio_baseline import build_analyzer, presidio_spans

        analyzer = build_analyzer()
        rates["Presidio analyze only (no anonymizer)"] = rate(lambda t: presidio_spans(analyzer, t))
    floor = rates.get("Presidio analyze only (no anonymizer)")
    lines = [
        f"{len(texts)} physionet-deid notes of 1–4 KB, one process, same notes for each system.",
        "",
        "| system | notes/s | × Presidio |" if floor else "| system | notes/s |",
        "|---|---|---|" if floor else "|---|---|",
    ]
    for name, value in rates.items():
        lines.append(
            f"| {name} | {value:.1f} | {value / floor:.1f}× |"
            if floor
            else f"| {name} | {value:.1f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presidio", action="store_true", help="time Presidio in the same run")
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument(
        "--threshold", type=float, help="stored in the model (default: the training default)"
    )
    parser.add_argument(
        "--rewrites", type=int, default=0, help="train on N rewrites of each dev note as well"
    )
    parser.add_argument("--keep", type=Path, help="keep the model in this directory (not the repo)")
    parser.add_argument(
        "--model", type=Path, help="score and time this model (trained by an earlier run)"
    )
    args = parser.parse_args()
    if args.model and not args.model.exists():
        parser.error(f"--model: {args.model} does not exist")
    if args.keep and ROOT in args.keep.resolve().parents:
        parser.error(
            "--keep: a model trained on GPL notes must not be written inside the repository"
        )
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        model = folder / "physionet-dev.model"
        dev = [k for k in physionet_notes() if not held_out(k[0])]
        if args.model:
            model = args.model
            print(f"### Model {model} (trained on physionet-deid dev, {len(dev)} notes)\n")
        else:
            seconds, said = train(dev, model, args.iterations, args.threshold, args.rewrites)
            print(
                f"### Model trained on physionet-deid dev ({len(dev)} notes, "
                f"{args.rewrites} rewrites of each)\n"
            )
            print(
                f"`clinrelay deid train`: {said} — {seconds:.1f} s wall, "
                f"{model.stat().st_size / 1024:.0f} KB\n"
            )
        print("\n".join(scores(model)))
        print("\n### Speed\n")
        print("\n".join(speed(model, args.presidio)))


if __name__ == "__main__":
    main()
