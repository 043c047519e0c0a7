"""What validating a FHIR Bundle costs the gateway and the ingestor, before and after issue 15.

    .venv/bin/python -m bench.fhir_parse [--runs 40] [--blocks 5] [FILE ...]

Default files are the Bundles in tests/fixtures/fhir and the 104 KB sample of
clinrelay/samples. For each Bundle, in one process, taking turns (so that load from other
processes weighs on every side alike), CPU time of:

- ``orjson``: ``orjson.loads`` only;
- ``r4b``: orjson + every entry validated with its fhir.resources R4B model (the library alone);
- ``gateway before``: what ``interpret`` ran per coding POST before issue 15 — JSON, every
  resource validated with the R4B models (``fhir_validation=full``), the known-PHI dictionary
  harvested, ``check_coding_bundle``, ``check_note_lengths``, the request fingerprint;
- ``gateway after``: ``interpret`` as the gateway runs it now: structure of every resource,
  values of the elements clinrelay reads (``fhir_validation=read``), no PHI harvest;
- ``ingestor before`` / ``after``: ``parse_bundle`` with the PHI harvest at either depth.

The runs are cut into ``--blocks`` blocks; each ratio (before / after) is the median of the
per-block ratios of medians, with the lowest and highest block in brackets. Prints a Markdown
table and, last, one JSON line with the 104 KB sample's figures.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from fhir.resources.R4B import get_fhir_model_class

from services.gateway.errors import ApiError
from services.gateway.intake import interpret
from shared.db.submissions import request_fingerprint
from shared.intake.fhir import BundleError, check_coding_bundle, parse_bundle
from shared.intake.note_limits import NoteTooLong, check_note_lengths

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "fhir"
SAMPLE = ROOT / "clinrelay" / "samples" / "coding-encounter-bundle.json"
MAX_NOTE_CHARS = 100_000


def validate_entries_with_the_library(raw: bytes) -> None:
    document = orjson.loads(raw)
    for entry in document.get("entry", []):
        resource = entry.get("resource")
        if resource is None:
            continue
        with contextlib.suppress(ValueError):  # an invalid entry costs the same to find
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def admit_before(raw: bytes) -> None:
    """``interpret`` as the gateway ran it before issue 15 (refusals cost the same)."""
    with contextlib.suppress(BundleError, NoteTooLong):
        bundle = orjson.loads(raw)
        parsed = parse_bundle(bundle, depth="full", harvest_phi=True)
        check_coding_bundle(parsed)
        check_note_lengths(parsed, MAX_NOTE_CHARS)
        request_fingerprint({"kind": "coding", "bundle": bundle})


def admit_after(raw: bytes) -> None:
    """``interpret`` as the gateway runs it now (default settings)."""
    with contextlib.suppress(ApiError):
        interpret(raw, "application/fhir+json", fhir_validation="read")


def ingest_before(raw: bytes) -> None:
    with contextlib.suppress(BundleError):
        parse_bundle(raw, depth="full")


def ingest_after(raw: bytes) -> None:
    with contextlib.suppress(BundleError):
        parse_bundle(raw, depth="read")


SIDES: dict[str, Callable[[bytes], Any]] = {
    "orjson": orjson.loads,
    "r4b": validate_entries_with_the_library,
    "gateway before": admit_before,
    "gateway after": admit_after,
    "ingestor before": ingest_before,
    "ingestor after": ingest_after,
}


def interleaved_cpu_ms(
    functions: dict[str, Callable[[bytes], Any]], raw: bytes, runs: int
) -> dict[str, list[float]]:
    """Run the functions in turn, ``runs`` rounds, CPU ms of each; one warm-up round first
    (models and element tables are built lazily)."""
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for round_number in range(runs + 1):
        for name, function in functions.items():
            start = time.process_time()
            function(raw)
            if round_number:
                samples[name].append((time.process_time() - start) * 1000)
    return samples


def block_ratios(before: list[float], after: list[float], blocks: int) -> list[float]:
    """Ratio of medians (before / after) in each of ``blocks`` consecutive blocks of runs."""
    size = max(1, len(before) // blocks)
    return [
        statistics.median(before[i : i + size]) / statistics.median(after[i : i + size])
        for i in range(0, size * blocks, size)
        if before[i : i + size]
    ]


def ratio_cell(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--blocks", type=int, default=5)
    arguments = parser.parse_args()
    files = arguments.files or [
        SAMPLE,
        *sorted(FIXTURES.glob("*/*.json"), key=lambda p: -p.stat().st_size),
    ]
    print(
        "| bundle | size | entries | orjson | R4B models alone | gateway before | gateway after "
        "| gateway before / after | ingestor before | ingestor after | ingestor before / after |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    summary: dict[str, Any] = {}
    for path in files:
        raw = path.read_bytes()
        entries = len(orjson.loads(raw).get("entry", []))
        ms = interleaved_cpu_ms(SIDES, raw, arguments.runs)
        median = {name: statistics.median(values) for name, values in ms.items()}
        gateway = block_ratios(ms["gateway before"], ms["gateway after"], arguments.blocks)
        ingestor = block_ratios(ms["ingestor before"], ms["ingestor after"], arguments.blocks)
        cells = [f"{median[name]:.1f} ms" for name in SIDES]
        print(
            f"| {path.name} | {len(raw) / 1024:.0f} KiB | {entries} | "
            + " | ".join(cells[:4])
            + f" | {ratio_cell(gateway)} | "
            + " | ".join(cells[4:])
            + f" | {ratio_cell(ingestor)} |"
        )
        if path == SAMPLE:
            summary = {
                "bundle": path.name,
                "gateway_before_ms": round(median["gateway before"], 2),
                "gateway_after_ms": round(median["gateway after"], 2),
                "gateway_speedup": round(statistics.median(gateway), 2),
                "gateway_speedup_spread": [round(min(gateway), 2), round(max(gateway), 2)],
                "ingestor_speedup": round(statistics.median(ingestor), 2),
                "r4b_alone_ms": round(median["r4b"], 2),
            }
    if summary:
        print(orjson.dumps(summary).decode())


if __name__ == "__main__":
    main()
