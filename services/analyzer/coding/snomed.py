"""Optional SNOMED CT inference from a licensed RF2 release configured by path.

SNOMED CT content is licensed (IHTSDO affiliate licence / a national release centre); no package
ships it, so clinrelay reads the customer's own release: the Snapshot concept and description
files (``sct2_Concept_Snapshot_*.txt``, ``sct2_Description_Snapshot-en_*.txt``, tab-separated, RF2
columns). Active disorder and finding concepts are indexed by their active fully specified names
(semantic tag removed) and synonyms, then found in notes by the same matcher and ConText
assertions as ICD-10-CM.
"""

from __future__ import annotations

import csv
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from services.analyzer.coding.lexicon import PhraseIndex, Term
from services.analyzer.coding.terminology import Terminology, icd10_terminology, term_tokens

FSN = "900000000000003001"
SYNONYM = "900000000000013009"
INDEXED_SEMANTIC_TAGS = frozenset({"disorder", "finding"})
NOT_CONFIGURED = "SNOMED CT inference is not configured"
_SEMANTIC_TAG = re.compile(r"\s*\(([^()]+)\)\s*$")


class SnomedReleaseError(Exception):
    """The configured path does not hold a readable RF2 release; the message says what is wrong."""


@dataclass(frozen=True)
class SnomedRelease:
    name: str
    terminology: Terminology
    terms: dict[str, str]  # concept id → preferred display (FSN without tag)
    concepts_loaded: int


def _find(root: Path, pattern: str) -> Path:
    found = sorted(root.rglob(pattern))
    snapshots = [p for p in found if "Snapshot" in p.name] or found
    if not snapshots:
        raise SnomedReleaseError(f"no file matching {pattern} under the configured SNOMED CT path")
    return snapshots[0]


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        yield from reader


def load_rf2_release(path: Path) -> SnomedRelease:
    """Read an RF2 Snapshot release and index its active disorders and findings."""
    started = time.perf_counter()
    if not path.is_dir():
        raise SnomedReleaseError("the configured SNOMED CT path is not a folder")
    concepts_file = _find(path, "sct2_Concept_*Snapshot*.txt")
    descriptions_file = _find(path, "sct2_Description_*Snapshot*.txt")
    try:
        active = {row["id"] for row in _rows(concepts_file) if row["active"] == "1"}
        descriptions = [
            row
            for row in _rows(descriptions_file)
            if row["active"] == "1" and row["conceptId"] in active
        ]
    except KeyError as missing:
        raise SnomedReleaseError(f"RF2 file lacks the {missing} column") from None
    tags: dict[str, str] = {}
    displays: dict[str, str] = {}
    for row in descriptions:
        if row["typeId"] == FSN:
            tag = _SEMANTIC_TAG.search(row["term"])
            if tag:
                tags[row["conceptId"]] = tag.group(1).strip().lower()
                displays[row["conceptId"]] = _SEMANTIC_TAG.sub("", row["term"])
    wanted = {c for c, tag in tags.items() if tag in INDEXED_SEMANTIC_TAGS}
    normalizer = icd10_terminology().normalizer
    terms = []
    for row in descriptions:
        if row["conceptId"] not in wanted or row["typeId"] not in (FSN, SYNONYM):
            continue
        text = _SEMANTIC_TAG.sub("", row["term"]) if row["typeId"] == FSN else row["term"]
        tokens = term_tokens(normalizer, text)
        if tokens and not (len(tokens) == 1 and len(tokens[0]) <= 3):
            source = "description" if row["typeId"] == FSN else "inclusion"
            terms.append(Term(tokens, row["conceptId"], source, text))
    terminology = Terminology(normalizer, PhraseIndex(terms), time.perf_counter() - started)
    return SnomedRelease(
        name=path.name,
        terminology=terminology,
        terms={c: displays[c] for c in wanted},
        concepts_loaded=len(wanted),
    )


_lock = threading.Lock()
_releases: dict[Path, SnomedRelease] = {}


def snomed_release(path: Path) -> SnomedRelease:
    """The release at ``path``, loaded once per process."""
    resolved = path.resolve()
    if resolved not in _releases:
        with _lock:
            if resolved not in _releases:
                _releases[resolved] = load_rf2_release(resolved)
    return _releases[resolved]
