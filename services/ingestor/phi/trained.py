"""A PHI detector a deployment trains on its own annotated notes: a linear-chain CRF.

``clinrelay deid train`` fits it (:func:`train_model`) and writes one file; the ingestor
(``CLINRELAY_PHI_MODEL``) and ``clinrelay deid --model`` load it (:func:`load_model`) and its
findings join the rules' (:func:`~.detect.detect_phi`). Each token of a note (a run of letters,
a run of digits, or one other character) is labelled ``B-<TYPE>``, ``I-<TYPE>`` or ``O`` from
the features of :mod:`~.model_features` (shape, case, affixes, the shipped word lists, its
neighbours, its line).

A token is PHI when the model's marginal probability that it is *not* ``O`` reaches the
model's **threshold** (stored in the file by ``clinrelay deid train --threshold``, 0.5 for a
model of an earlier version; ``clinrelay deid --model-threshold`` and
``CLINRELAY_PHI_MODEL_THRESHOLD`` override it): below 0.5 the model trades precision for recall
without retraining. Its type is the most probable one; neighbouring PHI tokens of one type make
one finding. Its score is the lowest of its tokens' probabilities put on the detector's scale,
where ``min_score`` (0.5 by default) decides: 0.5 at the threshold, 1.0 at certainty.

The file is a header line (``CLINRELAY-PHI-CRF``), a JSON line (format, feature set, threshold,
labels, what it was trained on, a SHA-256 of the model) and the CRFsuite model itself. A file
that is not one, or whose checksum does not match (truncated, corrupted), is refused with
:class:`ModelFileError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.ingestor.phi.lexicon import load_lexicon
from services.ingestor.phi.model_features import DEFAULT_FEATURES, FEATURE_SETS, Tok, tokens
from services.ingestor.phi.spans import PhiSpan, PhiType

MAGIC = b"CLINRELAY-PHI-CRF\n"
FORMAT = 1
DEFAULT_THRESHOLD = 0.5
"""The threshold of a model whose file names none (trained before round 7)."""
TRAINING_THRESHOLD = 0.15
"""The threshold ``clinrelay deid train`` stores unless told otherwise: chosen by
cross-validation on development notes (``bench/phi/model_cv.py``, docs/benchmarks.md)."""


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


def check_threshold(value: float) -> float:
    """A threshold in (0, 1] (raises ``ValueError`` naming the problem)."""
    if not 0.0 < value <= 1.0:
        raise ValueError(f"threshold {value} is not in (0, 1]")
    return value


def _labels(toks: Sequence[Tok], spans: Iterable[TrainingSpan]) -> list[str]:
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
    threshold: float = TRAINING_THRESHOLD,
    features: str = DEFAULT_FEATURES,
    all_transitions: bool = True,
) -> dict[str, object]:
    """Fit a CRF on ``notes`` and write it to ``out`` (atomically); returns the header.

    ``threshold`` is stored in the file: the probability of "not O" from which the loaded model
    tags a token PHI (:class:`CrfDetector`)."""
    import pycrfsuite  # noqa: PLC0415 (only training and tagging need it)

    check_threshold(threshold)
    if features not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {features!r} (one of {', '.join(FEATURE_SETS)})")
    featurize = FEATURE_SETS[features]
    lex = load_lexicon()
    trainer = pycrfsuite.Trainer(verbose=False)
    counts: Counter[str] = Counter()
    count = 0
    for note in notes:
        toks = tokens(note.text)
        if not toks:
            continue
        trainer.append(featurize(note.text, toks, lex), _labels(toks, note.spans))
        counts.update(s.type.value for s in note.spans)
        count += len(toks)
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": iterations,
            "feature.possible_transitions": all_transitions,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.crfsuite"
        trainer.train(str(model_path))
        payload = model_path.read_bytes()
    header: dict[str, object] = {
        "format": FORMAT,
        "features": features,
        "threshold": threshold,
        "kinds": sorted(counts),
        "notes": len(notes),
        "tokens": count,
        "spans": dict(sorted(counts.items())),
        "training": {"iterations": iterations, "c1": c1, "c2": c2},
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
    """A loaded model: the :class:`~.spans.TrainedDetector` the policy carries.

    ``threshold`` overrides the one stored in the file (None: the file's)."""

    def __init__(
        self,
        payload: bytes,
        header: dict[str, object],
        name: str = "model",
        threshold: float | None = None,
    ) -> None:
        import pycrfsuite  # noqa: PLC0415

        self.header = header
        self.name = name
        stored = header.get("threshold", DEFAULT_THRESHOLD) if threshold is None else threshold
        if not isinstance(stored, int | float) or isinstance(stored, bool):
            raise ModelFileError(f"{name}: the model's threshold {stored!r} is not a number")
        try:
            self.threshold = check_threshold(float(stored))
        except ValueError as exc:
            raise ModelFileError(f"{name}: {exc}") from None
        self._featurize = FEATURE_SETS[str(header["features"])]
        self._tagger = pycrfsuite.Tagger()
        # CRFsuite reads the model in place, without a copy: the bytes must live as long as it
        self._payload = payload
        try:
            self._tagger.open_inmemory(self._payload)
        except Exception:  # the checksum matched but CRFsuite still refuses it
            raise ModelFileError(f"{name}: not a CRFsuite model CRFsuite can read") from None
        self._labels = frozenset(self._tagger.labels())
        self._lock = threading.Lock()  # a Tagger holds the note being tagged: one at a time
        self._lex = load_lexicon()

    @classmethod
    def from_bytes(
        cls, data: bytes, name: str = "model", threshold: float | None = None
    ) -> CrfDetector:
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
        if header.get("format") != FORMAT or header.get("features") not in FEATURE_SETS:
            raise ModelFileError(
                f"{name}: model format {header.get('format')}/{header.get('features')} is not "
                f"{FORMAT}/{' or '.join(FEATURE_SETS)} (retrain it with this version's "
                "`clinrelay deid train`)"
            )
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            raise ModelFileError(
                f"{name}: the model is corrupt or truncated (checksum mismatch; "
                f"{len(payload)} bytes of model data)"
            )
        return cls(payload, header, name, threshold)

    def probabilities(
        self, text: str, floor: float = 0.0
    ) -> tuple[list[Tok], list[dict[str, float]]]:
        """The tokens of ``text`` and, for each, the marginal probability of every label; for a
        token whose probability of being PHI is below ``floor``, only that of ``O``."""
        toks = tokens(text)
        if not toks:
            return [], []
        features = self._featurize(text, toks, self._lex)
        marginals: list[dict[str, float]] = []
        with self._lock:
            self._tagger.set(features)
            marginal = self._tagger.marginal
            for i in range(len(toks)):
                outside = marginal("O", i) if "O" in self._labels else 0.0
                if 1.0 - outside < floor:
                    marginals.append({"O": outside})
                else:
                    marginals.append({label: marginal(label, i) for label in self._labels})
        return toks, marginals

    def find(self, text: str) -> list[PhiSpan]:
        toks, marginals = self.probabilities(text, floor=self.threshold)
        return decode(text, toks, marginals, self.threshold)


@dataclass(slots=True)
class _Open:
    """A finding being built, token by token."""

    start: int
    end: int
    kind: str
    score: float

    def span(self, threshold: float) -> PhiSpan:
        return PhiSpan(
            start=self.start,
            end=self.end,
            type=PhiType(self.kind),
            score=_score(self.score, threshold),
            source="model",
        )


def _score(probability: float, threshold: float) -> float:
    """A finding's score on the detector's scale, where ``min_score`` (0.5 by default) keeps
    findings: 0.5 at the model's threshold, 1.0 at certainty, linear between (and below)."""
    if probability >= threshold:
        value = 0.5 + 0.5 * (probability - threshold) / ((1.0 - threshold) or 1.0)
    else:
        value = 0.5 * probability / threshold
    return max(0.0, min(1.0, value))


def decode(
    text: str, toks: Sequence[Tok], marginals: Sequence[dict[str, float]], threshold: float
) -> list[PhiSpan]:
    """Findings from per-token label probabilities: a token is PHI when P(not O) reaches
    ``threshold``; neighbouring PHI tokens of one type on one line make one finding."""
    spans: list[PhiSpan] = []
    current: _Open | None = None
    for tok, probs in zip(toks, marginals, strict=True):
        phi = 1.0 - probs.get("O", 0.0)
        kind = _kind(probs) if phi >= threshold else None
        if current is not None and (kind != current.kind or "\n" in text[current.end : tok.start]):
            spans.append(current.span(threshold))
            current = None
        if kind is None:
            continue
        if current is None:
            current = _Open(tok.start, tok.end, kind, phi)
        else:
            current.end = tok.end
            current.score = min(current.score, phi)
    if current is not None:
        spans.append(current.span(threshold))
    return spans


def _kind(probs: dict[str, float]) -> str | None:
    """The most probable PHI type of a token (B- and I- labels of a type added up)."""
    by_kind: dict[str, float] = {}
    for label, p in probs.items():
        if label != "O":
            by_kind[label[2:]] = by_kind.get(label[2:], 0.0) + p
    return max(by_kind, key=by_kind.__getitem__) if by_kind else None


def load_model(path: Path, threshold: float | None = None) -> CrfDetector:
    """Read and check a model file (raises :class:`ModelFileError` naming the problem);
    ``threshold`` overrides the one the file stores."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return CrfDetector.from_bytes(data, str(path), threshold)
