"""How long parse_bundle takes on real Bundles, next to what fhir.resources alone costs.

    .venv/bin/python -m bench.fhir_parse [--runs 30] [FILE ...]

Default files are the Bundles in tests/fixtures/fhir. For each it times, in the same process:
``orjson.loads`` only; the library baseline (orjson + validating every entry with its
fhir.resources R4B model, which parse_bundle cannot avoid); ``parse_bundle``; and
``parse_bundle`` + ``check_coding_bundle`` (what the gateway runs per POST). It prints a
Markdown table of medians and 95th percentiles and the ratio of parse_bundle to the baseline.
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

from shared.intake.fhir import BundleError, check_coding_bundle, parse_bundle

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "fhir"


def validate_entries_with_the_library(raw: bytes) -> None:
    document = orjson.loads(raw)
    for entry in document.get("entry", []):
        resource = entry.get("resource")
        if resource is None:
            continue
        with contextlib.suppress(ValueError):  # an invalid entry costs the same to find
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def parse_and_admit(raw: bytes) -> None:
    with contextlib.suppress(BundleError):  # refusing a Bundle without notes costs the same
        check_coding_bundle(parse_bundle(raw))


def interleaved_timings(
    functions: dict[str, Callable[[bytes], Any]], raw: bytes, runs: int
) -> dict[str, list[float]]:
    """Run the functions in turn, ``runs`` rounds, so that load from other processes on the
    machine weighs on all of them alike; one warm-up round first (models are built lazily)."""
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for round_number in range(runs + 1):
        for name, function in functions.items():
            start = time.perf_counter()
            function(raw)
            if round_number:
                samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()
    files = arguments.files or sorted(FIXTURES.glob("*/*.json"), key=lambda p: -p.stat().st_size)
    print(
        "| bundle | size | entries | orjson only | fhir.resources baseline | parse_bundle "
        "| + check_coding_bundle | parse / baseline |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for path in files:
        raw = path.read_bytes()
        entries = len(orjson.loads(raw).get("entry", []))
        measured = interleaved_timings(
            {
                "json": orjson.loads,
                "baseline": validate_entries_with_the_library,
                "parse": parse_bundle,
                "admit": parse_and_admit,
            },
            raw,
            arguments.runs,
        )
        cells = [
            f"{statistics.median(measured[name]):.1f} ms (p95 {p95(measured[name]):.1f})"
            for name in ("json", "baseline", "parse", "admit")
        ]
        ratio = statistics.median(measured["parse"]) / statistics.median(measured["baseline"])
        print(
            f"| {path.name} | {len(raw) / 1024:.0f} KiB | {entries} | "
            + " | ".join(cells)
            + f" | {ratio:.2f}× |"
        )


if __name__ == "__main__":
    main()
