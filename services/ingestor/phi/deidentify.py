"""De-identification of notes: detection, then replacement according to a policy.

Fail closed: when a note cannot be processed within its time budget, or anything goes wrong,
:class:`~services.ingestor.phi.port.DeidentificationError` is raised with a message that
contains no PHI, and no text is returned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from services.ingestor.phi.budget import NoteBudget
from services.ingestor.phi.dateshift import offset_days, shift_date_text, shift_iso, shift_year_text
from services.ingestor.phi.detect import DetectionTimeout, detect_phi
from services.ingestor.phi.known_matcher import KnownPhiMatcher
from services.ingestor.phi.policy import DeidPolicy, ReplacementMode
from services.ingestor.phi.port import (
    DeidentificationError,
    DeidentificationTimeout,
    DeidentifiedNotes,
)
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.surrogates import SurrogateBook
from shared.intake.known_phi import KnownPhi

METHOD = "clinrelay-phi 1.0 (rules + SSA/Census/GeoNames lexicons)"


@dataclass(frozen=True)
class DeidentifiedNote:
    text: str
    """The note with PHI replaced."""
    spans: tuple[PhiSpan, ...]
    """What was replaced, as offsets into the INPUT text."""


@dataclass
class ReportContext:
    """What must stay the same across the notes of one report: surrogates and the date offset."""

    matcher: KnownPhiMatcher
    book: SurrogateBook
    shift_days: int

    @classmethod
    def for_report(cls, known: KnownPhi, policy: DeidPolicy) -> ReportContext:
        matcher = KnownPhiMatcher(known)
        subject = known.subject_key or _fallback_subject_key(known)
        secret = policy.date_shift_secret.get_secret_value() if policy.date_shift_secret else None
        return cls(
            matcher=matcher,
            book=SurrogateBook(avoid=matcher.name_keys),
            shift_days=offset_days(subject, secret, policy.max_shift_days),
        )


def _fallback_subject_key(known: KnownPhi) -> str | None:
    parts = sorted(known.identifiers)
    if known.birth_date and known.names:
        first = known.names[0]
        parts.append(f"{first.family}|{'|'.join(first.given)}|{known.birth_date}")
    return "\x1f".join(parts) or None


def _replacement(span: PhiSpan, original: str, policy: DeidPolicy, ctx: ReportContext) -> str:
    mode = policy.mode
    if span.type is PhiType.DATE and mode is not ReplacementMode.TAG:
        shifted = shift_date_text(original, ctx.shift_days)
        return shifted if shifted is not None else "[DATE]"
    if span.type is PhiType.YEAR and mode is not ReplacementMode.TAG:
        return shift_year_text(original, ctx.shift_days)
    if mode is not ReplacementMode.SURROGATE:
        return f"[{span.type.value}]"
    if span.type is PhiType.NAME:
        return ctx.book.name(original)
    if span.type is PhiType.LOCATION:
        return ctx.book.location(original)
    return ctx.book.value(span.type, original)


def deidentify_note(
    text: str,
    known: KnownPhi | None = None,
    policy: DeidPolicy | None = None,
    *,
    context: ReportContext | None = None,
) -> DeidentifiedNote:
    """De-identify one note: returns the new text and the replaced spans (input offsets).

    Pass the same ``context`` for every note of a report so surrogates and the date offset
    agree across notes. Raises :class:`DeidentificationError` (no PHI in the message) on a
    timeout or any internal failure.
    """
    policy = policy or DeidPolicy()
    ctx = context or ReportContext.for_report(known or KnownPhi(), policy)
    budget = NoteBudget.for_note(
        len(text),
        cpu_s_per_10kb=policy.note_time_budget_s,
        wall_ceiling_s=policy.note_wall_ceiling_s,
    )
    deadline = budget.start()
    try:
        spans = detect_phi(
            text,
            ctx.matcher,
            min_score=policy.min_score,
            deadline=deadline,
            site_terms=policy.site_terms,
            model=policy.model,
        )
        if policy.keep_years:
            spans = [s for s in spans if s.type is not PhiType.YEAR]
        pieces: list[str] = []
        cursor = 0
        for span in spans:
            pieces.append(text[cursor : span.start])
            pieces.append(_replacement(span, text[span.start : span.end], policy, ctx))
            cursor = span.end
        pieces.append(text[cursor:])
    except DetectionTimeout:
        raise DeidentificationTimeout(
            f"de-identification of a note exceeded its time budget of {budget.describe()}"
        ) from None
    except Exception as exc:  # fail closed, and keep the (possibly PHI-bearing) message out
        raise DeidentificationError(
            f"de-identification of a note failed ({type(exc).__name__})"
        ) from None
    return DeidentifiedNote(text="".join(pieces), spans=tuple(spans))


class PhiDeidentifier:
    """The ingestor's :class:`~services.ingestor.phi.port.NoteDeidentifier` for one policy."""

    def __init__(self, policy: DeidPolicy | None = None) -> None:
        self.policy = policy or DeidPolicy()

    def deidentify_notes(self, notes: Sequence[str], known: KnownPhi) -> DeidentifiedNotes:
        """De-identify all notes of one report together (surrogates and date offset shared).

        Raises :class:`DeidentificationError` naming the failing note's position, never its text.
        """
        ctx = ReportContext.for_report(known, self.policy)
        texts: list[str] = []
        counts: Counter[str] = Counter()
        for position, note in enumerate(notes, start=1):
            try:
                result = deidentify_note(note, policy=self.policy, context=ctx)
            except DeidentificationError as exc:
                raise type(exc)(f"note {position} of {len(notes)}: {exc}") from None
            texts.append(result.text)
            counts.update(span.type.value for span in result.spans)
        return DeidentifiedNotes(
            texts=tuple(texts),
            spans_by_type=dict(counts),
            method=METHOD,
            policy=self.policy.mode.value,
            transform_date=self._date_transform(ctx),
            keep_years=self.policy.keep_years,
        )

    def _date_transform(self, ctx: ReportContext) -> Callable[[str], str | None]:
        if self.policy.mode is ReplacementMode.TAG:
            return _drop_date
        return partial(_shift_record_date, days=ctx.shift_days)


def _drop_date(_value: str) -> str | None:
    return None


def _shift_record_date(value: str, days: int) -> str | None:
    return shift_iso(value, days)
