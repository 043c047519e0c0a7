"""The product's side of the 2×2 tables (a and a + b), for the roles the report counts.

openFDA's count queries cannot ask for "reports where *this* drug entry is suspect": a condition
on ``drugcharacterization`` applies to any drug of the report. So:

- when every matching report was downloaded, a and a + b are counted from the verified reports
  with a selected role (exact);
- when the download was capped and every role counts, openFDA's count queries give them;
- when the download was capped and only some roles count, the count queries' figures are scaled
  by the share of the downloaded reports (of that reaction, else overall) with a selected role,
  and the report says they are estimates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from services.analyzer.cer.aggregate import folded_keys
from services.analyzer.cer.terms import fold_term, fold_terms
from shared.events.cer import DisproportionalityCounts
from shared.events.faers_case import DrugRole, FaersCase

Source = Literal["cases", "count_queries", "estimated"]


@dataclass(frozen=True)
class ProductSide:
    product_reports: int
    """a + b"""
    event_counts: dict[str, int]
    """a, per folded term key"""
    display: dict[str, str]
    """The spelling to print, per folded term key"""
    source: Source

    @classmethod
    def from_counts(cls, counts: DisproportionalityCounts) -> ProductSide:
        """Straight from openFDA's count queries (every role)."""
        summed: Counter[str] = Counter()
        for row in counts.product_event_counts:
            summed[fold_term(row.term)] += row.count
        folded = fold_terms({row.term: row.count for row in counts.product_event_counts})
        return cls(
            product_reports=counts.product_reports,
            event_counts=dict(summed),
            display={key: term.display for key, term in folded.items()},
            source="count_queries",
        )


def _report_counts(cases: Sequence[FaersCase], key_of: dict[str, str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for case in cases:
        counts.update({key_of[r.pt.strip()] for r in case.reactions})
    return counts


def product_side(
    counts: DisproportionalityCounts,
    verified: Sequence[FaersCase],
    analysed: Sequence[FaersCase],
    *,
    truncated: bool,
    roles: Sequence[DrugRole],
) -> ProductSide:
    """a and a + b for the selected ``roles`` (see the module docstring for the three cases)."""
    folded, key_of = folded_keys(verified)
    display = {key: term.display for key, term in folded.items()}
    if not truncated:
        return ProductSide(len(analysed), dict(_report_counts(analysed, key_of)), display, "cases")
    from_queries = ProductSide.from_counts(counts)
    if set(roles) >= set(DrugRole) or len(analysed) == len(verified):
        return from_queries
    all_roles = _report_counts(verified, key_of)
    selected = _report_counts(analysed, key_of)
    overall = len(analysed) / len(verified) if verified else 0.0
    estimated = {
        key: round(a * (selected[key] / all_roles[key] if all_roles[key] else overall))
        for key, a in from_queries.event_counts.items()
    }
    return ProductSide(
        product_reports=round(counts.product_reports * overall),
        event_counts={key: a for key, a in estimated.items() if a > 0},
        display={**from_queries.display, **display},
        source="estimated",
    )
