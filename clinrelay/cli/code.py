"""``clinrelay code --jsonl``: ICD-10-CM codes for a batch of de-identified notes.

Each input line is ``{"id": ..., "text": ..., "setting": ...}``: ``setting`` (optional) is
"inpatient", "outpatient" or "emergency" — the Official Guidelines code uncertain diagnoses only
for inpatients — or give ``encounter_class``, an HL7 v3 ActCode such as AMB, IMP, EMER (not both).
Without either the line is coded as outpatient. Each output line is ``{"id": ..., "setting": ...,
"codes": [{"code", "description", "category", "score", "assertion", "start", "end"}]}`` with the
billable suggestions, one entry per piece of evidence; with ``--all`` also ``"excluded": [{"code",
"description", "assertion", "reason", "start", "end"}]``: what was found but not reported, and
why (negated, a relative's, uncertain outpatient, integral to a diagnosis...). Lines that cannot
be read are reported on stderr with their line number and skipped; the exit status is then 2.
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


_SETTINGS = {
    "inpatient": CareSetting.INPATIENT,
    "outpatient": CareSetting.OUTPATIENT,
    "emergency": CareSetting.EMERGENCY,
}


def parse_request(line: str) -> tuple[str, str, CareSetting]:
    """One JSONL line → (id, text, setting); raises :class:`BadLine` naming what is wrong."""
    try:
        request = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise BadLine(f"not valid JSON ({error.msg})") from None
    if not isinstance(request, dict):
        raise BadLine('expected a JSON object with "id" and "text"')
    unknown = set(request) - {"id", "text", "encounter_class", "setting"}
    if unknown:
        raise BadLine(f"unexpected field(s): {', '.join(sorted(unknown))}")
    note_id, text = request.get("id"), request.get("text")
    if not isinstance(note_id, str | int) or isinstance(note_id, bool) or note_id == "":
        raise BadLine('"id" must be a non-empty string or an integer')
    if not isinstance(text, str):
        raise BadLine('"text" must be a string')
    setting = request.get("setting")
    if setting is None:
        return str(note_id), text, care_setting(request.get("encounter_class"))
    if "encounter_class" in request:
        raise BadLine('give "setting" or "encounter_class", not both')
    if not isinstance(setting, str) or setting.strip().lower() not in _SETTINGS:
        raise BadLine('"setting" must be "inpatient", "outpatient" or "emergency"')
    return str(note_id), text, _SETTINGS[setting.strip().lower()]


def coded_line(
    note_id: str, text: str, setting: CareSetting, include_excluded: bool = False
) -> dict[str, Any]:
    # imported here so `clinrelay --help` does not load the ICD-10-CM code set
    from services.analyzer.coding.coder import NoteText, code_encounter  # noqa: PLC0415

    result = code_encounter([NoteText(note_id, text)], setting)
    codes = [
        {
            "code": suggestion.code,
            "description": suggestion.description,
            "category": suggestion.category.value,
            "score": suggestion.score,
            "assertion": suggestion.assertion.value,
            "start": evidence.start,
            "end": evidence.end,
        }
        for suggestion in result.suggestions
        for evidence in suggestion.evidence
    ]
    line: dict[str, Any] = {"id": note_id, "setting": setting.value, "codes": codes}
    if include_excluded:
        line["excluded"] = [
            {
                "code": excluded.code,
                "description": excluded.description,
                "assertion": excluded.assertion.value,
                "reason": excluded.rationale,
                "start": evidence.start,
                "end": evidence.end,
            }
            for excluded in result.excluded
            for evidence in excluded.evidence
        ]
    return line


@click.command()
@click.option("--jsonl", "jsonl", is_flag=True, required=True, help="Read and write JSON lines.")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "-o", "--output", type=click.File("wb"), default="-", help="Where to write (default stdout)."
)
@click.option(
    "--all",
    "include_excluded",
    is_flag=True,
    help="Also list the mentions found but not coded, each with its reason.",
)
def code(jsonl: bool, source: IO[str], output: IO[bytes], include_excluded: bool) -> None:
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
        output.write(orjson.dumps(coded_line(note_id, text, setting, include_excluded)) + b"\n")
        output.flush()
    if bad:
        click.echo(f"{bad} line(s) could not be read", err=True)
        sys.exit(2)
