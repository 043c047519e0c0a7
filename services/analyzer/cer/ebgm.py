"""The multi-item gamma-Poisson shrinker (MGPS) of DuMouchel (1999): EBGM, EB05 and EB95.

Every (product, reaction) cell has an observed count N and an expected count E under
independence. N ~ Poisson(λ·E), and the ratios λ of all cells are drawn from one prior, a mixture
of two gamma distributions θ = (α₁, β₁, α₂, β₂, P) (shape, rate, mixture weight). The prior is
fitted by maximum likelihood on many cells' (N, E); each cell's posterior is again a two-gamma
mixture, (α₁ + n, β₁ + E, α₂ + n, β₂ + E) with weight Qₙ (DuMouchel 1999, eq. 6), and

- EBGM = exp(E[ln λ | N = n]) = exp(Qₙ[ψ(α₁ + n) − ln(β₁ + E)] + (1 − Qₙ)[ψ(α₂ + n) − ln(β₂ + E)]),
- EB05 and EB95 are the 5th and 95th percentiles of that posterior mixture.

Cells are known only where N ≥ N* (openFDA count queries list reactions with at least one report,
and at most 1,000 of them), so the likelihood is the truncated one openEBGM's ``negLL`` uses: each
component's negative-binomial marginal divided by its probability of reaching N*, with N* per cell.
Large inputs are squashed first (cells with the same N and N* and nearly the same E become one
point weighted by their number), in the spirit of openEBGM's ``squashData``. The results match
openEBGM's published worked example (tests/unit/analyzer/test_ebgm.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.analyzer.stats.minimize import nelder_mead
from services.analyzer.stats.special import digamma, gamma_cdf, negative_binomial_logpmf

LOWER_PERCENTILE = 0.05
UPPER_PERCENTILE = 0.95
MAX_SQUASHED_POINTS = 300
"""Bins after squashing: the fit evaluates the likelihood a few thousand times."""
_PARAMETER_RANGE = (1e-6, 1e6)

STARTING_PRIORS: tuple[tuple[float, float, float, float, float], ...] = (
    (0.2, 0.1, 2.0, 4.0, 1 / 3),
    (0.1, 0.1, 10.0, 10.0, 0.2),
    (0.3, 0.5, 6.0, 6.0, 0.5),
    (0.5, 0.3, 12.0, 12.0, 0.8),
    (0.2, 0.2, 5.0, 5.0, 0.4),
)
"""Starting points of the fit: openEBGM's vignette ``theta_init`` (the best fit wins)."""


@dataclass(frozen=True)
class GammaMixturePrior:
    """θ = (α₁, β₁, α₂, β₂, P): shapes, rates and the weight of the first component."""

    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    p: float

    def __post_init__(self) -> None:
        if min(self.alpha1, self.beta1, self.alpha2, self.beta2) <= 0 or not 0 < self.p < 1:
            raise ValueError(f"not a gamma-mixture prior: {self}")

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        return (self.alpha1, self.beta1, self.alpha2, self.beta2, self.p)


@dataclass(frozen=True)
class CountCell:
    """One cell: ``n`` reports observed, ``expected`` under independence, seen because n ≥
    ``truncation`` (N*)."""

    n: int
    expected: float
    truncation: int = 1


@dataclass(frozen=True)
class SquashedPoint:
    n: int
    expected: float
    weight: float
    truncation: int


@dataclass(frozen=True)
class PriorFit:
    prior: GammaMixturePrior
    negative_log_likelihood: float
    converged: bool
    cells: int
    points: int


@dataclass(frozen=True)
class EbScores:
    ebgm: float
    eb05: float
    eb95: float


class PriorFitError(ValueError):
    """The prior cannot be fitted (too few cells, or no starting point converged)."""


# ------------------------------------------------------------------------------------------------
# Likelihood
# ------------------------------------------------------------------------------------------------


def _component_logpmf(n: int, alpha: float, beta: float, expected: float) -> float:
    """log P(N = n) for one gamma component: negative binomial, size α, mean α·E/β."""
    return negative_binomial_logpmf(n, alpha, alpha * expected / beta)


