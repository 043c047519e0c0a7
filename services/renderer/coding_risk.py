"""The risk-adjustment section of the coding report: CMS-HCC RAF before and after, as estimates.

Every figure here comes from the analyzer's :class:`RiskAdjustmentEstimate`; the renderer only
lays out the scores, the HCCs behind them and every input, so a reader can redo the estimate by
hand, and labels each money figure an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.renderer.templating import format_money, format_signed
from shared.events.coding import RafScore, RiskAdjustmentEstimate


@dataclass(frozen=True)
class HccRow:
    hcc: str
    label: str
    coefficient: str
    codes: str
    added: bool


@dataclass(frozen=True)
class ScoreRow:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RiskView:
    headline: str
    """One sentence: RAF before → after and the annual revenue difference, marked estimate."""
    before: str
    after: str
    delta: str
    revenue_delta: str
    hccs: tuple[HccRow, ...]
    scores: tuple[ScoreRow, ...]
    codes_before: str
    codes_after: str
    inputs: tuple[tuple[str, str], ...]
    formula: str
    caveats: tuple[str, ...]


def build_risk_view(estimate: RiskAdjustmentEstimate) -> RiskView:
    """What the risk-adjustment section prints for ``estimate``."""
    inputs = estimate.inputs
    revenue = money(estimate.annual_revenue_delta, inputs.currency)
    return RiskView(
        headline=(
            f"If the documented codes are confirmed, the estimated {inputs.model} payment RAF "
            f"moves from {estimate.before.payment_score:.3f} to "
            f"{estimate.after.payment_score:.3f} ({format_signed(estimate.delta_payment_score)}), "
            f"an estimated {revenue} per year at the assumed base rate."
        ),
        before=f"{estimate.before.payment_score:.3f}",
        after=f"{estimate.after.payment_score:.3f}",
        delta=format_signed(estimate.delta_payment_score),
        revenue_delta=revenue,
        hccs=_hcc_rows(estimate),
        scores=_score_rows(estimate.before, estimate.after),
        codes_before=", ".join(estimate.before.diagnosis_codes) or "none",
        codes_after=", ".join(estimate.after.diagnosis_codes) or "none",
        inputs=_inputs(estimate),
        formula=estimate.formula,
        caveats=estimate.caveats,
    )


def money(amount: float, currency: str) -> str:
    """``$6,960`` for USD (``−$120`` when negative), ``6,960 EUR`` for other currencies."""
    if currency.upper() == "USD":
        return format_money(amount)
    sign = "−" if amount < 0 else ""
    return f"{sign}{abs(amount):,.0f} {currency}"


def _hcc_rows(estimate: RiskAdjustmentEstimate) -> tuple[HccRow, ...]:
    before = {h.hcc for h in estimate.before.hccs}
    added = set(estimate.added_hccs)
    return tuple(
        HccRow(
            hcc=h.hcc,
            label=h.label or "–",
            coefficient=f"{h.coefficient:.3f}",
            codes=", ".join(h.diagnosis_codes),
            added=h.hcc in added or h.hcc not in before,
        )
        for h in estimate.after.hccs
    )


def _score_rows(before: RafScore, after: RafScore) -> tuple[ScoreRow, ...]:
    rows = [
        ScoreRow(
            "Demographic factors",
            f"{before.demographic_score:.3f}",
            f"{after.demographic_score:.3f}",
        ),
        ScoreRow("Disease HCCs", f"{before.disease_score:.3f}", f"{after.disease_score:.3f}"),
    ]
    for name in sorted(set(before.interactions) | set(after.interactions)):
        rows.append(
            ScoreRow(
                f"Interaction {name}",
                f"{before.interactions.get(name, 0.0):.3f}",
                f"{after.interactions.get(name, 0.0):.3f}",
            )
        )
    rows += [
        ScoreRow("Raw RAF", f"{before.raw_score:.3f}", f"{after.raw_score:.3f}"),
        ScoreRow(
            "Payment RAF (estimate)", f"{before.payment_score:.3f}", f"{after.payment_score:.3f}"
        ),
    ]
    return tuple(rows)


def _inputs(estimate: RiskAdjustmentEstimate) -> tuple[tuple[str, str], ...]:
    inputs = estimate.inputs
    return (
        ("Model", f"{inputs.model}, payment year {inputs.payment_year}"),
        ("Beneficiary", f"age {inputs.age_years}, sex {inputs.sex}"),
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
    )
