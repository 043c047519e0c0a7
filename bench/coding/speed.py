"""Throughput of ICD-10-CM coding on 2–4 KB notes, one process, against a floor in the same run.

Notes: the CodiEsp English case reports whose size is 2–4 KB (read from /work/shared; speed only,
no quality figures). The floor is clinrelay's tokenizer + sentence splitter over the same notes —
the least the coder must do — so the ratio is stable across machines. When spaCy is importable
(the ``bench`` extra installs it for Presidio) its blank English tokenizer + ``sentencizer`` is
timed too, for comparison with the splitter it replaced.

    .venv/bin/python bench/coding/speed.py --rounds 3
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_DATA = Path("/work/shared/data/codiesp-test/text_files_en")


def notes_between(folder: Path, low: int, high: int) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    return [t for t in texts if low <= len(t.encode()) <= high]


def spacy_floor(notes: list[str]) -> Callable[[], None] | None:
    """spaCy's blank English tokenizer + sentencizer, if spaCy is installed."""
    try:
        spacy = importlib.import_module("spacy")
    except ImportError:
        return None
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")

    def run() -> None:
        for note in notes:
            nlp(note)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    from services.analyzer.coding.analysis import warm_up
    from services.analyzer.coding.coder import NoteText, code_encounter
    from services.analyzer.coding.pipeline import clinical_pipeline
    from services.analyzer.coding.segmentation import split_sentences
    from shared.events.coding import CareSetting

    warm_up()
    load = time.perf_counter() - started
    notes = notes_between(args.data, 2048, 4096)
    size = statistics.mean(len(n.encode()) for n in notes)
    print(f"{len(notes)} notes of 2–4 KB (mean {size:.0f} bytes); load {load:.2f} s")
    print(f"  pipeline build {clinical_pipeline().load_seconds * 1000:.1f} ms")

    def run_floor() -> None:
        for note in notes:
            split_sentences(note)

    def run_coder() -> None:
        for i, note in enumerate(notes):
            code_encounter([NoteText(str(i), note)], CareSetting.INPATIENT)

    run_coder()  # warm the caches (specificity, normalization) as a long-running worker would
    runs: dict[str, Callable[[], None]] = {
        "floor: clinrelay tokenizer + sentence splitter": run_floor,
        "clinrelay coder": run_coder,
    }
    spacy_run = spacy_floor(notes)
    if spacy_run is not None:
        runs["for comparison: spaCy blank tokenizer + sentencizer"] = spacy_run
    results = {}
    for name, run in runs.items():
        rates = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            run()
            rates.append(len(notes) / (time.perf_counter() - t))
        results[name] = statistics.median(rates)
        print(f"  {name}: {results[name]:.1f} notes/s (median of {args.rounds})")
    floor, coder = list(results.values())[:2]
    print(f"  coder / floor = {coder / floor:.3f}")


if __name__ == "__main__":
    main()
