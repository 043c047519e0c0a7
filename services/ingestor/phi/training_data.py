"""Annotated notes for ``clinrelay deid train``: one JSON object a line,
``{"id", "text", "spans": [{"start", "end", "type"}]}``, offsets into ``text`` (end exclusive).

``type`` is a clinrelay PHI type (NAME, DATE, LOCATION, ID... see :class:`~.spans.PhiType`) or an
i2b2 2014 / physionet-deid category, mapped to one (PATIENT, DOCTOR -> NAME; HOSPITAL, CITY ->
LOCATION; MEDICALRECORD -> MRN; IDNUM, DEVICE, HEALTHPLAN -> ID...). Categories that are not
identifiers under Safe Harbor (PROFESSION, STATE, COUNTRY) are read and left out of training.
A line that breaks these rules raises :class:`TrainingDataError` with its line number; the
message never quotes the note.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from services.ingestor.phi.spans import PhiType
from services.ingestor.phi.trained import TrainingNote, TrainingSpan

ALIASES: dict[str, PhiType | None] = {
    # i2b2 2014
    "PATIENT": PhiType.NAME,
    "DOCTOR": PhiType.NAME,
    "USERNAME": PhiType.NAME,
    "PERSON": PhiType.NAME,
    "HOSPITAL": PhiType.LOCATION,
    "ORGANIZATION": PhiType.LOCATION,
    "CITY": PhiType.LOCATION,
    "LOCATION-OTHER": PhiType.LOCATION,
    "ROOM": PhiType.LOCATION,
    "STREET": PhiType.ADDRESS,
    "MEDICALRECORD": PhiType.MRN,
    "IDNUM": PhiType.ID,
    "DEVICE": PhiType.ID,
    "HEALTHPLAN": PhiType.ID,
    "ACCOUNT": PhiType.ID,
    "LICENSE": PhiType.ID,
    "BIOID": PhiType.ID,
    "VEHICLE": PhiType.ID,
    "PROFESSION": None,
    "STATE": None,
    "COUNTRY": None,
    "DEPARTMENT": None,
    # physionet-deid
    "PTNAME": PhiType.NAME,
    "PTNAMEINITIAL": PhiType.NAME,
    "HCPNAME": PhiType.NAME,
    "RELATIVEPROXYNAME": PhiType.NAME,
    "DATEYEAR": PhiType.YEAR,
    "OTHER": PhiType.ID,
}


class TrainingDataError(Exception):
    """A bad line of training data: ``line`` is its number (from 1)."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def span_type(value: object) -> PhiType | None:
    """The PHI type a span's ``type`` names (None: a category that is not PHI)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError('"type" must be a non-empty string')
    key = value.strip().upper()
    if key in PhiType.__members__:
        return PhiType[key]
    if key in ALIASES:
        return ALIASES[key]
    known = ", ".join(PhiType.__members__)
    raise ValueError(f'unknown "type" {value[:40]!r} (one of {known}, or an i2b2 category)')


def _span(raw: Any, position: int, length: int) -> TrainingSpan | None:
    where = f"span {position}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} is not an object with start, end and type")
    start, end = raw.get("start"), raw.get("end")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f'{where}: "{name}" must be an integer')
    assert isinstance(start, int)
    assert isinstance(end, int)
    if not 0 <= start < end:
        raise ValueError(f"{where}: start {start} and end {end} do not make a span")
    if end > length:
        raise ValueError(f"{where} ends at {end}, past the text's {length} characters")
    try:
        kind = span_type(raw.get("type"))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return None if kind is None else TrainingSpan(start, end, kind)


def parse_line(line: str) -> TrainingNote:
    """One annotated note (raises ``ValueError`` naming the problem)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise ValueError('expected a JSON object with "id", "text" and "spans"')
    if "id" not in record:
        raise ValueError('missing "id"')
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" must be a string' if "text" in record else 'missing "text"')
    spans = record.get("spans")
    if not isinstance(spans, list):
        raise ValueError('"spans" must be a list' if "spans" in record else 'missing "spans"')
    parsed = [_span(raw, n, len(text)) for n, raw in enumerate(spans, start=1)]
    return TrainingNote(
        id=str(record["id"]), text=text, spans=tuple(s for s in parsed if s is not None)
    )


def read_training_notes(lines: Iterable[str]) -> Iterator[TrainingNote]:
    """Every annotated note of ``lines`` (blank lines skipped); the first bad line raises
    :class:`TrainingDataError`."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield parse_line(line)
        except ValueError as exc:
            raise TrainingDataError(number, str(exc)) from None