def _log_reach(truncation: int, alpha: float, beta: float, expected: float) -> float:
    """log P(N ≥ N*) under one component."""
    if truncation <= 0:
        return 0.0
    if truncation == 1:  # 1 − (β/(β+E))^α, without cancellation
        return math.log(-math.expm1(alpha * math.log(beta / (beta + expected))))
    below = sum(math.exp(_component_logpmf(k, alpha, beta, expected)) for k in range(truncation))
    return math.log1p(-below) if below < 1 else -math.inf


def _log_mix(log_a: float, log_b: float, p: float) -> float:
    """log(p·e^a + (1 − p)·e^b)."""
    first, second = math.log(p) + log_a, math.log1p(-p) + log_b
    top = max(first, second)
    if top == -math.inf:
        return -math.inf
    return top + math.log(math.exp(first - top) + math.exp(second - top))


def negative_log_likelihood(prior: GammaMixturePrior, points: Iterable[SquashedPoint]) -> float:
    """−Σ wᵢ·log[P·f₁*(nᵢ) + (1 − P)·f₂*(nᵢ)], fᵢ* the component truncated below its N*."""
    total = 0.0
    a1, b1, a2, b2, p = prior.as_tuple()
    for point in points:
        log_f1 = _component_logpmf(point.n, a1, b1, point.expected) - _log_reach(
            point.truncation, a1, b1, point.expected
        )
        log_f2 = _component_logpmf(point.n, a2, b2, point.expected) - _log_reach(
            point.truncation, a2, b2, point.expected
        )
        total -= point.weight * _log_mix(log_f1, log_f2, p)
    return total


def squash(
    cells: Sequence[CountCell], max_points: int = MAX_SQUASHED_POINTS
) -> list[SquashedPoint]:
    """Cells with the same N and N* whose E agree within a narrow band of ln E become one point
    at their mean E, weighted by their number. The band starts at 2 % and widens by a quarter
    until at most ``max_points`` points remain; small inputs are returned one point each.

    Bands in ln E keep each point's E within a few per cent of its cells' (equal-count bins over
    a wide range of E would not), so the squashed likelihood stays close to the full one.
    """
    if len(cells) <= max_points:
        return [SquashedPoint(c.n, c.expected, 1.0, c.truncation) for c in cells]
    width = 0.02
    while True:
        groups: dict[tuple[int, int, int], list[float]] = defaultdict(list)
        for cell in cells:
            band = math.floor(math.log(cell.expected) / width)
            groups[(cell.n, cell.truncation, band)].append(cell.expected)
        if len(groups) <= max_points:
            return [
                SquashedPoint(n, sum(values) / len(values), float(len(values)), truncation)
                for (n, truncation, _), values in sorted(groups.items())
            ]
        width *= 1.25


# ------------------------------------------------------------------------------------------------
# Fitting the prior
# ------------------------------------------------------------------------------------------------


def _to_free(prior: tuple[float, float, float, float, float]) -> tuple[float, ...]:
    a1, b1, a2, b2, p = prior
    return (math.log(a1), math.log(b1), math.log(a2), math.log(b2), math.log(p / (1 - p)))


def _from_free(x: Sequence[float]) -> GammaMixturePrior | None:
    low, high = _PARAMETER_RANGE
    values = [math.exp(v) if -700 < v < 700 else math.inf for v in x[:4]]
    if any(not low <= v <= high for v in values):
        return None
    logit = x[4]
    if not -40 < logit < 40:
        return None
    a1, b1, a2, b2 = values
    return GammaMixturePrior(a1, b1, a2, b2, 1.0 / (1.0 + math.exp(-logit)))


