"""Special functions for gamma–Poisson models, in plain Python (double precision).

- :func:`digamma` ψ(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series (absolute
  error below 1e-14).
- :func:`gamma_cdf` P(a, x), the regularised lower incomplete gamma function: its power series for
  x < a + 1, Legendre's continued fraction (modified Lentz) otherwise (Numerical Recipes §6.2),
  relative error near 1e-14.
- :func:`negative_binomial_logpmf` and :func:`negative_binomial_sf` for counts whose Poisson mean
  is itself gamma-distributed: the marginal of DuMouchel's model and the over-dispersed baseline
  of the trend control chart.
"""

from __future__ import annotations

import math

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITER = 10_000

# Bernoulli-number coefficients of the asymptotic series of ψ(x) in 1/x².
_DIGAMMA_SERIES = (
    1 / 12,
    -1 / 120,
    1 / 252,
    -1 / 240,
    1 / 132,
    -691 / 32760,
    1 / 12,
)


def digamma(x: float) -> float:
    """ψ(x) = d/dx ln Γ(x) for x > 0."""
    if not x > 0:
        raise ValueError(f"digamma needs x > 0, not {x}")
    shift = 0.0
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    inverse_square = 1.0 / (x * x)
    series = 0.0
    power = inverse_square
    for coefficient in _DIGAMMA_SERIES:
        series += coefficient * power
        power *= inverse_square
    return shift + math.log(x) - 0.5 / x - series


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by its power series (converges fast for x < a + 1)."""
    term = 1.0 / a
    total = term
    denominator = a
    for _ in range(_MAX_ITER):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) = 1 − P(a, x) by Legendre's continued fraction (x ≥ a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_cdf(a: float, x: float) -> float:
    """P(a, x): the CDF at ``x`` of a gamma distribution with shape ``a`` and rate 1."""
    if not a > 0:
        raise ValueError(f"gamma_cdf needs a shape a > 0, not {a}")
    if x <= 0:
        return 0.0
    if x < a + 1.0:
        return min(1.0, _lower_series(a, x))
    return max(0.0, 1.0 - _upper_fraction(a, x))


def negative_binomial_logpmf(n: int, size: float, mean: float) -> float:
    """log P(N = n) when N ~ Poisson(λ) and λ ~ Gamma(shape ``size``, mean ``mean``).

    With prob = size / (size + mean) this is openEBGM's ``dnbinom(n, size, prob)``: the marginal
    of a count whose expected value ``mean`` is itself uncertain.
    """
    if n < 0:
        return -math.inf
    if mean <= 0:
        return 0.0 if n == 0 else -math.inf
    return (
        math.lgamma(size + n)
        - math.lgamma(size)
        - math.lgamma(n + 1.0)
        + size * math.log(size / (size + mean))
        + n * math.log(mean / (size + mean))
    )


def poisson_logpmf(n: int, mean: float) -> float:
    if n < 0:
        return -math.inf
    if mean <= 0:
        return 0.0 if n == 0 else -math.inf
    return n * math.log(mean) - mean - math.lgamma(n + 1.0)


def negative_binomial_sf(n: int, size: float | None, mean: float) -> float:
    """P(N ≥ n) for the negative binomial above (``size`` None: Poisson, no over-dispersion).

    Summed as 1 − P(N < n) over at most ``n`` terms; counts here are small (monthly reports).
    """
    if n <= 0:
        return 1.0
    below = 0.0
    for k in range(n):
        log_p = poisson_logpmf(k, mean) if size is None else negative_binomial_logpmf(k, size, mean)
        below += math.exp(log_p)
    return max(0.0, 1.0 - below)
