"""``clinrelay deid --jsonl``: offsets into the input, clear errors for bad lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from clinrelay.cli import main

LINES: list[dict[str, str | int]] = [
    {"id": "n1", "text": "Dr. Okonkwo saw pt on 7/22. Call 617-555-0142."},
    {"id": 2, "text": "No identifiers here: CHF, on Lasix."},
]


def run(stdin: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["deid", "--jsonl", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_output_spans_are_offsets_into_the_input_text() -> None:
    code, out, _ = run("".join(json.dumps(x) + "\n" for x in LINES))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["n1", 2]
    source = str(LINES[0]["text"])
    surfaces = {source[s["start"] : s["end"]]: s["type"] for s in rows[0]["spans"]}
    assert surfaces == {"Okonkwo": "NAME", "7/22": "DATE", "617-555-0142": "PHONE"}
    assert rows[0]["text"] == "Dr. [NAME] saw pt on [DATE]. Call [PHONE]."
    assert all(0 < s["score"] <= 1 for s in rows[0]["spans"])
    assert rows[1] == {"id": 2, "text": LINES[1]["text"], "spans": []}


def test_policy_option() -> None:
    _, out, _ = run(json.dumps(LINES[0]) + "\n", "--policy", "surrogate")
    text = json.loads(out)["text"]
    assert "Okonkwo" not in text
    assert "[NAME]" not in text
    assert "617-555-0142" not in text


def test_a_bad_line_stops_with_its_number() -> None:
    code, out, err = run(json.dumps(LINES[0]) + "\nnot json\n" + json.dumps(LINES[1]) + "\n")
    assert code != 0
    assert "line 2" in err
    assert "not valid JSON" in err
    assert len(out.splitlines()) == 1


def test_skip_bad_reports_and_goes_on() -> None:
    stdin = '{"id": 1}\n{"text": "x"}\n[1]\n' + json.dumps(LINES[1]) + "\n"
    code, out, err = run(stdin, "--skip-bad")
    assert code == 0
    assert 'line 1: missing "text"' in err
    assert 'line 2: missing "id"' in err
    assert "line 3" in err
    assert len(out.splitlines()) == 1


def test_the_command_starts_without_loading_the_web_stack() -> None:
    probe = (
        "import sys, runpy; sys.argv=['clinrelay','deid','--help'];"
        "import clinrelay.cli as c\n"
        "try:\n c.main()\nexcept SystemExit:\n pass\n"
        "heavy = ('fastapi', 'aio_pika', 'asyncpg', 'weasyprint', 'spacy')\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().endswith("[]")


def test_site_terms_mask_the_deployment_s_own_places_and_staff(tmp_path: Path) -> None:
    terms = tmp_path / "site.txt"
    terms.write_text("# our units and staff\nHarbor\nNAME\tBunny\n", encoding="utf-8")
    note = {"id": "n", "text": "records faxed to harbor; wife bunny at bedside"}
    _, plain, _ = run(json.dumps(note) + "\n")
    code, out, _ = run(json.dumps(note) + "\n", "--site-terms", str(terms))
    assert code == 0
    assert "harbor" in json.loads(plain)["text"]  # the general rules alone let both through
    assert json.loads(out)["text"] == "records faxed to [LOCATION]; wife [NAME] at bedside"


def test_a_bad_site_terms_file_is_refused_naming_its_line(tmp_path: Path) -> None:
    terms = tmp_path / "site.txt"
    terms.write_text("Harbor\nWARD\tQuartermain\n", encoding="utf-8")
    code, out, err = run(json.dumps(LINES[0]) + "\n", "--site-terms", str(terms))
    assert code == 2
    assert out == ""
    assert "line 2" in err
    assert "LOCATION or NAME" in err