def fit_prior(cells: Sequence[CountCell], *, min_cells: int = 10) -> PriorFit:
    """The maximum-likelihood prior for ``cells`` (Nelder–Mead on log shapes, log rates and the
    logit of P, from each of :data:`STARTING_PRIORS`; the best converged fit wins).

    Raises :class:`PriorFitError` with fewer than ``min_cells`` cells or when no start converges.
    """
    if len(cells) < min_cells:
        raise PriorFitError(f"{len(cells)} cells are too few to fit the prior (need {min_cells})")
    points = squash(cells)

    def objective(x: tuple[float, ...]) -> float:
        prior = _from_free(x)
        return math.inf if prior is None else negative_log_likelihood(prior, points)

    best = None
    for start in STARTING_PRIORS:
        found = nelder_mead(objective, _to_free(start), max_evaluations=3000)
        if math.isfinite(found.value) and (best is None or found.value < best.value):
            best = found
    if best is None:
        raise PriorFitError("no starting point gave a finite likelihood")
    # Restart from the best point: Nelder–Mead can stall on a ridge.
    polished = nelder_mead(objective, best.x, step=0.1, max_evaluations=3000)
    final = polished if polished.value <= best.value else best
    prior = _from_free(final.x)
    if prior is None:
        raise PriorFitError("the fit left the parameter range")
    return PriorFit(
        prior=prior,
        negative_log_likelihood=final.value,
        converged=polished.converged,
        cells=len(cells),
        points=len(points),
    )


# ------------------------------------------------------------------------------------------------
# Posterior
# ------------------------------------------------------------------------------------------------


def posterior_weight(prior: GammaMixturePrior, n: int, expected: float) -> float:
    """Qₙ: the posterior probability that the cell's λ comes from the first component."""
    a1, b1, a2, b2, p = prior.as_tuple()
    log_first = math.log(p) + _component_logpmf(n, a1, b1, expected)
    log_second = math.log1p(-p) + _component_logpmf(n, a2, b2, expected)
    return 1.0 / (1.0 + math.exp(log_second - log_first))


def ebgm(prior: GammaMixturePrior, n: int, expected: float) -> float:
    """The empirical Bayes geometric mean exp(E[ln λ | N = n])."""
    a1, b1, a2, b2, _ = prior.as_tuple()
    qn = posterior_weight(prior, n, expected)
    first = digamma(a1 + n) - math.log(b1 + expected)
    second = digamma(a2 + n) - math.log(b2 + expected)
    return math.exp(qn * first + (1 - qn) * second)


def _gamma_logpdf(x: float, shape: float, rate: float) -> float:
    return shape * math.log(rate) + (shape - 1) * math.log(x) - rate * x - math.lgamma(shape)


def posterior_quantile(prior: GammaMixturePrior, n: int, expected: float, q: float) -> float:
    """The ``q``-quantile of the cell's posterior mixture, to a relative 1e-12.

    Newton's method on ln λ, kept inside a bisection bracket (each step halves it at worst).
    """
    if not 0 < q < 1:
        raise ValueError(f"a quantile needs 0 < q < 1, not {q}")
    a1, b1, a2, b2, _ = prior.as_tuple()
    qn = posterior_weight(prior, n, expected)
    shapes = (a1 + n, a2 + n)
    rates = (b1 + expected, b2 + expected)

    def cdf(x: float) -> float:
        return qn * gamma_cdf(shapes[0], rates[0] * x) + (1 - qn) * gamma_cdf(
            shapes[1], rates[1] * x
        )

    def pdf(x: float) -> float:
        return qn * math.exp(_gamma_logpdf(x, shapes[0], rates[0])) + (1 - qn) * math.exp(
            _gamma_logpdf(x, shapes[1], rates[1])
        )

    low, high = 0.0, max(shapes[0] / rates[0], shapes[1] / rates[1])
    while cdf(high) < q:
        low, high = high, high * 2.0
    x = ebgm(prior, n, expected)
    if not low < x < high:
        x = (low + high) / 2 if low > 0 else high / 2
    for _ in range(200):
        error = cdf(x) - q
        if error > 0:
            high = x
        else:
            low = x
        density = pdf(x)
        step = error / density if density > 0 else math.inf
        candidate = x - step
        if not low < candidate < high:
            candidate = (low + high) / 2
        if abs(candidate - x) <= 1e-12 * x or high - low <= 1e-12 * high:
            return candidate
        x = candidate
    return x


def eb_scores(prior: GammaMixturePrior, n: int, expected: float) -> EbScores:
    """EBGM with EB05 and EB95 (the two-sided 90% credibility interval) for one cell."""
    return EbScores(
        ebgm=ebgm(prior, n, expected),
        eb05=posterior_quantile(prior, n, expected, LOWER_PERCENTILE),
        eb95=posterior_quantile(prior, n, expected, UPPER_PERCENTILE),
    )
