"""Warnings when the disproportionality statistics have too little to stand on.

Three conditions, each with its reason printed in the report:

- a small background: fewer than ``MIN_BACKGROUND`` reports in the window (FAERS holds millions;
  a few thousand mean a narrow window or a test server);
- a product that is much of its own comparison: more than ``MAX_PRODUCT_SHARE`` of all reports
  (the "not P" row then shrinks, and PRR and ROR are pulled towards 1 and become unstable);
- mostly zero-corrected tables: more than half the tables needed the Haldane correction, so
  their ratios rest on an added 0.5 rather than on reports.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.events.cer import DisproportionalityRow, PowerAssessment

MIN_BACKGROUND = 10_000
MAX_PRODUCT_SHARE = 0.05
MAX_HALDANE_SHARE = 0.5


def assess_power(
    rows: Sequence[DisproportionalityRow], product_reports: int, database_reports: int
) -> PowerAssessment:
    """The power assessment of one report's 2×2 tables."""
    share = min(1.0, product_reports / database_reports) if database_reports else 0.0
    haldane = sum(1 for row in rows if row.haldane)
    warnings = []
    if database_reports < MIN_BACKGROUND:
        warnings.append(
            f"The background holds only {database_reports:,} reports (fewer than "
            f"{MIN_BACKGROUND:,}): the tests have little power and a few reports move every ratio."
        )
    if share > MAX_PRODUCT_SHARE:
        warnings.append(
            f"The product accounts for {share:.0%} of all reports in the window: it is a large "
            "part of its own comparison group, which pulls PRR and ROR towards 1 and makes them "
            "unstable."
        )
    if rows and haldane / len(rows) > MAX_HALDANE_SHARE:
        warnings.append(
            f"{haldane} of {len(rows)} tables had a zero cell and were Haldane-corrected (0.5 "
            "added to every cell): their ratios rest on the correction more than on reports."
        )
    return PowerAssessment(
        database_reports=database_reports,
        product_share=share,
        tables=len(rows),
        haldane_tables=haldane,
        warnings=tuple(warnings),
    )
