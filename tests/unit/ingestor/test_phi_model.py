"""``clinrelay deid train``: a detector fitted on a site's annotated notes; its findings join
the rules' in the CLI and in the ingestor, which loads it once."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from clinrelay.cli import main
from services.ingestor.phi import trained
from services.ingestor.phi.deidentify import PhiDeidentifier, deidentify_note
from services.ingestor.phi.settings import PhiSettings
from services.ingestor.phi.trained import ModelFileError, load_model
from shared.intake.known_phi import KnownPhi

# A site names its wards after plants, in lower case: "back to larkspur pod". The rules have no
# reason to take a lower-case plant name for a place; a model trained on the site's notes does.
_PLANT_WORDS = "larkspur aster bramble clover daisy fennel heather iris juniper lilac mallow nettle"
_PLANT_WORDS += " orchid poppy rowan sorrel tansy violet willow yarrow hazel thistle primrose sage"
TRAIN_PLANTS = _PLANT_WORDS.split()
NEW_PLANTS = ("foxglove", "bluebell", "meadowsweet")
OPENINGS = ("moved to", "back to", "transferred to", "returned to", "seen on", "admitted to")
TAILS = (
    "overnight, afebrile.",
    "after CT, bp 118/76.",
    "for telemetry; hr 88.",
    "per team. continue lasix.",
    "stable, pain 3/10.",
)


def site_notes(
    count: int, seed: int, plants: tuple[str, ...] | list[str]
) -> list[dict[str, object]]:
    rng = random.Random(seed)
    notes: list[dict[str, object]] = []
    for n in range(count):
        head = f"pt {rng.choice(OPENINGS)} "
        plant = rng.choice(plants)
        text = f"{head}{plant} pod {rng.choice(TAILS)} plan reviewed with family."
        span = {"start": len(head), "end": len(head) + len(plant), "type": "LOCATION"}
        notes.append({"id": f"s{n}", "text": text, "spans": [span]})
    return notes


def jsonl(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def train(tmp_path: Path, rows: list[dict[str, object]], name: str = "site.model") -> Path:
    out = tmp_path / name
    result = CliRunner().invoke(
        main, ["deid", "train", "--jsonl", "--out", str(out)], input=jsonl(rows)
    )
    assert result.exit_code == 0, result.stderr
    assert f"{len(rows)} notes" in result.stderr
    assert out.exists()
    return out


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train(tmp_path_factory.mktemp("model"), site_notes(80, 1, TRAIN_PLANTS))


def test_the_model_finds_a_kind_of_phi_the_rules_miss(model_file: Path) -> None:
    notes = [row["text"] for row in site_notes(12, 7, NEW_PLANTS)]
    without = [deidentify_note(str(t)).text for t in notes]
    missed = [t for t in without if any(p in t for p in NEW_PLANTS)]
    assert len(missed) >= 10  # the rules let (nearly) all of them through
    detector = load_model(model_file)
    from services.ingestor.phi.policy import DeidPolicy

    policy = DeidPolicy(model=detector)
    with_model = [deidentify_note(str(t), policy=policy).text for t in notes]
    assert not any(p in t for t in with_model for p in NEW_PLANTS)
    assert all("[LOCATION] pod" in t for t in with_model)
    # and nothing else: the clinical words stay
    assert [t.replace("[LOCATION]", "") for t in with_model] == [
        str(t).replace(p, "") for t in notes for p in NEW_PLANTS if p in str(t)
    ]


def test_the_cli_loads_the_model_from_the_option_or_the_environment(model_file: Path) -> None:
    line = json.dumps({"id": 1, "text": "pt back to foxglove pod overnight."}) + "\n"
    runner = CliRunner()
    plain = runner.invoke(main, ["deid", "--jsonl"], input=line)
    assert "foxglove" in json.loads(plain.stdout)["text"]
    option = runner.invoke(main, ["deid", "--jsonl", "--model", str(model_file)], input=line)
    assert json.loads(option.stdout)["text"] == "pt back to [LOCATION] pod overnight."
    env = runner.invoke(
        main, ["deid", "--jsonl"], input=line, env={"CLINRELAY_PHI_MODEL": str(model_file)}
    )
    assert json.loads(env.stdout)["text"] == "pt back to [LOCATION] pod overnight."


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) // 2], "corrupt or truncated"),
        (lambda data: data[:-40] + bytes(40), "corrupt or truncated"),
        (lambda data: b"\x00\x01 not a model at all", "not a clinrelay PHI model"),
        (lambda data: data.replace(b'"format": 1', b'"format": 99'), "retrain it"),
        (lambda data: data.split(b"\n", 1)[0] + b"\n{not json\n", "header is damaged"),
    ],
)
def test_a_damaged_model_file_is_refused_with_a_clear_error(
    model_file: Path, tmp_path: Path, damage: object, message: str
) -> None:
    bad = tmp_path / "bad.model"
    bad.write_bytes(damage(model_file.read_bytes()))  # type: ignore[operator]
    with pytest.raises(ModelFileError, match=message):
        load_model(bad)
    line = json.dumps({"id": 1, "text": "seen today."}) + "\n"
    result = CliRunner().invoke(main, ["deid", "--jsonl", "--model", str(bad)], input=line)
    assert result.exit_code == 2
    assert message in result.stderr
    assert str(bad) in result.stderr
    assert result.stdout == ""
    with pytest.raises(ModelFileError, match=message):
        PhiSettings(phi_model=bad).deid_policy()  # the ingestor stops at start


def test_a_missing_model_file_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["deid", "--jsonl", "--model", str(tmp_path / "nope.model")], input="\n"
    )
    assert result.exit_code == 2
    assert "nope.model: cannot be read" in result.stderr


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('{"id": 1, "text": "ok", "spans": []}\n{"id": 2, "text": ', "line 2: not valid JSON"),
        (
            '{"id": 1, "text": "short", "spans": [{"start": 0, "end": 9, "type": "NAME"}]}',
            "line 1: span 1 ends at 9, past the text's 5 characters",
        ),
        (
            '\n{"id": 1, "text": "x y", "spans": [{"start": 2, "end": 1, "type": "NAME"}]}',
            "line 2: span 1: start 2 and end 1 do not make a span",
        ),
        (
            '{"id": 1, "text": "x y", "spans": [{"start": 0, "end": 1, "type": "COLOUR"}]}',
            "line 1: span 1: unknown \"type\" 'COLOUR'",
        ),
        (
            '{"id": 1, "text": "x y", "spans": [{"start": "0", "end": 1, "type": "NAME"}]}',
            'line 1: span 1: "start" must be an integer',
        ),
        ('{"id": 1, "text": "x y"}', 'line 1: missing "spans"'),
        ('{"text": "x y", "spans": []}', 'line 1: missing "id"'),
        ("[1, 2]", "line 1: expected a JSON object"),
        ('{"id": 1, "text": "nothing marked", "spans": []}', "no annotated PHI span"),
    ],
)
def test_bad_training_input_is_a_usage_error_naming_the_line(
    tmp_path: Path, lines: str, message: str
) -> None:
    out = tmp_path / "m.model"
    result = CliRunner().invoke(main, ["deid", "train", "--jsonl", "--out", str(out)], input=lines)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()  # nothing half-written


def test_i2b2_categories_are_read_and_non_phi_ones_left_out(tmp_path: Path) -> None:
    rows = [
        {
            "id": n,
            "text": f"Dr. Quorbeld{n} is a surgeon in Ohio.",
            "spans": [
                {"start": 4, "end": 12 + len(str(n)), "type": "DOCTOR"},
                {"start": 18, "end": 25, "type": "PROFESSION"},
                {"start": 29, "end": 33, "type": "STATE"},
            ],
        }
        for n in range(5)
    ]
    model = load_model(train(tmp_path, rows))
    assert model.header["spans"] == {"NAME": 5}


def test_the_ingestor_loads_the_model_once_per_worker(
    model_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[Path] = []
    real = trained.load_model

    def counting(path: Path, threshold: float | None = None) -> trained.CrfDetector:
        loads.append(path)
        return real(path, threshold)

    monkeypatch.setattr("services.ingestor.phi.settings.load_model", counting)
    # what services/ingestor/main.py does once when the worker starts
    deidentifier = PhiDeidentifier(PhiSettings(phi_model=model_file).deid_policy())
    texts: list[str] = []
    for report in range(4):
        notes = [f"pt moved to foxglove pod, report {report}.", "back to bluebell pod today."]
        texts += deidentifier.deidentify_notes(notes, KnownPhi()).texts
    assert loads == [model_file]
    assert not any(p in t for t in texts for p in NEW_PLANTS)


@pytest.mark.parametrize(
    ("category", "kind"),
    [("ROOM", "LOCATION"), ("LOCATION-OTHER", "LOCATION"), ("HOSPITAL", "LOCATION")],
)
def test_every_i2b2_place_category_is_a_location(category: str, kind: str) -> None:
    from services.ingestor.phi.training_data import span_type

    found = span_type(category)
    assert found is not None
    assert found.value == kind
