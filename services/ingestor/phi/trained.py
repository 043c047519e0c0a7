"""A PHI detector a deployment trains on its own annotated notes: a linear-chain CRF.

``clinrelay deid train`` fits it (:func:`train_model`) and writes one file; the ingestor
(``CLINRELAY_PHI_MODEL``) and ``clinrelay deid --model`` load it (:func:`load_model`) and its
findings join the rules' (:func:`~.detect.detect_phi`). Each token of a note (a run of letters,
a run of digits, or one other character) is labelled ``B-<TYPE>``, ``I-<TYPE>`` or ``O`` from
features of its shape, case, affixes, the shipped word lists (given names, surnames, places,
English and clinical vocabulary) and its neighbours; a finding's score is the lowest marginal
probability of its tokens' labels.

The file is a header line (``CLINRELAY-PHI-CRF``), a JSON line (format, labels, what it was
trained on, a SHA-256 of the model) and the CRFsuite model itself. A file that is not one, or
whose checksum does not match (truncated, corrupted), is refused with :class:`ModelFileError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.ingestor.phi.lexicon import Lexicon, load_lexicon
from services.ingestor.phi.spans import PhiSpan, PhiType

MAGIC = b"CLINRELAY-PHI-CRF\n"
FORMAT = 1
FEATURES = "tokens-v1"
_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


class ModelFileError(Exception):
    """A model file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class TrainingSpan:
    start: int
    end: int
    type: PhiType


@dataclass(frozen=True)
class TrainingNote:
    """One annotated note: PHI spans are offsets into ``text`` (end exclusive)."""

    id: str
    text: str
    spans: tuple[TrainingSpan, ...]


@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _shape(word: str) -> str:
    shape = re.sub(r"[A-Z]", "X", word)
    shape = re.sub(r"[a-z]", "x", shape)
    shape = re.sub(r"\d", "d", shape)
    return re.sub(r"(.)\1{2,}", r"\1\1", shape)  # "Xxxxxxx" -> "Xxx"


def _word_features(tok: _Tok, lex: Lexicon) -> dict[str, str]:
    """What one token looks like, without its neighbours."""
    word = tok.text
    key = word.lower()
    f = {"w": key, "sh": _shape(word)}
    if word[0].isalpha():
        f["p3"] = key[:3]
        f["s3"] = key[-3:]
        f["s2"] = key[-2:]
        f["case"] = (
            "title"
            if word[0].isupper() and not word.isupper()
            else ("upper" if word.isupper() else "lower")
        )
        gazetteer = []
        if lex.given_weight(key) > 0:
            gazetteer.append(f"g{lex.given_weight(key):.1f}")
        if lex.surname_weight(key) > 0:
            gazetteer.append(f"s{lex.surname_weight(key):.1f}")
        if key in lex.places:
            gazetteer.append("place")
        if key in lex.regions:
            gazetteer.append("region")
        if key in lex.english:
            gazetteer.append("eng")
        if key in lex.clinical or key in lex.medical:
            gazetteer.append("clin")
        f["gaz"] = "+".join(gazetteer) or "none"
    elif word[0].isdigit():
        f["nd"] = str(min(len(word), 11))
    return f


def _features(text: str, toks: Sequence[_Tok], lex: Lexicon) -> list[list[str]]:
    """CRFsuite item features for each token: its own, its neighbours', where it stands."""
    own = [_word_features(t, lex) for t in toks]
    out: list[list[str]] = []
    for i, tok in enumerate(toks):
        feats = [f"{k}={v}" for k, v in own[i].items()]
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(toks):
                other = own[j]
                feats.append(f"{offset}w={other['w']}")
                feats.append(f"{offset}sh={other['sh']}")
                if "gaz" in other and abs(offset) == 1:
                    feats.append(f"{offset}gaz={other['gaz']}")
            else:
                feats.append(f"{offset}w=<edge>")
        if i > 0:
            gap = text[toks[i - 1].end : tok.start]
            feats.append("sp=" + ("nl" if "\n" in gap else ("s" if gap else "none")))
            feats.append(f"-1w|w={own[i - 1]['w']}|{own[i]['w']}")
        else:
            feats.append("bos")
        if i + 1 < len(toks):
            feats.append(f"w|+1w={own[i]['w']}|{own[i + 1]['w']}")
        out.append(feats)
    return out


def _labels(toks: Sequence[_Tok], spans: Iterable[TrainingSpan]) -> list[str]:
    labels = ["O"] * len(toks)
    for span in sorted(spans, key=lambda s: s.start):
        inside = [i for i, t in enumerate(toks) if t.start < span.end and span.start < t.end]
        for n, i in enumerate(inside):
            labels[i] = f"{'B' if n == 0 else 'I'}-{span.type.value}"
    return labels


