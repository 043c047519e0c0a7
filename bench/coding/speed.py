"""Throughput of ICD-10-CM coding on 2–4 KB notes, one process, against a floor in the same run.

Notes: the CodiEsp English case reports whose size is 2–4 KB (read from /work/shared; speed only,
no quality figures). The floor is spaCy's blank tokenizer + sentencizer over the same notes — the
least any spaCy-based coder must do — so the ratio is stable across machines.

    .venv/bin/python bench/coding/speed.py --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

DEFAULT_DATA = Path("/work/shared/data/codiesp-test/text_files_en")


def notes_between(folder: Path, low: int, high: int) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    return [t for t in texts if low <= len(t.encode()) <= high]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    from services.analyzer.coding.analysis import warm_up
    from services.analyzer.coding.coder import NoteText, code_encounter
    from services.analyzer.coding.pipeline import clinical_pipeline
    from shared.events.coding import CareSetting

    warm_up()
    load = time.perf_counter() - started
    pipeline = clinical_pipeline()
    notes = notes_between(args.data, 2048, 4096)
    size = statistics.mean(len(n.encode()) for n in notes)
    print(f"{len(notes)} notes of 2–4 KB (mean {size:.0f} bytes); load {load:.2f} s")
    print(f"  pipeline build {pipeline.load_seconds:.2f} s")

    def run_floor() -> None:
        for note in notes:
            pipeline.sentences(note)

    def run_coder() -> None:
        for i, note in enumerate(notes):
            code_encounter([NoteText(str(i), note)], CareSetting.INPATIENT)

    run_coder()  # warm the caches (specificity, normalization) as a long-running worker would
    results = {}
    for name, run in (
        ("floor: spaCy tokenizer + sentencizer", run_floor),
        ("clinrelay coder", run_coder),
    ):
        rates = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            run()
            rates.append(len(notes) / (time.perf_counter() - t))
        results[name] = statistics.median(rates)
        print(f"  {name}: {results[name]:.1f} notes/s (median of {args.rounds})")
    floor, coder = results.values()
    print(f"  coder / floor = {coder / floor:.3f}")


if __name__ == "__main__":
    main()
