from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from clinrelay.cli import main
from clinrelay.cli.code import BadLine, care_setting, parse_request
from shared.events.coding import CareSetting


def run(lines: list[str]) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(main, ["code", "--jsonl"], input="\n".join(lines) + "\n")
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, rows, result.stderr


def test_codes_each_line() -> None:
    code, rows, _ = run(
        [
            json.dumps(
                {"id": "a", "text": "Type 2 diabetes with hyperglycemia. Denies chest pain."}
            ),
            json.dumps({"id": 2, "text": "Possible pneumonia.", "encounter_class": "IMP"}),
            json.dumps({"id": "c", "text": "Possible pneumonia.", "encounter_class": "AMB"}),
        ]
    )
    assert code == 0
    assert rows[0]["id"] == "a"
    first = rows[0]["codes"]
    assert [c["code"] for c in first] == ["E11.65"]
    assert first[0] == {
        "code": "E11.65",
        "description": "Type 2 diabetes mellitus with hyperglycemia",
        "category": "diagnosis",
        "score": first[0]["score"],
        "assertion": "present",
        "start": 0,
        "end": 34,
    }
    assert [c["code"] for c in rows[1]["codes"]] == ["J18.9"]
    assert rows[1]["codes"][0]["assertion"] == "uncertain"
    assert rows[2]["codes"] == []  # outpatient: uncertain diagnoses are not coded


def test_bad_lines_are_named_and_skipped() -> None:
    code, rows, err = run(
        [
            "{not json",
            json.dumps({"id": "ok", "text": "Gout."}),
            json.dumps({"text": "x"}),
            json.dumps({"id": "x", "text": "y", "encounter_class": "SPACESHIP"}),
        ]
    )
    assert code == 2
    assert [r["id"] for r in rows] == ["ok"]
    assert "line 1: not valid JSON" in err
    assert 'line 3: "id" must be' in err
    assert "line 4: unknown encounter_class" in err


@pytest.mark.parametrize(
    ("value", "setting"),
    [
        ("IMP", CareSetting.INPATIENT),
        ("emer", CareSetting.EMERGENCY),
        ("AMB", CareSetting.OUTPATIENT),
        ("inpatient", CareSetting.INPATIENT),
        (None, CareSetting.OUTPATIENT),
    ],
)
def test_encounter_classes(value: str | None, setting: CareSetting) -> None:
    assert care_setting(value) is setting


def test_unexpected_fields_are_refused() -> None:
    with pytest.raises(BadLine, match="unexpected field"):
        parse_request(json.dumps({"id": "a", "text": "b", "patient_name": "x"}))


def test_a_setting_per_line_decides_uncertain_diagnoses() -> None:
    text = "Assessment: probable pneumonia. Cough."
    lines = [
        json.dumps({"id": "out", "text": text, "setting": "outpatient"}),
        json.dumps({"id": "in", "text": text, "setting": "inpatient"}),
    ]
    result = CliRunner().invoke(main, ["code", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out, inpatient = (json.loads(line) for line in result.output.splitlines())
    assert (out["setting"], [c["code"] for c in out["codes"]]) == ("outpatient", ["R05.9"])
    assert (inpatient["setting"], [c["code"] for c in inpatient["codes"]]) == (
        "inpatient",
        ["J18.9"],
    )


@pytest.mark.parametrize(
    ("request_line", "problem"),
    [
        ({"id": "a", "text": "x", "setting": "ward"}, '"setting" must be'),
        ({"id": "a", "text": "x", "setting": "inpatient", "encounter_class": "IMP"}, "not both"),
    ],
)
def test_a_bad_setting_is_named(request_line: dict[str, Any], problem: str) -> None:
    with pytest.raises(BadLine, match=problem):
        parse_request(json.dumps(request_line))


def test_all_lists_what_was_left_out_and_why() -> None:
    line = json.dumps({"id": "n", "text": "No fever. Productive cough. A: Acute bronchitis."})
    result = CliRunner().invoke(main, ["code", "--jsonl", "--all"], input=line + "\n")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert [c["code"] for c in answer["codes"]] == ["J20.9"]
    reasons = {e["code"]: e["reason"] for e in answer["excluded"]}
    assert "negated" in reasons["R50.9"]
    assert "Section I.B.5" in reasons["R05.9"]
