"""The contract between a stage's domain code and the runner that moves messages for it.

A stage receives an :class:`~shared.events.Envelope` and returns a :class:`StageOutcome`; the runner
(:mod:`shared.delivery.runner`) owns everything else: de-duplication, recording the step, publishing
the next event, acknowledging, retrying and parking. Stage code never imports aio-pika.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import structlog
from pydantic import BaseModel

from shared.db.repositories import StageRepositories
from shared.events import Envelope, ReportKind
from shared.settings import Settings


@dataclass(frozen=True)
class NextEvent:
    """The event that hands the report to the next stage."""

    type: str
    payload: BaseModel


@dataclass(frozen=True)
class Artifact:
    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class StageAlert:
    """A notice for subscribers beside the step: recorded as an audit event of its own (outcome
    ``alert``, just before the step) and routed as ``report.alert``, e.g. a trend alert."""

    message: str
    details: dict[str, Any]


@dataclass(frozen=True)
class StageOutcome:
    """What a stage did. ``result`` set means the report is COMPLETE after this stage."""

    step: str
    progress_percent: int
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    next_event: NextEvent | None = None
    result: dict[str, Any] | None = None
    artifacts: tuple[Artifact, ...] = ()
    alerts: tuple[StageAlert, ...] = ()
    timings_s: Mapping[str, float] = field(default_factory=dict)
    """Named parts of the work and how long each took (``deidentification``, ``render``): the
    runner exports them as ``clinrelay_stage_part_seconds``. Names come from code, never input."""


class StageError(Exception):
    """A failure whose message is written for the person who asked for the report.

    The message must be free of PHI: it is stored, logged and shown to clients. ``permanent``
    failures (bad input, no data) are not retried: another attempt would fail the same way.
    """

    def __init__(
        self, message: str, *, permanent: bool = False, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.details = details or {}


@dataclass(frozen=True)
class StageContext:
    """What the runner hands a stage with each event: settings, the repositories of the tables
    stage code may use (never the pool: the runner records steps and events itself), a logger."""

    settings: Settings
    repos: StageRepositories
    log: structlog.typing.FilteringBoundLogger


class Stage(Protocol):
    """One stage service's domain work, as the runner sees it."""

    name: ClassVar[str]
    """Stage name; also the name of its queues (``<ns>.<name>.work``)."""
    working_step: ClassVar[str]
    """``current_step`` while the stage works on a report, e.g. "ingesting"."""
    working_progress: ClassVar[int]
    handles_phi: ClassVar[bool]
    """True for the ingestor alone: its exception texts may hold PHI and are never shown."""

    @property
    def prefetch(self) -> int: ...

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome: ...


@runtime_checkable
class SelfChecking(Protocol):
    """A stage with resources of its own that can fail (a worker pool): its readiness probe
    reports them beside the broker and the database."""

    def problems(self) -> dict[str, str]:
        """What keeps the stage from working now, by name (empty when it can work)."""
        ...


KindHandler = Callable[[Envelope, StageContext], Awaitable[StageOutcome]]
"""A stage's work for one kind of report."""


async def handle_by_kind(
    stage: str, handlers: Mapping[ReportKind, KindHandler], event: Envelope, ctx: StageContext
) -> StageOutcome:
    """Run the handler for the event's kind; a kind the stage has none for fails permanently."""
    handler = handlers.get(event.kind)
    if handler is None:
        raise StageError(f"The {stage} stage cannot handle {event.kind} reports.", permanent=True)
    return await handler(event, ctx)
