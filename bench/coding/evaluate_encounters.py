"""Quality of the coder on encounter notes as users send them (``bench/coding/encounters/``,
or ``--set fresh``: ``bench/coding/encounters_fresh/``, held out whole; ``--set fresh2``:
``encounters_fresh2/``, a development set since session 6; ``--set fresh3``:
``encounters_fresh3/``, held out whole in session 6, a development set since session 7;
``--set fresh4``: ``encounters_fresh4/``, held out whole since session 7).

Each encounter is built into a FHIR Bundle (``encounter_set.build_bundle``) and measured one of
three ways:

- ``--via stage`` (default): the Bundle goes through the ingestor's own ``parse_bundle`` and
  ``build_coding_case`` (real de-identification) and the analyzer's ``analyze_case``: the exact
  functions the two stages call, without the broker;
- ``--via api``: the Bundle is POSTed to ``/v1/reports`` of a running stack and the figures are
  read from ``GET /v1/reports/{id}/analysis`` (``--base-url``, key in ``CLINRELAY_API_KEY``), or
  with ``--stack`` of a stack started for the run (``bench.stack``: the five services as
  processes, a scratch database and bus namespace of its own, a key created in it);
- ``--via both``: each way in turn; the figures of both and how many encounters the API reported
  differently from the stage functions (which ones only on the dev split).

Figures, micro-averaged over encounters:

- full-code precision: reported codes that are required or acceptable / reported codes;
- recall: required codes reported / required codes;
- must-not rate: reported codes on the must-not list / reported codes;
- billed-code verdicts: billed codes judged supported / not supported as the gold says;
- upgrades (``findings.upgrade``): the ``[billed, better]`` pairs reported against those the gold
  implies by the verdict convention (``encounter_set.gold_upgrades``), precision and recall;
- exact encounters: every required code, nothing outside required ∪ acceptable.

    .venv/bin/python -m bench.coding.evaluate_encounters --split dev [--show]
    .venv/bin/python -m bench.coding.evaluate_encounters --split heldout   # aggregate only
    .venv/bin/python -m bench.coding.evaluate_encounters --set fresh        # held out whole
    .venv/bin/python -m bench.coding.evaluate_encounters --set fresh --via api --stack
    .venv/bin/python -m bench.coding.evaluate_encounters --set fresh2 --show   # released to dev
    .venv/bin/python -m bench.coding.evaluate_encounters --set fresh3 --show   # released to dev
    .venv/bin/python -m bench.coding.evaluate_encounters --set fresh4          # held out whole
    .venv/bin/python -m bench.coding.evaluate_encounters --write-bundles DIR

``--show`` (per-encounter misses) is refused for the held-out split and the sets held out whole
(fresh, fresh4): look at them in aggregate. Per encounter it prints the codes reported outside
the gold (``extra``), the required codes missed, the must-not codes reported, each wrong verdict as
``billed:got≠gold`` (S supported, N not supported), and the upgrade pairs the gold owes but the
report lacks (``upgrades_missed``) or reports without the gold's warrant (``upgrades_wrong``).
``--breakdown`` adds the figures per note style and per encounter class (aggregates, no codes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.coding.encounter_set import (
    SETS,
    WHOLLY_HELD_OUT,
    GoldEncounter,
    build_bundle,
    gold_upgrades,
    load_set,
)


@dataclass(frozen=True)
class Measured:
    """What the pipeline reported for one encounter."""

    codes: frozenset[str]
    verdicts: dict[str, bool]  # billed code → judged supported
    upgrades: frozenset[tuple[str, str]] = frozenset()  # findings.upgrade: (billed, better)


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
    upgrades_gold: int = 0
    upgrades_reported: int = 0
    upgrades_right: int = 0
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
        upgrades = gold_upgrades(gold)
        self.upgrades_gold += len(upgrades)
        self.upgrades_reported += len(got.upgrades)
        self.upgrades_right += len(got.upgrades & upgrades)
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
            "upgrades": self.upgrades_gold,
            "upgrade_precision": ratio(self.upgrades_right, self.upgrades_reported),
            "upgrade_recall": ratio(self.upgrades_right, self.upgrades_gold),
            "exact_encounters": self.exact,
        }


def measure_stage(gold: GoldEncounter) -> Measured:
    """Through the functions the ingestor and analyzer stages call (no broker)."""
    from services.analyzer.coding import CodingConfig, analyze_case
    from services.ingestor.coding.case import build_coding_case
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
    upgrades = frozenset(
        (u.billed_code, u.suggested.code)
        for e in analysis.encounters
        for u in e.comparison.specificity_upgrades
    )
    return Measured(codes, verdicts, upgrades)


class ApiClient:
    """POST every Bundle, then wait for each report and read its analysis."""

    def __init__(self, base_url: str, api_key: str, timeout_s: float) -> None:
        self.client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
        )
        self.timeout_s = timeout_s
        # one key per encounter and run: a rerun against the same stack is a new report,
        # never the replay of an earlier run's
        self.run = uuid.uuid4().hex[:12]

    def measure_all(self, encounters: list[GoldEncounter]) -> list[Measured]:
        report_ids = [self.submit(gold) for gold in encounters]
        deadline = time.monotonic() + self.timeout_s * max(1, len(encounters))
        return [self.collect(report_id, deadline) for report_id in report_ids]

    def submit(self, gold: GoldEncounter) -> str:
        answer = self.client.post(
            "/v1/reports",
            content=json.dumps(build_bundle(gold)),
            headers={
                "Content-Type": "application/fhir+json",
                "Idempotency-Key": f"{self.run}-{gold.id}",
            },
        )
        answer.raise_for_status()
        return str(answer.json()["id"])

    def collect(self, report_id: str, deadline: float) -> Measured:
        while True:
            status = self.client.get(f"/v1/reports/{report_id}").json()["status"]
            if status == "COMPLETE":
                break
            if status == "FAILED" or time.monotonic() > deadline:
                raise RuntimeError(f"report {report_id} ended {status}")
            time.sleep(0.5)
        analysis = self.client.get(f"/v1/reports/{report_id}/analysis")
        analysis.raise_for_status()
        body = analysis.json()
        return Measured(
            frozenset(c["code"] for c in body["codes"]),
            {v["code"]: v["verdict"] == "supported" for v in body["verdicts"]},
            frozenset((b, u) for b, u in body["findings"]["upgrade"]),
        )


async def _on_private_stack(encounters: list[GoldEncounter], timeout_s: float) -> list[Measured]:
    """Start the five services on a scratch database and bus namespace, create a key, measure
    through the API, stop."""
    from bench.gateway import gateway_key
    from bench.stack import running_stack

    # the services' output goes to stderr: stdout is the figures' JSON
    with contextlib.redirect_stdout(sys.stderr):
        async with running_stack({}, ready_timeout_s=300) as stack:
            key = await gateway_key(stack.dsn)
            client = ApiClient(stack.base_url, key, timeout_s)
            return await asyncio.to_thread(client.measure_all, encounters)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="set_name", choices=sorted(SETS), default="main")
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default=None)
    parser.add_argument("--via", choices=("stage", "api", "both"), default="stage")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--stack", action="store_true", help="api: start a private stack")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per report (api)")
    parser.add_argument("--show", action="store_true", help="per-encounter misses (dev only)")
    parser.add_argument("--breakdown", action="store_true", help="figures per style and class")
    parser.add_argument("--write-bundles", type=Path, help="write each Bundle as JSON and stop")
    args = parser.parse_args(argv)

    held_out_whole = args.set_name in WHOLLY_HELD_OUT
    split = args.split or ("heldout" if held_out_whole else "dev")
    encounters = load_set(args.set_name, split)
    if not encounters:
        parser.error(f"set {args.set_name!r} has no {split} encounters")
    if args.write_bundles:
        args.write_bundles.mkdir(parents=True, exist_ok=True)
        for gold in encounters:
            path = args.write_bundles / f"{gold.id}.json"
            path.write_text(json.dumps(build_bundle(gold), indent=1), encoding="utf-8")
        print(f"{len(encounters)} Bundle(s) written to {args.write_bundles}")
        return 0
    looked_at_per_item = split == "dev" and not held_out_whole
    if args.show and not looked_at_per_item:
        parser.error("--show is for dev splits only: look at held-out in aggregate")

    if args.via != "stage" and not args.stack and not os.environ.get("CLINRELAY_API_KEY"):
        parser.error("--via api/both needs CLINRELAY_API_KEY (or --stack)")
    report: dict[str, object] = {"set": args.set_name, "split": split, "via": args.via}
    runs: dict[str, list[Measured]] = {}
    for via in ("stage", "api") if args.via == "both" else (args.via,):
        started = time.perf_counter()
        runs[via] = _measure(via, args, encounters)
        seconds = round(time.perf_counter() - started, 1)
        figures = _figures(encounters, runs[via], args.breakdown, dev=looked_at_per_item)
        if args.via == "both":
            report[via] = {**figures, "seconds": seconds}
        else:
            report.update(figures, seconds=seconds)
        if args.show:
            for gold, got in zip(encounters, runs[via], strict=True):
                _show(gold, got)
    if args.via == "both":
        differ = [
            g.id for g, s, a in zip(encounters, runs["stage"], runs["api"], strict=True) if s != a
        ]
        report["api_differs_from_stage"] = differ if looked_at_per_item else len(differ)
    print(json.dumps(report, indent=1))
    return 0


def _figures(
    encounters: list[GoldEncounter], results: list[Measured], breakdown: bool, *, dev: bool
) -> dict[str, object]:
    """Aggregate figures; per style and class with ``breakdown`` or on dev, where the codes most
    often wrong and missed are shown too."""
    total = Tally()
    by_style: dict[str, Tally] = {}
    by_class: dict[str, Tally] = {}
    for gold, got in zip(encounters, results, strict=True):
        total.add(gold, got)
        by_style.setdefault(gold.style or "?", Tally()).add(gold, got)
        by_class.setdefault(gold.encounter_class, Tally()).add(gold, got)
    figures: dict[str, object] = dict(total.figures())
    if breakdown or dev:
        figures["by_style"] = {s: t.figures() for s, t in sorted(by_style.items())}
        figures["by_class"] = {c: t.figures() for c, t in sorted(by_class.items())}
    if dev:
        figures["most_wrong"] = total.wrong.most_common(12)
        figures["most_missed"] = total.missed.most_common(12)
    return figures


def _measure(via: str, args: argparse.Namespace, encounters: list[GoldEncounter]) -> list[Measured]:
    if via == "api" and args.stack:
        return asyncio.run(_on_private_stack(encounters, args.timeout))
    if via == "api":
        client = ApiClient(args.base_url, os.environ["CLINRELAY_API_KEY"], args.timeout)
        return client.measure_all(encounters)
    return [measure_stage(gold) for gold in encounters]


def _show(gold: GoldEncounter, got: Measured) -> None:
    wanted = gold.required | gold.acceptable
    extra = sorted(got.codes - wanted)
    missed = sorted(gold.required - got.codes)
    bad = sorted(got.codes & gold.must_not)
    verdicts = [
        f"{c}:{'S' if got.verdicts.get(c) else 'N'}≠{'S' if c in gold.supported else 'N'}"
        for c in gold.billed
        if got.verdicts.get(c, False) != (c in gold.supported)
    ]
    owed = gold_upgrades(gold)
    upgrades_missed = sorted(owed - got.upgrades)
    upgrades_wrong = sorted(got.upgrades - owed)
    if extra or missed or verdicts or upgrades_missed or upgrades_wrong:
        print(
            f"{gold.id:5} {gold.style:18} extra={extra} missed={missed} "
            f"must_not={bad} verdicts={verdicts} "
            f"upgrades_missed={upgrades_missed} upgrades_wrong={upgrades_wrong}"
        )


if __name__ == "__main__":
    sys.exit(main())
