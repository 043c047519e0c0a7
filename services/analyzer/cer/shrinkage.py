"""EBGM for a product's reactions: the MGPS prior fitted on the background, applied to each row.

The cells the prior is fitted on are the (product, reaction) counts of the database's most
reported products (``CerDataset.background``), each with its expected count E = nᵢ·nⱼ / N from the
product's reports nᵢ, the reaction's database total nⱼ and the window's N — the same E as the
2×2 tables' ``expected``. A product whose reaction list openFDA cut at 1,000 contributes only
counts above the smallest one listed (its N* is that count + 1), so the truncated likelihood stays
exact. Without a background the prior is fitted on the product's own reactions, and the report
says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.analyzer.cer.ebgm import CountCell, PriorFitError, eb_scores, fit_prior
from shared.events.cer import (
    DisproportionalityCounts,
    DisproportionalityRow,
    EbgmBackground,
    EbgmEstimate,
    EbgmPrior,
)

MIN_CELLS = 20
"""Fewer cells than this cannot pin down five parameters."""


@dataclass(frozen=True)
class Shrinkage:
    prior: EbgmPrior | None
    rows: tuple[DisproportionalityRow, ...]
    notices: tuple[str, ...]


def background_cells(
    background: EbgmBackground, counts: DisproportionalityCounts
) -> list[CountCell]:
    """The (N, E, N*) cells of the background products."""
    total = counts.database_reports
    margins = counts.database_event_counts
    cells: list[CountCell] = []
    if total <= 0:
        return cells
    for product in background.products:
        if not product.event_counts or product.reports <= 0:
            continue
        truncation = 1 if product.complete else min(product.event_counts) + 1
        for index, n in zip(product.event_indexes, product.event_counts, strict=True):
            if n < truncation or not 0 <= index < len(margins):
                continue
            expected = product.reports * margins[index].count / total
            if expected > 0:
                cells.append(CountCell(n=n, expected=expected, truncation=truncation))
    return cells


def _product_cells(rows: Sequence[DisproportionalityRow]) -> list[CountCell]:
    return [CountCell(row.table.a, row.expected) for row in rows if row.table.a > 0]


def apply_ebgm(
    rows: Sequence[DisproportionalityRow],
    background: EbgmBackground | None,
    counts: DisproportionalityCounts,
) -> Shrinkage:
    """Fit the prior (background first, else the product's own rows) and add EBGM, EB05 and EB95
    to every row; without enough cells the rows are returned unchanged with a notice."""
    cells = background_cells(background, counts) if background else []
    fitted_on: str = "background"
    notices: list[str] = []
    if len(cells) < MIN_CELLS:
        cells = _product_cells(rows)
        fitted_on = "product"
        if background is None:
            notices.append(
                "No background counts were fetched, so the EBGM prior was fitted on this "
                "product's own reactions: EBGM then measures a reaction against the product's "
                "other reactions rather than against the whole database."
            )
    if len(cells) < MIN_CELLS:
        notices.append(
            f"EBGM was not computed: {len(cells)} (product, reaction) counts are too few to fit "
            f"the gamma-mixture prior (at least {MIN_CELLS} are needed)."
        )
        return Shrinkage(None, tuple(rows), tuple(notices))
    try:
        fit = fit_prior(cells, min_cells=MIN_CELLS)
    except PriorFitError as exc:
        notices.append(f"EBGM was not computed: the prior could not be fitted ({exc}).")
        return Shrinkage(None, tuple(rows), tuple(notices))
    prior = fit.prior
    scored = []
    for row in rows:
        scores = eb_scores(prior, row.table.a, row.expected) if row.expected > 0 else None
        estimate = (
            EbgmEstimate(ebgm=scores.ebgm, eb05=scores.eb05, eb95=scores.eb95) if scores else None
        )
        scored.append(row.model_copy(update={"ebgm": estimate}))
    return Shrinkage(
        EbgmPrior(
            alpha1=prior.alpha1,
            beta1=prior.beta1,
            alpha2=prior.alpha2,
            beta2=prior.beta2,
            p=prior.p,
            fitted_on="background" if fitted_on == "background" else "product",
            cells=fit.cells,
            converged=fit.converged,
        ),
        tuple(scored),
        tuple(notices),
    )
