"""``clinrelay code --jsonl``: ICD-10-CM codes for a batch of de-identified notes.

Each input line is ``{"id": ..., "text": ..., "encounter_class": ...}`` (encounter_class
optional: an HL7 v3 ActCode such as AMB, IMP, EMER, or a setting name such as "inpatient"); each
output line is ``{"id": ..., "codes": [{"code", "description", "score", "assertion", "start",
"end"}]}`` with the billable suggestions, one entry per piece of evidence. Lines that cannot be
read are reported on stderr with their line number and skipped; the exit status is then 2.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import click
import orjson

from shared.events.coding import CareSetting

SETTING_BY_CLASS = {
    "IMP": CareSetting.INPATIENT,
    "ACUTE": CareSetting.INPATIENT,
    "NONAC": CareSetting.INPATIENT,
    "EMER": CareSetting.EMERGENCY,
    "AMB": CareSetting.OUTPATIENT,
    "OBSENC": CareSetting.OUTPATIENT,
    "PRENC": CareSetting.OUTPATIENT,
    "SS": CareSetting.OUTPATIENT,
    "VR": CareSetting.OUTPATIENT,
    "HH": CareSetting.OUTPATIENT,
    "FLD": CareSetting.OUTPATIENT,
}


class BadLine(ValueError):
    """An input line that is not a usable request; the message names the problem."""


def care_setting(encounter_class: object) -> CareSetting:
    """An encounter class (v3 ActCode or setting name) → the coding rules that apply."""
    if encounter_class is None:
        return CareSetting.OUTPATIENT
    if not isinstance(encounter_class, str):
        raise BadLine('"encounter_class" must be a string such as "AMB" or "inpatient"')
    value = encounter_class.strip()
    if value.upper() in SETTING_BY_CLASS:
        return SETTING_BY_CLASS[value.upper()]
    try:
        return CareSetting(value.lower())
    except ValueError:
        known = ", ".join(sorted(SETTING_BY_CLASS) + [s.value for s in CareSetting])
        raise BadLine(f'unknown encounter_class "{value[:40]}" (known: {known})') from None


def parse_request(line: str) -> tuple[str, str, CareSetting]:
    """One JSONL line → (id, text, setting); raises :class:`BadLine` naming what is wrong."""
    try:
        request = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise BadLine(f"not valid JSON ({error.msg})") from None
    if not isinstance(request, dict):
        raise BadLine('expected a JSON object with "id" and "text"')
    unknown = set(request) - {"id", "text", "encounter_class"}
    if unknown:
        raise BadLine(f"unexpected field(s): {', '.join(sorted(unknown))}")
    note_id, text = request.get("id"), request.get("text")
    if not isinstance(note_id, str | int) or isinstance(note_id, bool) or note_id == "":
        raise BadLine('"id" must be a non-empty string or an integer')
    if not isinstance(text, str):
        raise BadLine('"text" must be a string')
    return str(note_id), text, care_setting(request.get("encounter_class"))


def coded_line(note_id: str, text: str, setting: CareSetting) -> dict[str, Any]:
    # imported here so `clinrelay --help` does not load the ICD-10-CM code set
    from services.analyzer.coding.coder import NoteText, code_encounter  # noqa: PLC0415

    result = code_encounter([NoteText(note_id, text)], setting)
    codes = [
        {
            "code": suggestion.code,
            "description": suggestion.description,
            "score": suggestion.score,
            "assertion": suggestion.assertion.value,
            "start": evidence.start,
            "end": evidence.end,
        }
        for suggestion in result.suggestions
        for evidence in suggestion.evidence
    ]
    return {"id": note_id, "codes": codes}


@click.command()
@click.option("--jsonl", "jsonl", is_flag=True, required=True, help="Read and write JSON lines.")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "-o", "--output", type=click.File("wb"), default="-", help="Where to write (default stdout)."
)
def code(jsonl: bool, source: IO[str], output: IO[bytes]) -> None:
    """Infer billable ICD-10-CM codes for de-identified notes, one JSON object per line."""
    bad = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            note_id, text, setting = parse_request(line)
        except BadLine as problem:
            bad += 1
            click.echo(f"line {number}: {problem}", err=True)
            continue
        output.write(orjson.dumps(coded_line(note_id, text, setting)) + b"\n")
        output.flush()
    if bad:
        click.echo(f"{bad} line(s) could not be read", err=True)
        sys.exit(2)
