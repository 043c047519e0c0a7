"""ICD-10-CM code inference, billed-versus-documented comparison and risk adjustment.

Public entry points (what the analyzer stage calls)::

    from services.analyzer.coding import analyze_case, add_second_opinion, CodingConfig, warm_up

    analysis = analyze_case(case, config)                 # sync, CPU-bound: run in a worker
    analysis = await add_second_opinion(analysis, case, config.second_opinion)  # optional, async

Importing this package is cheap; the ICD-10-CM code set and index load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.analyzer.coding.config import CodingConfig, HccModel, SecondOpinionConfig

if TYPE_CHECKING:
    from services.analyzer.coding.analysis import analyze_case, warm_up
    from services.analyzer.coding.review import add_second_opinion

__all__ = [
    "CodingConfig",
    "HccModel",
    "SecondOpinionConfig",
    "add_second_opinion",
    "analyze_case",
    "warm_up",
]


def __getattr__(name: str) -> Any:
    if name in ("analyze_case", "warm_up"):
        from services.analyzer.coding import analysis  # noqa: PLC0415 (lazy: code set)

        return getattr(analysis, name)
    if name == "add_second_opinion":
        from services.analyzer.coding import review  # noqa: PLC0415 (lazy: httpx)

        return review.add_second_opinion
    raise AttributeError(name)
