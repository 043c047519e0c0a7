"""The trained model's decision threshold and its features (services.ingestor.phi.trained,
model_features): a lower threshold trades precision for recall without retraining; the
threshold is stored in the model file and can be overridden where the model is loaded."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from clinrelay.cli import main
from services.ingestor.phi.lexicon import load_lexicon
from services.ingestor.phi.model_features import FEATURE_SETS, features_v2, tokens
from services.ingestor.phi.settings import PhiSettings
from services.ingestor.phi.spans import PhiType
from services.ingestor.phi.trained import (
    CrfDetector,
    ModelFileError,
    TrainingNote,
    TrainingSpan,
    decode,
    load_model,
    train_model,
)

# ward names that are plants, typed in lower case: the rules do not know them
WARDS = ["larkspur", "aster", "bramble", "clover", "daisy", "fennel", "heather", "iris"]
OPENINGS = ("moved to", "back to", "transferred to", "seen on")


def _probs(phi: float, kind: str = "NAME", begin: bool = True) -> dict[str, float]:
    label = f"{'B' if begin else 'I'}-{kind}"
    return {"O": 1.0 - phi, label: phi}


def test_a_token_is_phi_when_its_probability_reaches_the_threshold() -> None:
    text = "seen by Ivo Quell today"
    toks = tokens(text)
    marginals = [_probs(0.01), _probs(0.02), _probs(0.35), _probs(0.3, begin=False), _probs(0.01)]
    assert decode(text, toks, marginals, 0.5) == []
    found = decode(text, toks, marginals, 0.3)
    assert [(text[s.start : s.end], s.type) for s in found] == [("Ivo Quell", PhiType.NAME)]
    # the finding's score sits at the detector's min_score (0.5) at the threshold, higher above
    assert found[0].score == pytest.approx(0.5)
    assert decode(text, toks, marginals, 0.2)[0].score > 0.5
    # one threshold lower, and the name's first word alone
    assert [text[s.start : s.end] for s in decode(text, toks, marginals, 0.33)] == ["Ivo"]


def test_the_type_is_the_most_probable_one_and_a_new_line_ends_a_finding() -> None:
    text = "Larkspur\nAster"
    toks = tokens(text)
    place = {"O": 0.4, "B-LOCATION": 0.35, "B-NAME": 0.25}
    found = decode(text, toks, [place, place], 0.5)
    assert [(text[s.start : s.end], s.type) for s in found] == [
        ("Larkspur", PhiType.LOCATION),
        ("Aster", PhiType.LOCATION),
    ]


def _site_notes(count: int, seed: int) -> list[TrainingNote]:
    rng = random.Random(seed)
    notes = []
    for n in range(count):
        head = f"pt {rng.choice(OPENINGS)} "
        ward = rng.choice(WARDS)
        text = f"{head}{ward} pod overnight. plan reviewed with family."
        span = TrainingSpan(len(head), len(head) + len(ward), PhiType.LOCATION)
        notes.append(TrainingNote(f"s{n}", text, (span,)))
    return notes


@pytest.fixture(scope="module")
def weak_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model held back by a strong L2 penalty: its probabilities sit mid-way."""
    out = tmp_path_factory.mktemp("weak") / "weak.model"
    train_model(_site_notes(30, 3), out, iterations=50, c1=0.0, c2=50.0, threshold=0.3)
    return out


def test_the_threshold_is_stored_in_the_model_and_can_be_overridden(weak_model: Path) -> None:
    stored = load_model(weak_model)
    assert stored.header["threshold"] == 0.3
    assert stored.threshold == 0.3
    assert load_model(weak_model, 0.9).threshold == 0.9
    text = "pt moved to foxglove pod overnight."
    toks, marginals = stored.probabilities(text)
    p = [1 - m["O"] for m in marginals]
    ward = next(i for i, t in enumerate(toks) if t.text == "foxglove")
    # the unknown ward is more likely PHI than any other word, but not surely
    assert p[ward] == max(p)
    assert p[ward] < 0.9
    lenient = load_model(weak_model, p[ward] - 0.01)
    strict = load_model(weak_model, min(1.0, p[ward] + 0.01))
    assert "foxglove" in [text[s.start : s.end] for s in lenient.find(text)]
    assert "foxglove" not in [text[s.start : s.end] for s in strict.find(text)]


def test_a_lower_threshold_finds_more_and_never_less(weak_model: Path) -> None:
    texts = [n.text for n in _site_notes(10, 99)]
    counts = []
    for threshold in (0.9, 0.5, 0.3, 0.1):
        model = load_model(weak_model, threshold)
        counts.append(sum(len(model.find(t)) for t in texts))
    assert counts == sorted(counts)
    assert counts[-1] > counts[0]


def test_the_cli_and_the_ingestor_override_the_threshold(weak_model: Path) -> None:
    line = json.dumps({"id": 1, "text": "pt moved to foxglove pod overnight."}) + "\n"
    runner = CliRunner()
    loose = runner.invoke(
        main,
        ["deid", "--jsonl", "--model", str(weak_model), "--model-threshold", "0.01"],
        input=line,
    )
    tight = runner.invoke(
        main,
        ["deid", "--jsonl", "--model", str(weak_model)],
        input=line,
        env={"CLINRELAY_PHI_MODEL_THRESHOLD": "1.0"},
    )
    assert loose.exit_code == 0, loose.stderr
    assert tight.exit_code == 0, tight.stderr
    assert "foxglove" not in json.loads(loose.stdout)["text"]
    assert "foxglove" in json.loads(tight.stdout)["text"]
    policy = PhiSettings(phi_model=weak_model, phi_model_threshold=0.8).deid_policy()
    assert isinstance(policy.model, CrfDetector)
    assert policy.model.threshold == 0.8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model-threshold", "0.4"], "no --model"),
        (["--model-threshold", "0"], "--model-threshold"),
        (["--model-threshold", "1.5"], "--model-threshold"),
    ],
)
def test_a_bad_threshold_is_a_usage_error(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["deid", "--jsonl", *args], input="\n")
    assert result.exit_code == 2
    assert message in result.stderr


