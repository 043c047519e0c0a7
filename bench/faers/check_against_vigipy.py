"""Cross-check clinrelay's PRR and ROR (with 95% CIs) against vigipy, an independent implementation.

Tables: the hand-worked ones of the unit tests, plus one 2×2 table per (product NDC, reaction) over
the real FAERS reports bundled with the fixture server (report-level counts, as openFDA's count
queries give them), so zero cells and small counts occur naturally. vigipy is given exactly the same
(a, a+b, a+c, N) and applies the same Haldane correction, so the numbers must agree to rounding.
vigipy's BCPNN is a different IC model (Gould's digamma approximation with other priors), so the IC
is not compared.

    .venv/bin/pip install -e '.[dev,bench]'
    .venv/bin/python bench/faers/check_against_vigipy.py
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
from vigipy import prr as vigipy_prr
from vigipy import ror as vigipy_ror
from vigipy.utils.Container import DataContainer

from clinrelay.openfda_fixture.server import bundled_reports
from services.analyzer.cer.disproportionality import (
    proportional_reporting_ratio,
    reporting_odds_ratio,
    table_from_counts,
)
from shared.events.cer import TwoByTwo

HAND_WORKED = {
    ("hand", "plain"): TwoByTwo(a=20, b=180, c=380, d=9420),
    ("hand", "zero c"): TwoByTwo(a=3, b=97, c=0, d=9900),
    ("hand", "zero b"): TwoByTwo(a=2, b=0, c=10, d=1000),
    ("hand", "null"): TwoByTwo(a=10, b=90, c=90, d=810),
}


def fixture_tables(min_product_reports: int = 5) -> dict[tuple[str, str], TwoByTwo]:
    reports = bundled_reports()
    n = len(reports)
    product_reports: Counter[str] = Counter()
    event_reports: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for report in reports:
        patient = report.get("patient") or {}
        ndcs = {
            ndc
            for drug in patient.get("drug") or []
            for ndc in (drug.get("openfda") or {}).get("product_ndc") or []
        }
        pts = {
            r["reactionmeddrapt"]
            for r in patient.get("reaction") or []
            if r.get("reactionmeddrapt")
        }
        product_reports.update(ndcs)
        event_reports.update(pts)
        pairs.update((ndc, pt) for ndc in ndcs for pt in pts)
    return {
        (ndc, pt): table_from_counts(
            product_event=a,
            product_total=product_reports[ndc],
            event_total=event_reports[pt],
            database_total=n,
        )
        for (ndc, pt), a in pairs.items()
        if product_reports[ndc] >= min_product_reports
    }


def vigipy_results(tables: dict[tuple[str, str], TwoByTwo]) -> dict[str, pd.DataFrame]:
    keys = list(tables)
    rows = pd.DataFrame(
        {
            "product_name": [f"{k[0]}|{k[1]}" for k in keys],
            "ae_name": [k[1] for k in keys],
            "events": [tables[k].a for k in keys],
            "product_aes": [tables[k].a + tables[k].b for k in keys],
            "count_across_brands": [tables[k].a + tables[k].c for k in keys],
        }
    )
    results: dict[Any, Any] = {}
    # vigipy takes one N per run: run it once per distinct N (the fixture, each hand table).
    for n in sorted({sum(t.model_dump().values()) for t in tables.values()}):
        subset = rows[[sum(tables[k].model_dump().values()) == n for k in keys]].reset_index(
            drop=True
        )
        container = DataContainer(data=subset, N=n)
        for name, method in (("prr", vigipy_prr), ("ror", vigipy_ror)):
            out = method(
                container,
                min_events=1,
                decision_metric="rank",
                decision_thres=0,
                ranking_statistic="CI",
            )
            frame = out.all_signals.set_index("Product")
            results[name] = pd.concat([results[name], frame]) if name in results else frame
    return results


def main() -> None:
    tables = {**HAND_WORKED, **fixture_tables()}
    theirs = vigipy_results(tables)
    worst = {"PRR": 0.0, "PRR CI": 0.0, "ROR": 0.0, "ROR CI": 0.0}
    zero_cells = 0
    for key, table in tables.items():
        label = f"{key[0]}|{key[1]}"
        zero_cells += min(table.model_dump().values()) == 0
        for name, ours, column in (
            ("PRR", proportional_reporting_ratio(table), "PRR"),
            ("ROR", reporting_odds_ratio(table), "ROR"),
        ):
            row = theirs[name.lower()].loc[label]
            worst[name] = max(worst[name], abs(ours.value - row[column]) / ours.value)
            for bound, their in ((ours.lower, row["CI Lower"]), (ours.upper, row["CI Upper"])):
                worst[f"{name} CI"] = max(worst[f"{name} CI"], abs(bound - their) / bound)
    print(f"tables compared: {len(tables)} ({zero_cells} with a zero cell, Haldane-corrected)")
    for name, value in worst.items():
        print(f"max relative difference {name:7s}: {value:.3e}")
    if max(worst.values()) > 1e-9:
        raise SystemExit("clinrelay and vigipy disagree beyond 1e-9")
    print("OK: clinrelay matches vigipy to 1e-9 on every table")


if __name__ == "__main__":
    main()
