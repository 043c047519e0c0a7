"""Disproportionality statistics over one 2×2 table of report counts.

For a product P and a reaction E::

                    E        not E
        P           a          b          a + b = reports listing P
        not P       c          d
                  a + c                   N = a + b + c + d

- PRR = [a/(a+b)] / [c/(c+d)], 95% CI exp(ln PRR ± z·√(1/a − 1/(a+b) + 1/c − 1/(c+d)))
  (Evans, Waller & Davis 2001).
- ROR = (a·d)/(b·c), 95% CI exp(ln ROR ± z·√(1/a + 1/b + 1/c + 1/d)) (van Puijenbroek 2002).
- z = Φ⁻¹(0.975) = 1.959964 (:data:`~shared.events.openfda.Z_95`; docs/cer.md prints the same).
- χ² with Yates' continuity correction, N·max(0, |ad − bc| − N/2)² / [(a+b)(c+d)(a+c)(b+d)],
  on the raw counts.
- IC = log2((a + ½)/(E + ½)) with E = (a+b)(a+c)/N, and its 95% credibility interval by the
  closed-form approximation of Norén, Hopstadius & Bate (2013, Stat Methods Med Res 22:57):
  IC025 = IC − 3.3·(a+½)^−½ − 2·(a+½)^−3/2, IC975 = IC + 2.4·(a+½)^−½ − 0.5·(a+½)^−3/2.

A zero cell makes PRR or ROR (or their standard errors) undefined; then 0.5 is added to every cell
before PRR and ROR are computed (Haldane–Anscombe correction) and the row says so. The IC needs no
correction: its ½ terms are the shrinkage. FAERS has no exposure denominator: none of these numbers
is a rate, they compare how often an event is *reported* with the product and without it.
"""

from __future__ import annotations

import math
from typing import Final

from shared.events.cer import Z_95, InformationComponent, RatioEstimate, TwoByTwo

HALDANE: Final = 0.5


def needs_haldane(table: TwoByTwo) -> bool:
    """True when a zero cell makes PRR, ROR or their variances undefined."""
    return min(table.a, table.b, table.c, table.d) == 0


def _cells(table: TwoByTwo) -> tuple[float, float, float, float]:
    shift = HALDANE if needs_haldane(table) else 0.0
    return table.a + shift, table.b + shift, table.c + shift, table.d + shift


def _log_normal_interval(log_value: float, standard_error: float) -> RatioEstimate:
    return RatioEstimate(
        value=math.exp(log_value),
        lower=math.exp(log_value - Z_95 * standard_error),
        upper=math.exp(log_value + Z_95 * standard_error),
    )


def proportional_reporting_ratio(table: TwoByTwo) -> RatioEstimate:
    """PRR with its 95% CI; Haldane-corrected when a cell is zero."""
    a, b, c, d = _cells(table)
    log_prr = math.log(a / (a + b)) - math.log(c / (c + d))
    standard_error = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    return _log_normal_interval(log_prr, standard_error)


def reporting_odds_ratio(table: TwoByTwo) -> RatioEstimate:
    """ROR with its 95% CI; Haldane-corrected when a cell is zero."""
    a, b, c, d = _cells(table)
    log_ror = math.log(a) + math.log(d) - math.log(b) - math.log(c)
    standard_error = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return _log_normal_interval(log_ror, standard_error)


def chi_square_yates(table: TwoByTwo) -> float:
    """Pearson's χ² with Yates' continuity correction (1 d.f.) on the raw counts.

    An empty margin (every report lists the product, say) leaves no contrast: the statistic is 0.
    """
    a, b, c, d = table.a, table.b, table.c, table.d
    n = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        return 0.0
    corrected = max(0.0, abs(a * d - b * c) - n / 2)
    return n * corrected * corrected / margins


def expected_count(table: TwoByTwo) -> float:
    """Reports expected to list both product and reaction if they were independent."""
    n = table.a + table.b + table.c + table.d
    if n == 0:
        return 0.0
    return (table.a + table.b) * (table.a + table.c) / n


def information_component(table: TwoByTwo) -> InformationComponent:
    """The shrunk observed-to-expected ratio on a log2 scale, with its 95% credibility interval."""
    observed = table.a + 0.5
    value = math.log2(observed / (expected_count(table) + 0.5))
    return InformationComponent(
        value=value,
        ic025=value - 3.3 * observed**-0.5 - 2.0 * observed**-1.5,
        ic975=value + 2.4 * observed**-0.5 - 0.5 * observed**-1.5,
    )


def table_from_counts(
    *, product_event: int, product_total: int, event_total: int, database_total: int
) -> TwoByTwo:
    """The 2×2 table from the four count-query numbers (a, a+b, a+c, N).

    Raises ValueError when the counts cannot come from one database (a cell would be negative),
    which would mean the queries disagree about their window or their matching.
    """
    a = product_event
    b = product_total - product_event
    c = event_total - product_event
    d = database_total - product_total - event_total + product_event
    if min(a, b, c, d) < 0:
        raise ValueError(
            f"inconsistent counts: a={a}, a+b={product_total}, a+c={event_total}, "
            f"N={database_total} give a negative cell"
        )
    return TwoByTwo(a=a, b=b, c=c, d=d)
