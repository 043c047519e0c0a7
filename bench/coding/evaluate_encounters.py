"""Quality of the coder on encounter notes as users send them (``bench/coding/encounters/``).

Each encounter is built into a FHIR Bundle (``encounter_set.build_bundle``) and measured one of
two ways:

- ``--via stage`` (default): the Bundle goes through the ingestor's own ``parse_bundle`` and
  ``build_coding_case`` (real de-identification) and the analyzer's ``analyze_case``: the exact
  functions the two stages call, without the broker;
- ``--via api``: the Bundle is POSTed to ``/v1/reports`` of a running stack and the figures are
  read from ``GET /v1/reports/{id}/analysis`` (``--base-url``, key in ``CLINRELAY_API_KEY``).

Figures, micro-averaged over encounters:

- full-code precision: reported codes that are required or acceptable / reported codes;
- recall: required codes reported / required codes;
- must-not rate: reported codes on the must-not list / reported codes;
- billed-code verdicts: billed codes judged supported / not supported as the gold says;
- exact encounters: every required code, nothing outside required ∪ acceptable.

    .venv/bin/python -m bench.coding.evaluate_encounters --split dev [--show]
    .venv/bin/python -m bench.coding.evaluate_encounters --split heldout   # aggregate only
    .venv/bin/python -m bench.coding.evaluate_encounters --write-bundles DIR

``--show`` (per-encounter misses) is refused for the held-out split: look at it in aggregate.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.coding.encounter_set import GoldEncounter, build_bundle, load_encounters


@dataclass(frozen=True)
class Measured:
    """What the pipeline reported for one encounter."""

    codes: frozenset[str]
    verdicts: dict[str, bool]  # billed code → judged supported


@dataclass
class Tally:
    reported: int = 0
    correct: int = 0
    required: int = 0
    found: int = 0
    must_not: int = 0
    billed: int = 0
    verdicts_right: int = 0
    exact: int = 0
    encounters: int = 0
    wrong: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)

    def add(self, gold: GoldEncounter, got: Measured) -> None:
        wanted = gold.required | gold.acceptable
        self.encounters += 1
        self.reported += len(got.codes)
        self.correct += len(got.codes & wanted)
        self.required += len(gold.required)
        self.found += len(got.codes & gold.required)
        self.must_not += len(got.codes & gold.must_not)
        self.exact += int(gold.required <= got.codes and got.codes <= wanted)
        for code in gold.billed:
            self.billed += 1
            self.verdicts_right += int(got.verdicts.get(code, False) == (code in gold.supported))
        self.wrong.update(got.codes - wanted)
        self.missed.update(gold.required - got.codes)

    def figures(self) -> dict[str, float | int]:
        def ratio(a: int, b: int) -> float:
            return round(a / b, 3) if b else 0.0

        precision = ratio(self.correct, self.reported)
        recall = ratio(self.found, self.required)
        f1 = round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0
        return {
            "encounters": self.encounters,
            "reported": self.reported,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "must_not_rate": ratio(self.must_not, self.reported),
            "billed_codes": self.billed,
            "verdict_accuracy": ratio(self.verdicts_right, self.billed),
            "exact_encounters": self.exact,
        }


def measure_stage(gold: GoldEncounter) -> Measured:
    """Through the functions the ingestor and analyzer stages call (no broker)."""
    from services.analyzer.coding import CodingConfig, analyze_case
    from services.ingestor.case import build_coding_case
    from services.ingestor.phi.deidentify import PhiDeidentifier
    from services.ingestor.phi.policy import DeidPolicy
    from shared.events.coding import Verdict
    from shared.intake.fhir.bundle import parse_bundle

    case = build_coding_case(parse_bundle(build_bundle(gold)), PhiDeidentifier(DeidPolicy()))
    analysis = analyze_case(case, CodingConfig())
    codes = frozenset(s.code for e in analysis.encounters for s in e.suggestions)
    verdicts = {
        v.code: v.verdict is Verdict.SUPPORTED
        for e in analysis.encounters
        for v in e.comparison.verdicts
    }
    return Measured(codes, verdicts)


class ApiClient:
    """POST a Bundle, wait for the report, read its analysis."""

    def __init__(self, base_url: str, api_key: str, timeout_s: float) -> None:
        self.client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
        )
        self.timeout_s = timeout_s

    def measure(self, gold: GoldEncounter) -> Measured:
        answer = self.client.post("/v1/reports", json=build_bundle(gold))
        answer.raise_for_status()
        report_id = answer.json()["id"]
        deadline = time.monotonic() + self.timeout_s
        while True:
            status = self.client.get(f"/v1/reports/{report_id}").json()["status"]
            if status == "COMPLETE":
                break
            if status == "FAILED" or time.monotonic() > deadline:
                raise RuntimeError(f"report for {gold.id} ended {status}")
            time.sleep(0.5)
        analysis = self.client.get(f"/v1/reports/{report_id}/analysis")
        analysis.raise_for_status()
        body = analysis.json()
        return Measured(
            frozenset(c["code"] for c in body["codes"]),
            {v["code"]: v["verdict"] == "supported" for v in body["verdicts"]},
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument("--via", choices=("stage", "api"), default="stage")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per report (api)")
    parser.add_argument("--show", action="store_true", help="per-encounter misses (dev only)")
    parser.add_argument("--write-bundles", type=Path, help="write each Bundle as JSON and stop")
    args = parser.parse_args(argv)

    encounters = load_encounters(args.split)
    if args.write_bundles:
        args.write_bundles.mkdir(parents=True, exist_ok=True)
        for gold in encounters:
            path = args.write_bundles / f"{gold.id}.json"
            path.write_text(json.dumps(build_bundle(gold), indent=1), encoding="utf-8")
        print(f"{len(encounters)} Bundle(s) written to {args.write_bundles}")
        return 0
    if args.show and args.split != "dev":
        parser.error("--show is for the dev split only: look at held-out in aggregate")
    if args.via == "api":
        key = os.environ.get("CLINRELAY_API_KEY")
        if not key:
            parser.error("--via api needs CLINRELAY_API_KEY")
        measure = ApiClient(args.base_url, key, args.timeout).measure
    else:
        measure = measure_stage

    total = Tally()
    by_style: dict[str, Tally] = {}
    started = time.perf_counter()
    for gold in encounters:
        got = measure(gold)
        total.add(gold, got)
        by_style.setdefault(gold.style or "?", Tally()).add(gold, got)
        if args.show:
            wanted = gold.required | gold.acceptable
            extra = sorted(got.codes - wanted)
            missed = sorted(gold.required - got.codes)
            bad = sorted(got.codes & gold.must_not)
            verdicts = [
                f"{c}:{'S' if got.verdicts.get(c) else 'N'}≠{'S' if c in gold.supported else 'N'}"
                for c in gold.billed
                if got.verdicts.get(c, False) != (c in gold.supported)
            ]
            if extra or missed or verdicts:
                print(
                    f"{gold.id:5} {gold.style:18} extra={extra} missed={missed} "
                    f"must_not={bad} verdicts={verdicts}"
                )
    elapsed = time.perf_counter() - started
    report = {"split": args.split, "via": args.via, **total.figures(), "seconds": round(elapsed, 1)}
    if args.split == "dev":
        report["by_style"] = {s: t.figures() for s, t in sorted(by_style.items())}
        report["most_wrong"] = total.wrong.most_common(12)
        report["most_missed"] = total.missed.most_common(12)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
