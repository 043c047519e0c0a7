"""A PHI model trained only on notes clinrelay writes itself: no corpus text in it.

    .venv/bin/python -m bench.phi.synthetic_model --out /tmp/synthetic.model
        [--per-frame 12] [--rewrites 3] [--seed 1] [--iterations 150] [--jsonl /tmp/train.jsonl]

Training notes, all clinrelay's own (Apache-2.0):

1. the frames of :mod:`bench.phi.contexts` — sentences written for clinrelay, filled with
   surrogates, typed in mixed case, capitals and lower case (``--per-frame`` of each);
2. the development part of the multi-style set (:mod:`bench.phi.multistyle`, written and
   annotated for clinrelay; its held-out third is never used) as written;
3. ``--rewrites`` rewrites of each of those notes by the variant generator
   (:mod:`bench.phi.variants`), every PHI mention a surrogate in another surface form.

Surrogates come from the shipped public-domain and permissive lists (SSA given names, Census
surnames, GeoNames places; services/ingestor/phi/data/NOTICE.md) and generators. No
physionet-deid note (GPL) or anything derived from one enters the training set. The model is
trained by the real CLI, ``clinrelay deid train --jsonl --out``, as a site would train one.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from bench.phi.annotated import AnnotatedNote
from bench.phi.contexts import framed_notes, training_lines
from bench.phi.model_eval import train_jsonl
from bench.phi.multistyle import load_set
from bench.phi.variants import rewrite


def training_notes(per_frame: int, rewrites: int, seed: int) -> list[AnnotatedNote]:
    """The synthetic training set (see the module doc); deterministic for a seed."""
    rng = random.Random(seed)
    notes = framed_notes(per_frame, seed, neutral=4)
    written = load_set("dev")
    notes += written
    for k in range(rewrites):
        notes += [rewrite(note, rng, suffix=f"s{k}") for note in written]
    return notes


def train(lines: list[str], out: Path, iterations: int) -> tuple[float, str]:
    return train_jsonl("\n".join(lines) + "\n", out, iterations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-frame", type=int, default=12)
    parser.add_argument("--rewrites", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--jsonl", type=Path, help="also keep the training input here")
    args = parser.parse_args()
    notes = training_notes(args.per_frame, args.rewrites, args.seed)
    lines = training_lines(notes)
    if args.jsonl:
        args.jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory():
        seconds, said = train(lines, args.out, args.iterations)
    header = json.loads(args.out.read_bytes().split(b"\n", 2)[1])
    print(
        f"{len(notes)} synthetic notes (per frame {args.per_frame}, {args.rewrites} rewrites, "
        f"seed {args.seed}) -> {args.out} in {seconds:.0f} s: {said}; "
        f"{header['tokens']} tokens, spans {header['spans']}"
    )


if __name__ == "__main__":
    main()