def test_train_stores_the_threshold_it_is_given(tmp_path: Path) -> None:
    rows = [
        {
            "id": n.id,
            "text": n.text,
            "spans": [{"start": s.start, "end": s.end, "type": "LOCATION"} for s in n.spans],
        }
        for n in _site_notes(20, 5)
    ]
    out = tmp_path / "m.model"
    stdin = "".join(json.dumps(r) + "\n" for r in rows)
    args = ["deid", "train", "--jsonl", "--out", str(out), "--iterations", "5"]
    result = CliRunner().invoke(main, [*args, "--threshold", "0.25"], input=stdin)
    assert result.exit_code == 0, result.stderr
    assert "threshold 0.25" in result.stderr
    assert load_model(out).threshold == 0.25
    bad = CliRunner().invoke(main, [*args, "--threshold", "2"], input=stdin)
    assert bad.exit_code == 2


def test_a_model_with_a_damaged_threshold_is_refused(weak_model: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.model"
    bad.write_bytes(weak_model.read_bytes().replace(b'"threshold": 0.3', b'"threshold": 7'))
    with pytest.raises(ModelFileError, match="threshold 7"):
        load_model(bad)


def test_a_model_of_the_first_feature_set_still_loads_and_tags(tmp_path: Path) -> None:
    out = tmp_path / "v1.model"
    train_model(_site_notes(40, 2), out, features="tokens-v1", iterations=40)
    # what a model written before round 7 looks like: no threshold in its header
    magic, header, payload = out.read_bytes().split(b"\n", 2)
    meta = json.loads(header)
    del meta["threshold"]
    out.write_bytes(magic + b"\n" + json.dumps(meta).encode() + b"\n" + payload)
    model = load_model(out)
    assert model.threshold == 0.5
    text = "pt back to aster pod overnight."
    assert [text[s.start : s.end] for s in model.find(text)] == ["aster"]


def _feature_sets(text: str) -> list[set[str]]:
    return [set(f) for f in features_v2(text, tokens(text), load_lexicon())]


def test_v2_features_say_where_a_token_stands_in_its_line() -> None:
    text = "Name: Ivo Quell\nSEEN BY DR QUELL TODAY\nfollow up with Dr. Ames"
    toks = tokens(text)
    feats = _feature_sets(text)
    at = {t.text: i for i, t in reversed(list(enumerate(toks)))}
    ivo = feats[at["Ivo"]]
    assert "lab=name" in ivo  # the label that opens the line
    assert "li=2" in ivo  # third token of its line ("Name", ":", "Ivo")
    assert "caprun" in ivo  # next to another capitalised word in a mixed-case line
    upper = feats[at["QUELL"]]
    assert "upline" in upper  # a line typed in capitals
    assert "caprun" not in upper  # capitals say nothing there
    assert "title<" in upper  # DR before it
    ames = feats[at["Ames"]]
    assert "title<" in ames
    assert "upline" not in ames
    assert "-3w=with" in ames  # three tokens back ("with", "Dr", ".")
    assert feats[0] >= {"bos", "li=0", "p1=n", "s4=name"}


def test_v2_features_flag_the_word_lists_one_by_one() -> None:
    feats = _feature_sets("Mary lives in Boston with aspirin")
    assert any(f.startswith("gz=g") for f in feats[0])  # Mary: a given name
    assert "gz=place" in feats[3]  # Boston
    assert "gz=clin" in feats[5] or "gz=eng" in feats[5]  # aspirin
    assert any(f.startswith("+1gz=g") for f in feats[1]) is False  # "lives" is followed by "in"
    assert any(f.startswith("-1gz=g") for f in feats[1])  # "lives" follows Mary


def test_every_feature_set_gives_each_token_its_features() -> None:
    text = "pt back to aster pod, 7/22.\n\nDr. Quell"
    toks = tokens(text)
    for featurize in FEATURE_SETS.values():
        feats = featurize(text, toks, load_lexicon())
        assert len(feats) == len(toks)
        assert all(feats)


def test_train_stores_the_default_threshold_and_feature_set(tmp_path: Path) -> None:
    from services.ingestor.phi.model_features import DEFAULT_FEATURES
    from services.ingestor.phi.trained import TRAINING_THRESHOLD

    rows = [
        {
            "id": n.id,
            "text": n.text,
            "spans": [{"start": s.start, "end": s.end, "type": "LOCATION"}],
        }
        for n in _site_notes(10, 1)
        for s in n.spans
    ]
    out = tmp_path / "d.model"
    stdin = "".join(json.dumps(r) + "\n" for r in rows)
    result = CliRunner().invoke(
        main, ["deid", "train", "--jsonl", "--out", str(out), "--iterations", "5"], input=stdin
    )
    assert result.exit_code == 0, result.stderr
    model = load_model(out)
    assert model.threshold == TRAINING_THRESHOLD < 0.5
    assert model.header["features"] == DEFAULT_FEATURES == "tokens-v2"
