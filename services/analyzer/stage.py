"""The analyzer stage: codes the de-identified notes and compares them with what was billed.

The NLP and terminology work is CPU-bound and runs in a process pool (loaded once per worker);
the optional second opinion is I/O and runs here, on the event loop.
"""

from __future__ import annotations

from typing import ClassVar

from services.analyzer.cer_stage import analyze_cer_event
from services.analyzer.coding import CodingConfig, add_second_opinion, analyze_case
from services.analyzer.device_stage import analyze_device_event
from services.analyzer.settings import AnalyzerSettings
from shared.events import Envelope, ReportKind, routing
from shared.events.coding import CodingAnalysis, CodingCase
from shared.stage import (
    KindHandler,
    NextEvent,
    StageContext,
    StageError,
    StageOutcome,
    handle_by_kind,
)
from shared.workers import JobFailed, JobTimeout, ProcessPool


class AnalyzerStage:
    name: ClassVar[str] = "analyzer"
    working_step: ClassVar[str] = "analyzing"
    working_progress: ClassVar[int] = 40
    handles_phi: ClassVar[bool] = False

    def __init__(self, settings: AnalyzerSettings, workers: ProcessPool) -> None:
        self.settings = settings
        self.config: CodingConfig = settings.coding_config()
        self.workers = workers
        self.handlers: dict[ReportKind, KindHandler] = {
            ReportKind.CODING: self.analyze_coding,
            # Safety statistics run in a thread (the EBGM fit takes seconds of CPU).
            ReportKind.CER: analyze_cer_event,
            ReportKind.DEVICE: analyze_device_event,
        }

    @property
    def prefetch(self) -> int:
        return self.settings.analyzer_prefetch

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        return await handle_by_kind(self.name, self.handlers, event, ctx)

    def problems(self) -> dict[str, str]:
        """Why the stage cannot work now (for /readyz): no coding worker alive."""
        return self.workers.problems()

    async def analyze_coding(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        case = CodingCase.model_validate(event.payload)
        try:
            analysis: CodingAnalysis = await self.workers.run(
                "coding", analyze_case, case, self.config
            )
        except JobTimeout:
            # Retried after the back-off: the next attempt may have the CPU to itself.
            raise StageError(
                f"Coding the notes took longer than {self.settings.coding_timeout_s:g} s.",
                details={"cause": "timeout", "limit_s": self.settings.coding_timeout_s},
            ) from None
        except JobFailed as exc:  # the worker raised, or died (killed, out of memory): retried
            raise StageError(
                f"Coding the notes failed: {exc}.", details={"cause": "worker"}
            ) from None
        analysis = await add_second_opinion(analysis, case, self.config.second_opinion)
        suggested = sum(len(e.suggestions) for e in analysis.encounters)
        missed = sum(len(e.comparison.documented_not_billed) for e in analysis.encounters)
        unsupported = sum(len(e.comparison.billed_not_documented) for e in analysis.encounters)
        return StageOutcome(
            step="analyzed",
            progress_percent=70,
            message=(
                f"{suggested} code(s) suggested; {missed} documented but not billed, "
                f"{unsupported} billed but not documented"
            ),
            details={
                "suggested_codes": suggested,
                "documented_not_billed": missed,
                "billed_not_documented": unsupported,
                "code_set": analysis.code_set,
            },
            next_event=NextEvent(routing.REPORT_ANALYZED, analysis),
        )
