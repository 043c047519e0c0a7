"""How often a schedule runs: an ISO 8601 duration ("P1D", "PT6H", "P1W") or a cron expression.

Cron expressions are evaluated in UTC by cronsim (BSD-3-Clause, the parser healthchecks.io runs
on). Durations are fixed lengths, so months and years are refused: "P1M" has no fixed length and
would drift; use a cron expression such as "0 6 1 * *" instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cronsim import CronSim, CronSimError

MIN_INTERVAL = timedelta(minutes=1)

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


class InvalidCadence(ValueError):
    """The ``every`` text is neither a fixed ISO 8601 duration nor a cron expression.

    ``hint`` says what is wrong and what is accepted without repeating the text (for API errors).
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint or message


@dataclass(frozen=True)
class Cadence:
    text: str
    interval: timedelta | None = None
    cron: str | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after ``moment`` (aware, UTC)."""
        moment = moment.astimezone(UTC)
        if self.interval is not None:
            return moment + self.interval
        assert self.cron is not None
        # cronsim yields times at or after its start; nudge past ``moment`` itself.
        return next(CronSim(self.cron, moment.replace(microsecond=0) + timedelta(seconds=1)))


def _duration(text: str) -> timedelta | None:
    match = _DURATION.match(text.upper())
    if match is None or text.upper() in {"P", "PT"} or text.upper().endswith("T"):
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts) if parts else None


def parse_cadence(text: str) -> Cadence:
    """Parse ``every``; raises :class:`InvalidCadence` with what is accepted."""
    cleaned = " ".join(str(text).split())
    if not cleaned:
        raise InvalidCadence("'every' is empty: give a duration like P1D or a cron expression")
    if cleaned.upper().startswith("P"):
        if re.search(r"\d+[YM]", cleaned.upper().split("T")[0]):
            hint = (
                "months and years have no fixed length; use days or weeks "
                "(P30D, P4W) or a cron expression (0 6 1 * *)"
            )
            raise InvalidCadence(f"{cleaned!r}: {hint}", hint)
        try:
            interval = _duration(cleaned)
        except OverflowError:
            interval = None
        if interval is None:
            hint = "not an ISO 8601 duration such as P1D or PT6H"
            raise InvalidCadence(f"{cleaned!r} is {hint}", f"'every' is {hint}")
        if interval < MIN_INTERVAL:
            hint = "shorter than the minimum interval of 1 minute"
            raise InvalidCadence(f"{cleaned!r} is {hint}", f"'every' is {hint}")
        return Cadence(text=cleaned, interval=interval)
    try:
        CronSim(cleaned, datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as exc:
        hint = (
            "neither an ISO 8601 duration (P1D, PT6H) nor a valid cron "
            "expression (minute hour day month weekday)"
        )
        raise InvalidCadence(f"{cleaned!r} is {hint}: {exc}", f"'every' is {hint}") from None
    return Cadence(text=cleaned, cron=cleaned)
