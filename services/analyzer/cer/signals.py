"""Disproportionality rows for every reaction of a product, and their signal flags.

The 2×2 tables come from openFDA count queries (not from the downloaded reports, which may be
capped): reports of the product listing the reaction (a), all reports of the product (a + b), all
reports listing the reaction (a + c) and all reports (N), within one receive-date window. Spelling
variants are folded first, summing their counts; a report that spells one reaction two ways would
then count twice, which is rare and errs towards the reaction's own frequency.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from services.analyzer.cer.disproportionality import (
    chi_square_yates,
    expected_count,
    information_component,
    needs_haldane,
    proportional_reporting_ratio,
    reporting_odds_ratio,
    table_from_counts,
)
from services.analyzer.cer.presets import meets_preset, presets_met
from services.analyzer.cer.product_side import ProductSide
from services.analyzer.cer.terms import fold_term
from shared.events.cer import (
    DisproportionalityCounts,
    DisproportionalityRow,
    SignalPreset,
    TermCount,
    TwoByTwo,
)


def disproportionality_row(pt: str, table: TwoByTwo, preset: SignalPreset) -> DisproportionalityRow:
    """Every statistic of one 2×2 table, with the presets it meets and the chosen one's verdict."""
    row = DisproportionalityRow(
        pt=pt,
        table=table,
        haldane=needs_haldane(table),
        expected=expected_count(table),
        prr=proportional_reporting_ratio(table),
        ror=reporting_odds_ratio(table),
        chi_square_yates=chi_square_yates(table),
        ic=information_component(table),
    )
    return row.model_copy(
        update={"presets_met": presets_met(row), "signal": meets_preset(row, preset)}
    )


def _folded_counts(rows: Iterable[TermCount]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for row in rows:
        counts[fold_term(row.term)] += row.count
    return counts


@dataclass(frozen=True)
class SignalTable:
    rows: tuple[DisproportionalityRow, ...]
    notices: tuple[str, ...]


def signal_table(
    counts: DisproportionalityCounts,
    preset: SignalPreset,
    product_side: ProductSide | None = None,
) -> SignalTable:
    """One row per folded reaction of the product with a database total; signals first, then by
    the lower bound of the ROR (strongest evidence of disproportion first).

    ``product_side`` gives a and a + b (see :mod:`~services.analyzer.cer.product_side`); by
    default they are openFDA's count-query figures.
    """
    side = product_side or ProductSide.from_counts(counts)
    product = side.event_counts
    database = _folded_counts(counts.database_event_counts)
    missing = {fold_term(term) for term in counts.terms_without_background}
    rows: list[DisproportionalityRow] = []
    inconsistent: list[str] = []
    for key, a in sorted(product.items()):
        if key not in database or key in missing or a == 0:
            continue
        pt = side.display.get(key, key)
        try:
            table = table_from_counts(
                product_event=a,
                product_total=side.product_reports,
                event_total=database[key],
                database_total=counts.database_reports,
            )
        except ValueError:
            inconsistent.append(pt)
            continue
        rows.append(disproportionality_row(pt, table, preset))
    rows.sort(key=lambda r: (not r.signal, -r.ror.lower, r.pt.lower()))
    notices = []
    if inconsistent:
        notices.append(
            "No 2×2 table for "
            + ", ".join(sorted(inconsistent))
            + ": openFDA's counts for them were inconsistent (a cell would be negative)."
        )
    without = sorted(side.display.get(k, k) for k in product if k not in database or k in missing)
    if without:
        notices.append(
            f"{len(without)} reaction(s) have no disproportionality statistics because their "
            "database-wide count was not fetched (fewer than 3 reports with the product, which "
            "cannot meet any preset, or the per-term query cap was reached)."
        )
    return SignalTable(rows=tuple(rows), notices=tuple(notices))
