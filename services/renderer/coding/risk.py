"""The risk-adjustment section of the coding report: CMS-HCC RAF as estimates.

Every figure here comes from the analyzer's :class:`RiskAdjustmentEstimate`; the renderer only
lays out the scores, the HCCs behind them and every input, so a reader can redo the estimate by
hand, and labels each money figure an estimate. A claim review shows the claim as billed, as
the notes support it and as corrected, with the revenue gained, the revenue at risk and their
net on separate lines; a documentation review (nothing billed) shows what the documented codes
capture, and says that nothing was billed to compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.renderer.templating import format_money, format_signed
from shared.events.coding import (
    DataCollectionWindow,
    RafScore,
    RevenueReview,
    RiskAdjustmentEstimate,
)


@dataclass(frozen=True)
class HccRow:
    hcc: str
    label: str
    coefficient: str
    codes: str
    status: str
    """``added`` (corrected claim only), ``at risk`` (billed on unsupported codes) or empty."""


@dataclass(frozen=True)
class ScoreRow:
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class RevenueRow:
    label: str
    detail: str
    amount: str


@dataclass(frozen=True)
class RiskView:
    headline: str
    """One or two sentences: the RAF and the money, each marked estimate."""
    documentation_review: bool
    columns: tuple[str, ...]
    revenue: tuple[RevenueRow, ...]
    net: str
    gained: str
    at_risk: str
    hccs: tuple[HccRow, ...]
    scores: tuple[ScoreRow, ...]
    codes: tuple[str, ...]
    """The diagnosis codes counted, one entry per column."""
    inputs: tuple[tuple[str, str], ...]
    formula: str
    caveats: tuple[str, ...]


def build_risk_view(
    estimate: RiskAdjustmentEstimate, window: DataCollectionWindow | None = None
) -> RiskView:
    """What the risk-adjustment section prints for ``estimate``."""
    documentation = estimate.review is RevenueReview.DOCUMENTATION
    runs = (estimate.before, estimate.after) if documentation else _claim_runs(estimate)
    currency = estimate.inputs.currency
    return RiskView(
        headline=_headline(estimate),
        documentation_review=documentation,
        columns=(
            ("Demographics only", "With the documented codes")
            if documentation
            else ("Billed", "Supported by the notes", "Corrected claim")
        ),
        revenue=() if documentation else _revenue_rows(estimate),
        net=money(estimate.annual_revenue_delta, currency, signed=True),
        gained=money(estimate.revenue_gained, currency, signed=True),
        at_risk=money(-estimate.revenue_at_risk, currency, signed=True),
        hccs=_hcc_rows(estimate),
        scores=_score_rows(runs),
        codes=tuple(", ".join(run.diagnosis_codes) or "none" for run in runs),
        inputs=_inputs(estimate, window),
        formula=estimate.formula,
        caveats=estimate.caveats,
    )


def money(amount: float, currency: str, *, signed: bool = False) -> str:
    """``$6,960`` for USD (``−$120`` when negative, ``+$6,960`` when ``signed``),
    ``6,960 EUR`` for other currencies."""
    plus = "+" if signed and round(amount) > 0 else ""
    if currency.upper() == "USD":
        return plus + format_money(amount)
    sign = "−" if round(amount) < 0 else plus
    return f"{sign}{abs(amount):,.0f} {currency}"


def _claim_runs(estimate: RiskAdjustmentEstimate) -> tuple[RafScore, ...]:
    return (estimate.before, estimate.supported, estimate.after)


def _headline(estimate: RiskAdjustmentEstimate) -> str:
    inputs = estimate.inputs
    currency = inputs.currency
    if estimate.review is RevenueReview.DOCUMENTATION:
        hccs = ", ".join(estimate.added_hccs) or "no payment HCC"
        return (
            "Nothing was billed to compare. The documented codes capture "
            f"{hccs} of {inputs.model}: an estimated payment RAF of "
            f"{estimate.after.payment_score:.3f} against {estimate.before.payment_score:.3f} for "
            f"the demographics alone, worth an estimated "
            f"{money(estimate.revenue_gained, currency)} per year at the assumed base rate."
        )
    return (
        f"Corrected as the notes support, the estimated {inputs.model} payment RAF moves from "
        f"{estimate.before.payment_score:.3f} (billed) to {estimate.after.payment_score:.3f} "
        f"({format_signed(estimate.delta_payment_score)}): an estimated "
        f"{money(estimate.revenue_gained, currency)} per year gained from documented codes, "
        f"{money(estimate.revenue_at_risk, currency)} at risk from billed codes the notes do "
        f"not support, net {money(estimate.annual_revenue_delta, currency, signed=True)} at the "
        "assumed base rate."
    )


def _revenue_rows(estimate: RiskAdjustmentEstimate) -> tuple[RevenueRow, ...]:
    currency = estimate.inputs.currency
    return (
        RevenueRow(
            "Revenue gained (estimate)",
            "documented codes added and upgrades applied"
            + (f" ({', '.join(estimate.added_hccs)})" if estimate.added_hccs else ""),
            money(estimate.revenue_gained, currency, signed=True),
        ),
        RevenueRow(
            "Revenue at risk (estimate)",
            "billed HCC codes the notes do not support"
            + (f" ({', '.join(estimate.at_risk_hccs)})" if estimate.at_risk_hccs else ""),
            money(-estimate.revenue_at_risk, currency, signed=True),
        ),
        RevenueRow(
            "Net (estimate)",
            "corrected claim against the claim as billed",
            money(estimate.annual_revenue_delta, currency, signed=True),
        ),
    )


def _hcc_rows(estimate: RiskAdjustmentEstimate) -> tuple[HccRow, ...]:
    at_risk = set(estimate.at_risk_hccs)
    added = set(estimate.added_hccs)
    rows: dict[str, HccRow] = {}
    for run in (estimate.after, estimate.before):
        for h in run.hccs:
            if h.hcc in rows:
                continue
            status = "at risk" if h.hcc in at_risk else "added" if h.hcc in added else ""
            rows[h.hcc] = HccRow(
                hcc=h.hcc,
                label=h.label or "–",
                coefficient=f"{h.coefficient:.3f}",
                codes=", ".join(h.diagnosis_codes),
                status=status,
            )
    return tuple(sorted(rows.values(), key=lambda r: int(r.hcc[3:])))


def _score_rows(runs: tuple[RafScore, ...]) -> tuple[ScoreRow, ...]:
    rows = [
        ScoreRow("Demographic factors", tuple(f"{r.demographic_score:.3f}" for r in runs)),
        ScoreRow("Disease HCCs", tuple(f"{r.disease_score:.3f}" for r in runs)),
    ]
    for name in sorted({n for r in runs for n in r.interactions}):
        rows.append(
            ScoreRow(
                f"Interaction {name}", tuple(f"{r.interactions.get(name, 0.0):.3f}" for r in runs)
            )
        )
    rows += [
        ScoreRow("Raw RAF", tuple(f"{r.raw_score:.3f}" for r in runs)),
        ScoreRow("Payment RAF (estimate)", tuple(f"{r.payment_score:.3f}" for r in runs)),
    ]
    return tuple(rows)


def _inputs(
    estimate: RiskAdjustmentEstimate, window: DataCollectionWindow | None
) -> tuple[tuple[str, str], ...]:
    inputs = estimate.inputs
    rows = [
        ("Model", f"{inputs.model}, payment year {inputs.payment_year}"),
        ("Beneficiary", f"age {inputs.age_years} ({inputs.age_basis}), sex {inputs.sex}"),
    ]
    if window is not None:
        rows.append(("Dates of service counted", _window(window)))
    rows += [
        ("Dual status code", inputs.dual_eligibility_code),
        ("Original entitlement (assumed)", inputs.original_entitlement_code),
        (
            "Normalization factor",
            f"{inputs.normalization_factor:.3f} ({inputs.normalization_source})",
        ),
        ("MA coding-intensity adjustment", f"{inputs.coding_intensity_adjustment:.1%}"),
        (
            "Monthly base rate (assumed)",
            f"{money(inputs.monthly_base_rate, inputs.currency)} × {inputs.months} months",
        ),
        ("Engine", inputs.engine),
    ]
    return tuple(rows)


def _window(window: DataCollectionWindow) -> str:
    text = f"{window.data_collection_year} (the data-collection year)"
    if window.counted:
        text += f": encounters {', '.join(window.counted)} counted"
    else:
        text += ": no encounter falls in it, so no diagnosis code is counted"
    if window.outside:
        outside = ", ".join(f"{e.encounter_id} ({e.service_year})" for e in window.outside)
        text += f"; left out, dated outside it: {outside}"
    return text
