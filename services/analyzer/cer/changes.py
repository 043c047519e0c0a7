"""Signals compared with the previous report for the same product: what appeared, what went.

Subscribers of a scheduled CER are told when this changes; a persisting signal is not news.
Reactions are compared by their folded key, so a spelling change between two data releases is not
mistaken for a new signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from services.analyzer.cer.terms import fold_term
from shared.events.cer import SignalChanges


@dataclass(frozen=True)
class PreviousSignals:
    """The signals (and trend alerts) of the last report for this tenant, subject and preset."""

    report_id: UUID
    generated_at: datetime
    data_last_updated: date | None
    signals: tuple[str, ...]
    trend_alerts: tuple[str, ...] = ()
    """``term|month`` keys of the trend alerts that report raised."""


def signal_changes(current: Sequence[str], previous: PreviousSignals | None) -> SignalChanges:
    """New, disappeared and persisting signals, each sorted; all-new is not claimed without a
    previous report (``new`` stays empty and ``has_previous`` is False)."""
    if previous is None:
        return SignalChanges(persisting=())
    before = {fold_term(pt): pt for pt in previous.signals}
    now = {fold_term(pt): pt for pt in current}
    return SignalChanges(
        previous_report_id=previous.report_id,
        previous_generated_at=previous.generated_at,
        previous_last_updated=previous.data_last_updated,
        new=tuple(sorted((now[k] for k in now.keys() - before.keys()), key=str.lower)),
        disappeared=tuple(sorted((before[k] for k in before.keys() - now.keys()), key=str.lower)),
        persisting=tuple(sorted((now[k] for k in now.keys() & before.keys()), key=str.lower)),
    )
