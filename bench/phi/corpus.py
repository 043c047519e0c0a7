"""Readers and the overlap scorer for the evaluation corpora in ../shared/data (read in place,
never copied: physionet-deid is GPL)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")

NoteKey = tuple[str, str]  # (patient, note)
Span = tuple[int, int]


def held_out(patient: str) -> bool:
    """The fixed quarter of physionet-deid patients kept aside while the rules were written."""
    digest = hashlib.sha256(f"clinrelay-phi-holdout:{patient}".encode()).hexdigest()
    return int(digest, 16) % 4 == 0


def physionet_notes(root: Path = DATA / "physionet-deid") -> dict[NoteKey, str]:
    text = (root / "id.text").read_text()
    pattern = re.compile(
        r"START_OF_RECORD=(\d+)\|\|\|\|(\d+)\|\|\|\|\n(.*?)\|\|\|\|END_OF_RECORD", re.S
    )
    return {(p, n): body for p, n, body in pattern.findall(text)}


def physionet_gold(
    root: Path = DATA / "physionet-deid",
) -> dict[NoteKey, list[tuple[int, int, str]]]:
    gold: dict[NoteKey, list[tuple[int, int, str]]] = defaultdict(list)
    for line in (root / "id-phi.phrase").read_text().splitlines():
        p, n, start, end, category = line.split(None, 5)[:5]
        gold[(p, n)].append((int(start), int(end), category))
    return gold


def deidpl_output(root: Path = DATA / "physionet-deid") -> dict[NoteKey, list[Span]]:
    """deid.pl's own findings (baseline-deidpl.phi, same format as id.deid)."""
    found: dict[NoteKey, list[Span]] = defaultdict(list)
    key: NoteKey = ("", "")
    for line in (root / "baseline-deidpl.phi").read_text().splitlines():
        if line.startswith("Patient"):
            m = re.match(r"Patient\s+(\d+)\s+Note\s+(\d+)", line)
            assert m
            key = (m.group(1), m.group(2))
            found.setdefault(key, [])
        elif line.strip():
            start, _, end = line.split()
            found[key].append((int(start), int(end)))
    return found


@dataclass
class Scores:
    gold: int = 0
    found: int = 0
    predicted: int = 0
    true_predicted: int = 0
    per_category: Counter[str] = field(default_factory=Counter)
    per_category_found: Counter[str] = field(default_factory=Counter)
    missed: list[tuple[NoteKey, int, int, str]] = field(default_factory=list)
    false_positives: list[tuple[NoteKey, int, int]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def ppv(self) -> float:
        """stats.pl's positive predictive value: found gold spans / (found + false positives)."""
        fp = len(self.false_positives)
        return self.found / (self.found + fp) if self.found + fp else 1.0

    def category_recall(self) -> dict[str, float]:
        return {c: self.per_category_found[c] / n for c, n in sorted(self.per_category.items())}


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def overlap_score(
    predicted: dict[NoteKey, list[Span]],
    gold: dict[NoteKey, list[tuple[int, int, str]]],
    notes: list[NoteKey],
) -> Scores:
    """deid's stats.pl rule: a gold span is found when any prediction overlaps it; a prediction
    overlapping no gold span is a false positive."""
    scores = Scores()
    for key in notes:
        golds = gold.get(key, [])
        preds = predicted.get(key, [])
        for start, end, category in golds:
            scores.gold += 1
            scores.per_category[category] += 1
            if any(_overlaps((start, end), p) for p in preds):
                scores.found += 1
                scores.per_category_found[category] += 1
            else:
                scores.missed.append((key, start, end, category))
        for p in preds:
            scores.predicted += 1
            if any(_overlaps((s, e), p) for s, e, _ in golds):
                scores.true_predicted += 1
            else:
                scores.false_positives.append((key, p[0], p[1]))
    return scores


def synthea_notes(
    root: Path = DATA / "synthea-bulk-10",
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]:
    """Patients by id, and (patient id, note text) for every DocumentReference."""
    import base64

    patients = {}
    for line in (root / "Patient.000.ndjson").read_text().splitlines():
        resource = json.loads(line)
        patients[resource["id"]] = resource
    notes = []
    for line in (root / "DocumentReference.000.ndjson").read_text().splitlines():
        doc = json.loads(line)
        subject = doc["subject"]["reference"].split("/")[-1]
        for content in doc.get("content", []):
            data = content.get("attachment", {}).get("data")
            if data:
                notes.append((subject, base64.b64decode(data).decode("utf-8")))
    return patients, notes


def presidio_synth(root: Path = DATA / "presidio-synth") -> list[dict[str, object]]:
    records: list[dict[str, object]] = json.loads((root / "synth_dataset_v2.json").read_text())
    return records
