"""The ingestor stage: turns a request into de-identified material for the analyzer.

cer and device: handed to :class:`~services.ingestor.cer_stage.CerIngestion` (openFDA FAERS or
MAUDE fetch, scope check, count queries; no PHI is involved).

coding: the raw FHIR Bundle (from ``report_inputs``) is parsed, every note de-identified with the
Patient's structured PHI as a dictionary, and a :class:`~shared.events.coding.CodingCase` emitted.
This is the only stage that sees PHI; what it emits carries none, and it fails closed: if any note
cannot be de-identified, the report fails and the raw text goes nowhere.
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from services.ingestor.cer_stage import CerIngestion
from services.ingestor.coding.case import build_coding_case
from services.ingestor.phi.port import (
    DeidentificationError,
    DeidentificationTimeout,
    NoteDeidentifier,
)
from services.ingestor.settings import IngestorSettings
from shared.events import Envelope, ReportKind, routing
from shared.events.coding import CodingCase
from shared.intake.fhir import BundleError, parse_bundle
from shared.intake.known_phi import KnownPhi, PersonName
from shared.intake.note_limits import NoteTooLong, check_note_lengths
from shared.stage import (
    KindHandler,
    NextEvent,
    StageContext,
    StageError,
    StageOutcome,
    handle_by_kind,
)

# A made-up note that reaches every detector (names, dates, places, identifiers, the unexplained
# word net), so the lexicons and indexes they load on first use are loaded before any real note.
_WARM_UP_NOTE = (
    "Mr. Jonathan Whitfield (MRN 4417-2290) was seen on 03/14/2021 at Riverside Clinic, "
    "12 Elm Street, Springfield, IL 62704; call 217-555-0142. Son Peter Whitfield present. "
    "Dr. Alvarez noted zorbitane intolerance."
)


def load_deidentifier(deidentifier: NoteDeidentifier) -> None:
    """De-identify a made-up note once: every lazy resource is loaded before the stage consumes,
    so no real note's time budget pays for loading (CPU-bound: call it in a thread)."""
    known = KnownPhi(names=(PersonName(given=("Jonathan",), family="Whitfield"),))
    deidentifier.deidentify_notes([_WARM_UP_NOTE, "Follow-up in 2 weeks."], known)


class IngestorStage:
    name: ClassVar[str] = "ingestor"
    working_step: ClassVar[str] = "ingesting"
    working_progress: ClassVar[int] = 10
    handles_phi: ClassVar[bool] = True

    def __init__(
        self,
        settings: IngestorSettings,
        deidentifier: NoteDeidentifier,
        cer: CerIngestion | None = None,
    ) -> None:
        self.settings = settings
        self.deidentifier = deidentifier
        self.handlers: dict[ReportKind, KindHandler] = {ReportKind.CODING: self.ingest_coding}
        if cer is not None:
            self.handlers[ReportKind.CER] = cer.handle
            self.handlers[ReportKind.DEVICE] = cer.handle_device

    @property
    def prefetch(self) -> int:
        return self.settings.ingestor_prefetch

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        return await handle_by_kind(self.name, self.handlers, event, ctx)

    async def ingest_coding(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        raw = await ctx.repos.inputs.raw_body(event.report_id)
        if raw is None:
            raise StageError(
                "The report's input is no longer stored (raw input is purged after the "
                "retention period); submit the Bundle again.",
                permanent=True,
            )
        # Parsing and de-identification are CPU-bound; keep the event loop (heartbeats) free.
        started = time.perf_counter()
        case = await asyncio.to_thread(self._coding_case, raw)
        deid_s = time.perf_counter() - started
        notes = sum(len(e.notes) for e in case.encounters)
        spans = sum(case.phi.spans_by_type.values())
        return StageOutcome(
            step="ingested",
            progress_percent=35,
            message=(
                f"{notes} note(s) in {len(case.encounters)} encounter(s) de-identified "
                f"({spans} PHI span(s) replaced)"
            ),
            details={
                "encounters": len(case.encounters),
                "notes": notes,
                "phi_spans_by_type": dict(case.phi.spans_by_type),
                "deid_method": case.phi.method,
                "deid_policy": case.phi.policy,
            },
            next_event=NextEvent(routing.REPORT_INGESTED, case),
            timings_s={"deidentification": deid_s},
        )

    def _coding_case(self, raw: bytes) -> CodingCase:
        try:
            parsed = parse_bundle(raw, depth=self.settings.fhir_validation)
            check_note_lengths(parsed, self.settings.max_note_chars)
            return build_coding_case(parsed, self.deidentifier)
        except BundleError as exc:  # its messages name places, never values
            raise StageError(exc.to_dict()["message"], permanent=True) from None
        except NoteTooLong as exc:
            raise StageError(str(exc), permanent=True) from None
        except DeidentificationTimeout as exc:
            # Still fail closed (nothing leaves), but the next attempt may have the CPU to itself.
            raise StageError(
                f"De-identification ran out of time, so the notes were not passed on: {exc}",
                details={"cause": "timeout"},
            ) from None
        except DeidentificationError as exc:
            raise StageError(
                f"De-identification failed, so the notes were not passed on: {exc}",
                permanent=True,
            ) from None
