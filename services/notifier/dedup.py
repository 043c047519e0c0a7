"""Which events a tenant feed already sent, so a notification delivered twice is sent once.

The outbox relay publishes at least once (a relay that dies between the broker's confirm and its
commit publishes the rows again), so the same ``report.completed`` can reach a replica twice. A
report's socket drops it by event id; the tenant feed, which interleaves many reports, keeps the
last event id per report — bounded, forgetting the reports it heard of least recently.
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from shared.events import StatusNotification


class SeenEvents:
    def __init__(self, max_reports: int = 10_000) -> None:
        self._last: OrderedDict[UUID, int] = OrderedDict()
        self._max_reports = max_reports

    def first_time(self, note: StatusNotification) -> bool:
        """True (and remembered) unless an event this new of the same report was already seen."""
        last = self._last.get(note.report_id)
        if last is not None and note.event_id <= last:
            return False
        self._last[note.report_id] = note.event_id
        self._last.move_to_end(note.report_id)
        if len(self._last) > self._max_reports:
            self._last.popitem(last=False)
        return True
