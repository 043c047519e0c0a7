"""Nelder–Mead minimisation of a smooth function of a few unconstrained variables.

The standard simplex method (reflection 1, expansion 2, contraction ½, shrink ½; Gao & Han's
adaptive coefficients are not needed at five dimensions), stopping when both the spread of the
function values and the size of the simplex fall below their tolerances.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Vector = tuple[float, ...]


@dataclass(frozen=True)
class Minimum:
    x: Vector
    value: float
    evaluations: int
    converged: bool


def _safe(function: Callable[[Vector], float]) -> Callable[[Vector], float]:
    def evaluate(x: Vector) -> float:
        value = function(x)
        return value if math.isfinite(value) else math.inf

    return evaluate


def _combine(a: Vector, b: Vector, weight: float) -> Vector:
    """a + weight·(b − a)."""
    return tuple(ai + weight * (bi - ai) for ai, bi in zip(a, b, strict=True))


def nelder_mead(
    function: Callable[[Vector], float],
    start: Sequence[float],
    *,
    step: float = 0.5,
    value_tolerance: float = 1e-10,
    point_tolerance: float = 1e-8,
    max_evaluations: int = 4000,
) -> Minimum:
    """Minimise ``function`` from ``start``; the initial simplex steps ``step`` along each axis.

    Non-finite values count as +∞, so a function may return ``math.inf`` outside its domain.
    """
    evaluate = _safe(function)
    origin = tuple(float(v) for v in start)
    simplex = [origin] + [
        tuple(v + (step if i == j else 0.0) for j, v in enumerate(origin))
        for i in range(len(origin))
    ]
    values = [evaluate(p) for p in simplex]
    evaluations = len(simplex)
    while evaluations < max_evaluations:
        order = sorted(range(len(simplex)), key=values.__getitem__)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        spread = values[-1] - values[0]
        size = max(max(abs(a - b) for a, b in zip(p, simplex[0], strict=True)) for p in simplex[1:])
        if spread <= value_tolerance * (1.0 + abs(values[0])) and size <= point_tolerance:
            return Minimum(simplex[0], values[0], evaluations, True)
        dimension = len(origin)
        centroid = tuple(sum(p[k] for p in simplex[:-1]) / dimension for k in range(dimension))
        worst = simplex[-1]
        reflected = _combine(centroid, worst, -1.0)
        reflected_value = evaluate(reflected)
        evaluations += 1
        if reflected_value < values[0]:
            expanded = _combine(centroid, worst, -2.0)
            expanded_value = evaluate(expanded)
            evaluations += 1
            if expanded_value < reflected_value:
                simplex[-1], values[-1] = expanded, expanded_value
            else:
                simplex[-1], values[-1] = reflected, reflected_value
            continue
        if reflected_value < values[-2]:
            simplex[-1], values[-1] = reflected, reflected_value
            continue
        outside = reflected_value < values[-1]
        contracted = _combine(centroid, reflected if outside else worst, 0.5)
        contracted_value = evaluate(contracted)
        evaluations += 1
        if contracted_value < min(reflected_value, values[-1]):
            simplex[-1], values[-1] = contracted, contracted_value
            continue
        best = simplex[0]
        simplex = [best] + [_combine(best, p, 0.5) for p in simplex[1:]]
        values = [values[0]] + [evaluate(p) for p in simplex[1:]]
        evaluations += dimension
    best_index = min(range(len(simplex)), key=values.__getitem__)
    return Minimum(simplex[best_index], values[best_index], evaluations, False)
