"""``clinrelay deid --jsonl``: batch de-identification of notes, one JSON object per line.

Imports only click at module level; the detector loads on the first note.
"""

from __future__ import annotations

import json
import os
import sys
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # types only: the detector loads on the first note
    from services.ingestor.phi.deidentify import DeidentifiedNote, ReportContext
    from services.ingestor.phi.policy import DeidPolicy

_SECRET_ENV = "CLINRELAY_PHI_DATE_SHIFT_SECRET"  # noqa: S105 (a variable name, not a secret)


class BadLine(Exception):
    """One input line cannot be processed; the message names the problem, never note text."""


def _parse(line: str) -> tuple[Any, str, str | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise BadLine('expected a JSON object with "id" and "text"')
    if "id" not in record:
        raise BadLine('missing "id"')
    text = record.get("text")
    if not isinstance(text, str):
        raise BadLine('"text" must be a string' if "text" in record else 'missing "text"')
    subject = record.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise BadLine('"subject" must be a string when given')
    return record["id"], text, subject


@click.command()
@click.option(
    "--jsonl",
    "jsonl",
    is_flag=True,
    required=True,
    help='Read {"id", "text"[, "subject"]} lines on stdin, write results on stdout.',
)
@click.option(
    "--policy",
    type=click.Choice(["tag", "surrogate", "shift"]),
    default="tag",
    show_default=True,
    help="How found PHI is replaced.",
)
@click.option(
    "--keep-years/--mask-years",
    default=True,
    show_default=True,
    help="Leave a year on its own in the text (Safe Harbor allows it).",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Drop findings with a lower confidence.",
)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0.001),
    default=2.0,
    show_default=True,
    help="Seconds one note may take before it fails (fail closed).",
)
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Report bad lines on stderr and go on, instead of stopping at the first.",
)
def deid(
    jsonl: bool, policy: str, keep_years: bool, min_score: float, time_budget: float, skip_bad: bool
) -> None:
    """De-identify notes: output text has PHI replaced; spans are offsets into the INPUT text.

    Lines sharing a "subject" share surrogates and the date-shift offset (keyed by the
    CLINRELAY_PHI_DATE_SHIFT_SECRET environment variable when set). Consecutive lines of one
    subject are de-identified together: a name or place found in any of them is masked in all.
    """
    # imported here so that `clinrelay --help` and other commands never load the detector
    from services.ingestor.phi.policy import DeidPolicy, ReplacementMode  # noqa: PLC0415

    secret = os.environ.get(_SECRET_ENV)
    deid_policy = DeidPolicy(
        mode=ReplacementMode(policy),
        keep_years=keep_years,
        min_score=min_score,
        note_time_budget_s=time_budget,
        date_shift_secret=secret or None,
    )
    batch = _Batch(deid_policy, sys.stdout, skip_bad=skip_bad)
    for number, line in enumerate(sys.stdin, start=1):
        if line.strip():
            batch.add(number, line)
    batch.flush()
    if batch.bad:
        click.echo(f"clinrelay deid: skipped {batch.bad} bad line(s)", err=True)


class _Batch:
    """Writes one output line per input line, in input order; consecutive lines of one subject
    are held back and de-identified together."""

    def __init__(self, policy: DeidPolicy, out: IO[str], *, skip_bad: bool) -> None:
        from services.ingestor.phi import deidentify  # noqa: PLC0415

        self.deid = deidentify
        self.policy = policy
        self.out = out
        self.skip_bad = skip_bad
        self.bad = 0
        self.contexts: dict[str, ReportContext] = {}
        self.group: list[tuple[int, Any, str]] = []  # (line number, id, text)
        self.subject: str | None = None

    def add(self, number: int, line: str) -> None:
        try:
            note_id, text, subject = _parse(line)
        except BadLine as exc:
            self.flush()
            self.fail(number, exc)
            return
        if subject is None:
            self.flush()
            self.one(number, note_id, text, None)
            return
        if subject != self.subject:
            self.flush()
            self.subject = subject
        if subject not in self.contexts:
            from services.ingestor.phi.known import KnownPhi  # noqa: PLC0415

            known = KnownPhi(subject_key=subject)
            self.contexts[subject] = self.deid.ReportContext.for_report(known, self.policy)
        self.group.append((number, note_id, text))

    def flush(self) -> None:
        """De-identify the held-back lines of the current subject together."""
        from services.ingestor.phi.port import DeidentificationError  # noqa: PLC0415

        if not self.group or self.subject is None:
            return
        context = self.contexts[self.subject]
        texts = [text for _, _, text in self.group]
        try:
            results = self.deid.deidentify_report_notes(texts, self.policy, context)
        except DeidentificationError:
            # find the failing line: one by one, still sharing what the others taught
            for number, note_id, text in self.group:
                self.one(number, note_id, text, context)
        else:
            for (_, note_id, _), result in zip(self.group, results, strict=True):
                self.write(note_id, result)
        self.group.clear()

    def one(self, number: int, note_id: Any, text: str, context: ReportContext | None) -> None:
        from services.ingestor.phi.port import DeidentificationError  # noqa: PLC0415

        try:
            result = self.deid.deidentify_note(text, policy=self.policy, context=context)
        except DeidentificationError as exc:
            self.fail(number, exc)
            return
        self.write(note_id, result)

    def write(self, note_id: Any, result: DeidentifiedNote) -> None:
        spans = [
            {"start": s.start, "end": s.end, "type": s.type.value, "score": s.score}
            for s in result.spans
        ]
        row = {"id": note_id, "text": result.text, "spans": spans}
        self.out.write(json.dumps(row, ensure_ascii=False) + "\n")

    def fail(self, number: int, problem: object) -> None:
        self.bad += 1
        click.echo(f"clinrelay deid: line {number}: {problem}", err=True)
        if not self.skip_bad:
            sys.exit(2)
