"""MGPS / EBGM against openEBGM's published worked example, and against an independent quadrature.

Published values: openEBGM (Canida & Ihrie, CRAN package, MIT licence), vignette "Empirical Bayes
Metrics with openEBGM" (``vignettes/vignette04-posteriorCalculation``, CRAN release of
cran/openEBGM commit 6e6885cc875a4b3bd653b73cdbcff1ee74bbe0ca): the hyperparameters fitted on the
package's CAERS data, then ``Qn()`` printed to 7 decimals and ``ebgm()`` / ``quantBisect()``
printed to 2 decimals for the first six cells and the five cells with the largest QUANT_05.
``quantBisect`` stops when its bracket's half-width is under 0.005 and rounds the midpoint, so its
quantiles are within 0.01 of the exact ones; ``ebgm`` rounds to 2 decimals.
"""

from __future__ import annotations

import math
import random

import pytest

from services.analyzer.cer.ebgm import (
    CountCell,
    GammaMixturePrior,
    SquashedPoint,
    eb_scores,
    ebgm,
    fit_prior,
    negative_log_likelihood,
    posterior_quantile,
    posterior_weight,
    squash,
)
from services.analyzer.stats.special import digamma, gamma_cdf

# theta_hat printed by the vignette (autoHyper on the squashed CAERS counts).
VIGNETTE_PRIOR = GammaMixturePrior(3.25379356, 0.39988854, 2.02612692, 1.90807970, 0.06534557)

# (N, E, Qn) — head(qn) with head(processed)'s N and E.
VIGNETTE_QN = (
    (1, 0.0360548272, 0.2819737),
    (1, 0.0038736591, 0.3409653),
    (1, 0.0002979738, 0.3482317),
    (1, 0.0360548272, 0.2819737),
    (1, 0.0765792610, 0.2226356),
    (1, 0.0527413588, 0.2556670),
)

# (N, E, QUANT_05, ebgm, QUANT_95) — head(processed) and head(suspicious, 5).
VIGNETTE_SCORES = (
    (1, 0.0360548272, 0.49, 2.23, 13.85),
    (1, 0.0038736591, 0.52, 2.58, 15.78),
    (1, 0.0002979738, 0.52, 2.63, 16.02),
    (1, 0.0765792610, 0.47, 1.92, 11.77),
    (1, 0.0527413588, 0.48, 2.09, 12.95),
    (16, 0.40643623, 15.68, 23.26, 33.48),
    (19, 0.89690107, 11.65, 16.78, 23.55),
    (6, 0.07866508, 10.16, 18.28, 30.83),
    (8, 0.30482718, 9.00, 15.25, 24.52),
    (11, 0.56317044, 8.98, 14.28, 21.78),
)


@pytest.mark.parametrize(("n", "expected", "qn"), VIGNETTE_QN)
def test_posterior_weight_matches_openebgm_to_1e_6(n: int, expected: float, qn: float) -> None:
    assert posterior_weight(VIGNETTE_PRIOR, n, expected) == pytest.approx(qn, abs=1e-6)


@pytest.mark.parametrize(("n", "expected", "eb05", "gm", "eb95"), VIGNETTE_SCORES)
def test_scores_match_openebgm_at_its_printed_precision(
    n: int, expected: float, eb05: float, gm: float, eb95: float
) -> None:
    scores = eb_scores(VIGNETTE_PRIOR, n, expected)
    assert round(scores.ebgm, 2) == gm
    assert scores.eb05 == pytest.approx(eb05, abs=0.01)
    assert scores.eb95 == pytest.approx(eb95, abs=0.01)
    assert scores.eb05 < scores.ebgm < scores.eb95


def _posterior_logpdf(prior: GammaMixturePrior, n: int, e: float, x: float) -> float:
    """The posterior density written out from scratch (no shared helper with the module)."""
    q = posterior_weight(prior, n, e)

    def component(shape: float, rate: float) -> float:
        return shape * math.log(rate) + (shape - 1) * math.log(x) - rate * x - math.lgamma(shape)

    first = math.log(q) + component(prior.alpha1 + n, prior.beta1 + e)
    second = math.log1p(-q) + component(prior.alpha2 + n, prior.beta2 + e)
    top = max(first, second)
    return top + math.log(math.exp(first - top) + math.exp(second - top))


def _quadrature(prior: GammaMixturePrior, n: int, e: float) -> tuple[float, list[float], float]:
    """E[ln λ] and the CDF on a log grid, by the trapezoid rule in u = ln λ."""
    lows, highs = -30.0, 8.0
    steps = 200_000
    h = (highs - lows) / steps
    total = mean_log = 0.0
    cdf = [0.0]
    previous = None
    for i in range(steps + 1):
        u = lows + i * h
        weight = math.exp(_posterior_logpdf(prior, n, e, math.exp(u)) + u)  # dλ = λ du
        if previous is not None:
            area = (previous[1] + weight) * h / 2
            total += area
            mean_log += (previous[0] * previous[1] + u * weight) * h / 2
            cdf.append(total)
        previous = (u, weight)
    return mean_log / total, cdf, h


