"""A poison message (its stage fails on it every time) is retried through the back-off tiers,
each attempt no sooner than its delay, then parked after its last attempt -- and it does not hold
up the reports behind it."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from shared.events import Envelope
from shared.stage import StageContext, StageOutcome
from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline

DELAYS_MS = (300, 900)


class PoisonedStage(RecordingStage):
    """Crashes on every attempt at one report (the poison), works on the others."""

    def __init__(self) -> None:
        super().__init__()
        self.poison: UUID | None = None
        self.prefetch = 1  # one at a time: the others wait behind the poison unless it steps aside

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        self.script = ["crash"] if event.report_id == self.poison else []
        return await super().handle(event, ctx)


async def test_a_poison_message_is_parked_after_its_attempts_with_the_back_off_honoured(
    pipeline: Pipeline,
) -> None:
    pipeline.overrides["retry_delays_ms"] = DELAYS_MS  # the delay queues of these tiers
    stage = PoisonedStage()
    await pipeline.start_stage(stage)
    poison = stage.poison = await new_report(pipeline)
    behind = [await new_report(pipeline) for _ in range(3)]
    await pipeline.start_relay()

    row = await pipeline.wait_for_status(poison, timeout=30)
    others = [await pipeline.wait_for_status(r, timeout=30) for r in behind]

    assert row["status"] == "FAILED"
    assert [o["status"] for o in others] == ["COMPLETE"] * 3
    pool = await pipeline.pool()
    trail = await pool.fetch(
        "SELECT outcome, at, details FROM report_events WHERE report_id = $1 ORDER BY seq", poison
    )
    assert [e["outcome"] for e in trail] == [
        "accepted",
        "started",
        "retrying",
        "retrying",
        "failed",
    ]
    retries = [e for e in trail if e["outcome"] == "retrying"]
    assert [e["details"]["delay_ms"] for e in retries] == list(DELAYS_MS)
    # Attempt 2 came no sooner than the first tier after attempt 1 failed, attempt 3 no sooner
    # than the second tier after attempt 2 failed.
    assert retries[1]["at"] - retries[0]["at"] >= timedelta(milliseconds=DELAYS_MS[0])
    assert trail[-1]["at"] - retries[1]["at"] >= timedelta(milliseconds=DELAYS_MS[1])
    parked = await pool.fetch("SELECT reason, attempts, report_id FROM dead_letters")
    assert [(p["report_id"], p["reason"], p["attempts"]) for p in parked] == [
        (poison, "attempts_exhausted", 3)
    ]
    # The reports behind it did not wait for its back-off: they completed before it was parked.
    completed_at = [o["completed_at"] for o in others]
    assert max(completed_at) < row["completed_at"]
