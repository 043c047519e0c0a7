"""``clinrelay deid --jsonl``: batch de-identification of notes, one JSON object per line;
``clinrelay deid train --jsonl --out MODEL``: a detector fitted on a site's annotated notes.

Imports only click at module level; the detector loads on the first note.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any

import click

from clinrelay.cli.errors import fail

_SECRET_ENV = "CLINRELAY_PHI_DATE_SHIFT_SECRET"  # noqa: S105 (a variable name, not a secret)
MODEL_ENV = "CLINRELAY_PHI_MODEL"
THRESHOLD_ENV = "CLINRELAY_PHI_MODEL_THRESHOLD"


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


@click.group(invoke_without_command=True)
@click.option(
    "--jsonl",
    "jsonl",
    is_flag=True,
    help='Read {"id", "text"[, "subject"]} lines on stdin, write results on stdout (required).',
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
    "--site-terms",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The deployment's own hospitals, wards and staff names, one a line "
    "(LOCATION or NAME, a tab, the term; a bare line is a place).",
)
@click.option(
    "--model",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=MODEL_ENV,
    default=None,
    help=f"A model from `clinrelay deid train`: its findings join the rules' [env: {MODEL_ENV}].",
)
@click.option(
    "--model-threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    envvar=THRESHOLD_ENV,
    default=None,
    help="Tag a token PHI when the model's probability that it is PHI reaches this "
    f"(default: the threshold stored in the model) [env: {THRESHOLD_ENV}].",
)
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Report bad lines on stderr and go on, instead of stopping at the first.",
)
@click.pass_context
def deid(
    ctx: click.Context,
    jsonl: bool,
    policy: str,
    keep_years: bool,
    min_score: float,
    time_budget: float,
    site_terms: Path | None,
    model: Path | None,
    model_threshold: float | None,
    skip_bad: bool,
) -> None:
    """De-identify notes: output text has PHI replaced; spans are offsets into the INPUT text.

    Lines sharing a "subject" share surrogates and the date-shift offset (keyed by the
    CLINRELAY_PHI_DATE_SHIFT_SECRET environment variable when set).
    """
    if ctx.invoked_subcommand is not None:
        return
    if not jsonl:
        raise click.UsageError("Missing option '--jsonl'.", ctx)
    # imported here so that `clinrelay --help` and other commands never load the detector
    from services.ingestor.phi.deidentify import ReportContext, deidentify_note  # noqa: PLC0415
    from services.ingestor.phi.policy import DeidPolicy, ReplacementMode  # noqa: PLC0415
    from services.ingestor.phi.port import DeidentificationError  # noqa: PLC0415
    from services.ingestor.phi.site_terms import SiteTermsError, load_site_terms  # noqa: PLC0415
    from shared.intake.known_phi import KnownPhi  # noqa: PLC0415

    try:
        terms = load_site_terms(site_terms) if site_terms else ()
    except SiteTermsError as exc:
        fail(f"--site-terms: {exc}", code=2)  # a usage error, as click reports them
    detector = _detector(model, model_threshold)

    secret = os.environ.get(_SECRET_ENV)
    deid_policy = DeidPolicy(
        mode=ReplacementMode(policy),
        keep_years=keep_years,
        min_score=min_score,
        note_time_budget_s=time_budget,
        date_shift_secret=secret or None,
        site_terms=terms,
        model=detector,
    )
    contexts: dict[str, ReportContext] = {}
    out: IO[str] = sys.stdout
    bad = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            note_id, text, subject = _parse(line)
            if subject is not None:
                if subject not in contexts:
                    contexts[subject] = ReportContext.for_report(
                        KnownPhi(subject_key=subject), deid_policy
                    )
                context = contexts[subject]
            else:
                context = ReportContext.for_report(KnownPhi(), deid_policy)
            result = deidentify_note(text, policy=deid_policy, context=context)
        except (BadLine, DeidentificationError) as exc:
            bad += 1
            click.echo(f"clinrelay deid: line {number}: {exc}", err=True)
            if not skip_bad:
                sys.exit(2)
            continue
        spans = [
            {"start": s.start, "end": s.end, "type": s.type.value, "score": s.score}
            for s in result.spans
        ]
        out.write(
            json.dumps({"id": note_id, "text": result.text, "spans": spans}, ensure_ascii=False)
            + "\n"
        )
    if bad:
        click.echo(f"clinrelay deid: skipped {bad} bad line(s)", err=True)


def _detector(model: Path | None, threshold: float | None) -> Any:
    """The trained detector of ``--model`` (None without one); a usage error if unusable."""
    from services.ingestor.phi.trained import ModelFileError, load_model  # noqa: PLC0415

    if threshold is not None and model is None:
        fail("--model-threshold: no --model (or CLINRELAY_PHI_MODEL) to apply it to", code=2)
    try:
        return load_model(model, threshold) if model else None
    except ModelFileError as exc:
        fail(f"--model: {exc}", code=2)


@deid.command()
@click.option(
    "--jsonl",
    "jsonl",
    is_flag=True,
    required=True,
    help='Read {"id", "text", "spans": [{"start", "end", "type"}]} lines on stdin.',
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="Where to write the model (one file).",
)
@click.option(
    "--iterations",
    type=click.IntRange(1, 5000),
    default=150,
    show_default=True,
    help="Training iterations (L-BFGS).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=None,
    help="Stored in the model: a token is PHI when the model's probability that it is not "
    "'O' reaches this (lower: more recall, less precision; default: the one chosen on "
    "development notes, see docs/phi.md; `clinrelay deid --model-threshold` overrides it).",
)
@click.option(
    "--c1", type=click.FloatRange(min=0.0), default=0.05, show_default=True, help="L1 penalty."
)
@click.option(
    "--c2", type=click.FloatRange(min=0.0), default=0.01, show_default=True, help="L2 penalty."
)
def train(
    jsonl: bool, out: Path, iterations: int, threshold: float | None, c1: float, c2: float
) -> None:
    """Fit a PHI detector (a CRF) on annotated notes and write it to OUT.

    Span types are clinrelay's (NAME, DATE, LOCATION, ADDRESS, ZIP, PHONE, ID, ...) or i2b2
    2014 / physionet-deid categories. Load the model with --model or CLINRELAY_PHI_MODEL.
    """
    import time  # noqa: PLC0415
    from collections import Counter  # noqa: PLC0415

    from services.ingestor.phi.trained import TRAINING_THRESHOLD, train_model  # noqa: PLC0415
    from services.ingestor.phi.training_data import (  # noqa: PLC0415
        TrainingDataError,
        read_training_notes,
    )

    try:
        notes = list(read_training_notes(sys.stdin))
    except TrainingDataError as exc:
        fail(str(exc), code=2)
    if not any(note.spans for note in notes):
        fail("no annotated PHI span on stdin: nothing to learn from", code=2)
    started = time.perf_counter()
    threshold = TRAINING_THRESHOLD if threshold is None else threshold
    header = train_model(notes, out, iterations=iterations, threshold=threshold, c1=c1, c2=c2)
    counts = Counter(span.type.value for note in notes for span in note.spans)
    spans = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
    click.echo(
        f"clinrelay deid train: {len(notes)} notes, {header['tokens']} tokens ({spans}); "
        f"model written to {out} in {time.perf_counter() - started:.1f} s "
        f"(threshold {threshold})",
        err=True,
    )