def train_model(
    notes: Sequence[TrainingNote],
    out: Path,
    *,
    iterations: int = 150,
    c1: float = 0.05,
    c2: float = 0.01,
) -> dict[str, object]:
    """Fit a CRF on ``notes`` and write it to ``out`` (atomically); returns the header."""
    import pycrfsuite  # noqa: PLC0415 (only training and tagging need it)

    lex = load_lexicon()
    trainer = pycrfsuite.Trainer(verbose=False)
    counts: Counter[str] = Counter()
    tokens = 0
    for note in notes:
        toks = _tokens(note.text)
        if not toks:
            continue
        trainer.append(_features(note.text, toks, lex), _labels(toks, note.spans))
        counts.update(s.type.value for s in note.spans)
        tokens += len(toks)
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": iterations,
            "feature.possible_transitions": True,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.crfsuite"
        trainer.train(str(model_path))
        payload = model_path.read_bytes()
    header: dict[str, object] = {
        "format": FORMAT,
        "features": FEATURES,
        "kinds": sorted(counts),
        "notes": len(notes),
        "tokens": tokens,
        "spans": dict(sorted(counts.items())),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    data = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + payload
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out.parent, delete=False, prefix=".model-") as handle:
        handle.write(data)
    os.replace(handle.name, out)
    return header


class CrfDetector:
    """A loaded model: the :class:`~.spans.TrainedDetector` the policy carries."""

    def __init__(self, payload: bytes, header: dict[str, object], name: str = "model") -> None:
        import pycrfsuite  # noqa: PLC0415

        self.header = header
        self.name = name
        self._tagger = pycrfsuite.Tagger()
        # CRFsuite reads the model in place, without a copy: the bytes must live as long as it
        self._payload = payload
        try:
            self._tagger.open_inmemory(self._payload)
        except Exception:  # the checksum matched but CRFsuite still refuses it
            raise ModelFileError(f"{name}: not a CRFsuite model CRFsuite can read") from None
        self._lock = threading.Lock()  # a Tagger holds the note being tagged: one at a time
        self._lex = load_lexicon()

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "model") -> CrfDetector:
        if not data.startswith(MAGIC):
            raise ModelFileError(
                f"{name}: not a clinrelay PHI model (it does not start with "
                f"{MAGIC.strip().decode()}; train one with `clinrelay deid train`)"
            )
        header_line, newline, payload = data[len(MAGIC) :].partition(b"\n")
        try:
            header = json.loads(header_line) if newline else None
        except ValueError:
            header = None
        if not isinstance(header, dict):
            raise ModelFileError(f"{name}: the model's header is damaged")
        if header.get("format") != FORMAT or header.get("features") != FEATURES:
            raise ModelFileError(
                f"{name}: model format {header.get('format')}/{header.get('features')} is not "
                f"{FORMAT}/{FEATURES} (retrain it with this version's `clinrelay deid train`)"
            )
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            raise ModelFileError(
                f"{name}: the model is corrupt or truncated (checksum mismatch; "
                f"{len(payload)} bytes of model data)"
            )
        return cls(payload, header, name)

    def find(self, text: str) -> list[PhiSpan]:
        toks = _tokens(text)
        if not toks:
            return []
        features = _features(text, toks, self._lex)
        with self._lock:
            self._tagger.set(features)
            labels = self._tagger.tag()
            scores = [self._tagger.marginal(label, i) for i, label in enumerate(labels)]
        return _spans(toks, labels, scores)


def _spans(toks: Sequence[_Tok], labels: Sequence[str], scores: Sequence[float]) -> list[PhiSpan]:
    spans: list[PhiSpan] = []
    current: tuple[int, int, str, float] | None = None
    for tok, label, score in zip(toks, labels, scores, strict=True):
        kind = label[2:] if label != "O" else None
        if current is not None and kind == current[2] and label.startswith("I-"):
            current = (current[0], tok.end, kind, min(current[3], score))
            continue
        if current is not None:
            spans.append(_span(current))
            current = None
        if kind is not None:
            current = (tok.start, tok.end, kind, score)
    if current is not None:
        spans.append(_span(current))
    return spans


def _span(found: tuple[int, int, str, float]) -> PhiSpan:
    start, end, kind, score = found
    return PhiSpan(
        start=start, end=end, type=PhiType(kind), score=max(0.0, min(1.0, score)), source="model"
    )


def load_model(path: Path) -> CrfDetector:
    """Read and check a model file (raises :class:`ModelFileError` naming the problem)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return CrfDetector.from_bytes(data, str(path))