@pytest.mark.parametrize(("n", "expected"), [(1, 0.0360548272), (16, 0.40643623), (3, 2.5)])
def test_ebgm_and_quantiles_agree_with_quadrature_to_1e_6(n: int, expected: float) -> None:
    mean_log, cdf, h = _quadrature(VIGNETTE_PRIOR, n, expected)
    assert ebgm(VIGNETTE_PRIOR, n, expected) == pytest.approx(math.exp(mean_log), rel=1e-6)
    for q in (0.05, 0.95):
        x = posterior_quantile(VIGNETTE_PRIOR, n, expected, q)
        index = (math.log(x) + 30.0) / h
        i = int(index)
        at_x = (cdf[i] + (cdf[i + 1] - cdf[i]) * (index - i)) / cdf[-1]
        assert at_x == pytest.approx(q, abs=1e-6)


def test_special_functions_against_known_values() -> None:
    euler_gamma = 0.5772156649015329
    assert digamma(1.0) == pytest.approx(-euler_gamma, abs=1e-13)
    assert digamma(0.5) == pytest.approx(-euler_gamma - 2 * math.log(2), abs=1e-13)
    assert digamma(10.0) == pytest.approx(2.251752589066721, abs=1e-13)
    # P(1, x) = 1 − e^−x; P(a, x) for integer a is 1 − e^−x Σ x^k/k!.
    assert gamma_cdf(1.0, 2.0) == pytest.approx(1 - math.exp(-2.0), rel=1e-13)
    for a, x in ((3, 1.5), (3, 10.0), (25, 20.0), (25, 40.0)):
        exact = 1 - math.exp(-x) * sum(x**k / math.factorial(k) for k in range(a))
        assert gamma_cdf(float(a), x) == pytest.approx(exact, rel=1e-12)


# openEBGM tests/testthat/testC_Likelihoods.R: a small table and a prior, with the truncated
# likelihood (N* = 2) written out with gamma() and factorial().
DAT_N = [0] * 5 + [1] * 4 + [2] * 6 + [3] * 2
DAT_E = list(range(1, 18))
TEST_PRIOR = GammaMixturePrior(0.125874, 0.13587, 1.24578, 3.01587, 0.05)


def _nb(n: int, alpha: float, beta: float, e: float) -> float:
    prob = beta / (beta + e)
    return float(
        math.gamma(alpha + n)
        / (math.gamma(alpha) * math.factorial(n))
        * prob**alpha
        * (1 - prob) ** n
    )


def test_truncated_likelihood_is_openebgms_neg_ll() -> None:
    a1, b1, a2, b2, p = TEST_PRIOR.as_tuple()
    expected = 0.0
    for n, e in zip(DAT_N, DAT_E, strict=True):
        if n < 2:
            continue
        f1 = _nb(n, a1, b1, e) / (1 - (_nb(0, a1, b1, e) + _nb(1, a1, b1, e)))
        f2 = _nb(n, a2, b2, e) / (1 - (_nb(0, a2, b2, e) + _nb(1, a2, b2, e)))
        expected -= math.log(p * f1 + (1 - p) * f2)
    points = [
        SquashedPoint(n, float(e), 1.0, 2) for n, e in zip(DAT_N, DAT_E, strict=True) if n >= 2
    ]
    assert negative_log_likelihood(TEST_PRIOR, points) == pytest.approx(expected, rel=1e-12)


def _draw_cells(prior: GammaMixturePrior, count: int, rng: random.Random) -> list[CountCell]:
    cells: list[CountCell] = []
    while len(cells) < count:
        e = math.exp(rng.uniform(math.log(0.05), math.log(20.0)))
        first = rng.random() < prior.p
        shape, rate = (prior.alpha1, prior.beta1) if first else (prior.alpha2, prior.beta2)
        rate_ratio = rng.gammavariate(shape, 1 / rate)
        n = _poisson(rng, rate_ratio * e)
        if n >= 1:
            cells.append(CountCell(n, e))
    return cells


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, k, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        k += 1
        product *= rng.random()
    return k


def test_fit_recovers_a_known_prior_from_its_own_counts() -> None:
    truth = GammaMixturePrior(0.3, 0.2, 4.0, 4.0, 0.15)
    cells = _draw_cells(truth, 3000, random.Random(11))
    fit = fit_prior(cells)
    points = squash(cells)
    assert fit.points <= 300 < fit.cells == len(cells)
    # The fit is at least as likely as the truth, and close to it where it matters: the prior
    # mean of the dominant component and the mixture weight.
    assert fit.negative_log_likelihood <= negative_log_likelihood(truth, points) + 1e-6
    prior = fit.prior
    main = (prior.alpha2, prior.beta2) if prior.p < 0.5 else (prior.alpha1, prior.beta1)
    assert main[0] / main[1] == pytest.approx(1.0, abs=0.15)
    assert min(prior.p, 1 - prior.p) == pytest.approx(0.15, abs=0.08)


def test_too_few_cells_cannot_fit() -> None:
    with pytest.raises(ValueError, match="too few"):
        fit_prior([CountCell(1, 0.5)] * 3)
