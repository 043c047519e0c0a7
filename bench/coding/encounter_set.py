"""The encounter evaluation set: notes coded by hand against the FY2026 ICD-10-CM Official
Guidelines, each built into the FHIR Bundle a user would POST.

One file per encounter in ``bench/coding/encounters/``: a header of ``key: value`` lines, a line
``---``, then the note exactly as written. Header keys:

- ``id``, ``style`` (soap, hp, discharge, ed-terse, nursing, synthea-markdown…), ``class`` (v3
  ActCode: AMB, IMP, EMER, VR, HH), ``birth``, ``sex``, ``date``, ``title``;
- ``required``: the codes a certified coder must report for this encounter;
- ``acceptable``: codes a coder may report too (optional detail, external causes, status codes);
- ``must_not``: codes that would be wrong (a current code for a past condition, a symptom integral
  to the diagnosis, an uncertain diagnosis outpatient, an unspecified code where the note is
  specific…);
- ``billed`` (optional): the diagnosis codes on the encounter's Claim, in claim order, and
  ``supported``: those of them the note supports (the billed-code verdict gold).

Verdict convention (one for every set; ``services/analyzer/coding/upgrades.py``): a billed code
the note documents *more specifically* — an unspecified code of a documented code's family, I10
beside a documented I11–I13, a combination that includes it — is **supported, with an upgrade
owed**; the upgrade pairs ``[billed, better]`` follow from the gold (``gold_upgrades``), and
``convention_breaches`` lists a file's billed codes that break the convention (a test keeps it
empty for the main set).

The split is by a stable hash of the id: a third is held out.

A second set, ``bench/coding/encounters_fresh/`` (``--set fresh``, ids f01…), was written later by
another annotator in the same format and is held out whole: nobody who writes coding rules reads
it, and it is measured in aggregate only. It exists because the first set's held-out third had been
looked at several times while rules were tuned on its dev part.

A third, ``bench/coding/encounters_fresh2/`` (``--set fresh2``, ids f2-01…), was written by a
third annotator who is not a rules' author, in styles and conventions that differ from both
(numbered and ``#`` problem lists, EHR checkbox templates, dictated run-on prose, consult letters,
pre-op H&Ps). It was held out whole until it had been measured once (session 5, in aggregate);
since session 6 it is **released to development**: rules' authors read it and ``--show`` works on
it, and a new set written by a hand that writes no rules takes its place as the unseen measure.

That new set is ``bench/coding/encounters_fresh3/`` (``--set fresh3``, ids f3-01…), written in
session 6 by an annotator who neither writes coding rules nor read them, in the proportions a
hospital system sends (Synthea-style markdown, SOAP and specialist notes, H&Ps, discharge
summaries, ED, telehealth and home-health notes). It was held out whole until its two looks in
session 6 (aggregate, by the lead); since session 7 it is **released to development** like
fresh2, and a fourth set written by another hand that writes no rules is the unseen measure.

That fourth set is ``bench/coding/encounters_fresh4/`` (``--set fresh4``, ids f4-01…f4-40), written
in session 7 by an annotator who writes no coding rules and never opened them, in a hand and
layouts unlike the earlier sets' (smart-form checkboxes, pick-lists, consult letters, dictated and
ALL-CAPS discharge summaries, ICU and floor nursing narratives, home-health wound visits). It is
**held out whole** like the first fresh set: rules' authors never open its files, Bundles or
per-encounter results, ``--show`` is refused on it, and every aggregate run is a counted look.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.analyzer.coding.upgrades import is_upgrade

ENCOUNTER_DIR = Path(__file__).parent / "encounters"
FRESH_DIR = Path(__file__).parent / "encounters_fresh"
FRESH2_DIR = Path(__file__).parent / "encounters_fresh2"
FRESH3_DIR = Path(__file__).parent / "encounters_fresh3"
FRESH4_DIR = Path(__file__).parent / "encounters_fresh4"
SETS: dict[str, Path] = {
    "main": ENCOUNTER_DIR,
    "fresh": FRESH_DIR,
    "fresh2": FRESH2_DIR,
    "fresh3": FRESH3_DIR,
    "fresh4": FRESH4_DIR,
}
WHOLLY_HELD_OUT = frozenset({"fresh", "fresh4"})
"""Sets with no dev part: nobody who writes rules reads them."""
WHOLLY_DEV = frozenset({"fresh2", "fresh3"})
"""Sets with no held-out part: released to the rules' authors after their one held-out look."""
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
_LIST_KEYS = ("required", "acceptable", "must_not", "billed", "supported")


@dataclass(frozen=True)
class GoldEncounter:
    id: str
    style: str
    encounter_class: str
    birth: str
    sex: str
    date: str
    title: str
    text: str
    required: frozenset[str]
    acceptable: frozenset[str]
    must_not: frozenset[str]
    billed: tuple[str, ...]
    supported: frozenset[str]

    @property
    def held_out(self) -> bool:
        return is_held_out(self.id)


def is_held_out(encounter_id: str) -> bool:
    """A third of the set, by a stable hash of the id."""
    return int(hashlib.sha256(encounter_id.encode()).hexdigest(), 16) % 3 == 0


def gold_upgrades(encounter: GoldEncounter) -> frozenset[tuple[str, str]]:
    """The ``[billed, better]`` pairs the gold implies: a supported billed code the note does not
    state as billed, and the required, unbilled code that documents it more specifically (the
    closest one, as the comparison picks it)."""
    pairs: set[tuple[str, str]] = set()
    for billed in encounter.billed:
        if billed not in encounter.supported or billed in encounter.required | encounter.acceptable:
            continue
        better = _upgrade_targets(encounter, billed)
        if better:
            pairs.add((billed, max(better, key=lambda c: (_common_prefix(billed, c), c))))
    return frozenset(pairs)


def convention_breaches(encounter: GoldEncounter) -> list[str]:
    """Billed codes whose gold verdict breaks the convention: documented more specifically (by an
    unbilled required code) yet marked not supported."""
    return [
        billed
        for billed in encounter.billed
        if billed not in encounter.supported
        and billed not in encounter.required | encounter.acceptable
        and _upgrade_targets(encounter, billed)
    ]


def _upgrade_targets(encounter: GoldEncounter, billed: str) -> list[str]:
    return sorted(
        r for r in encounter.required if r not in encounter.billed and is_upgrade(billed, r)
    )


def _common_prefix(a: str, b: str) -> int:
    pairs = zip(a, b, strict=False)
    return next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(a), len(b)))


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def parse_encounter(source: str, name: str = "") -> GoldEncounter:
    """One encounter file → its note and gold; raises ValueError naming what is wrong."""
    head, sep, text = source.partition("\n---\n")
    if not sep:
        raise ValueError(f"{name}: no '---' line between the header and the note")
    fields: dict[str, str] = {}
    for line in head.splitlines():
        if line.strip():
            key, colon, value = line.partition(":")
            if not colon:
                raise ValueError(f"{name}: header line without ':': {line!r}")
            fields[key.strip()] = value.strip()
    missing = {"id", "class", "birth", "sex", "date", "required"} - set(fields)
    if missing:
        raise ValueError(f"{name}: missing header key(s) {sorted(missing)}")
    lists = {k: _codes(fields.get(k, "")) for k in _LIST_KEYS}
    overlap = set(lists["must_not"]) & (set(lists["required"]) | set(lists["acceptable"]))
    if overlap:
        raise ValueError(f"{name}: codes both wanted and must-not: {sorted(overlap)}")
    if not set(lists["supported"]) <= set(lists["billed"]):
        raise ValueError(f"{name}: 'supported' codes that were not billed")
    return GoldEncounter(
        id=fields["id"],
        style=fields.get("style", ""),
        encounter_class=fields["class"],
        birth=fields["birth"],
        sex=fields["sex"],
        date=fields["date"],
        title=fields.get("title", "Clinical note"),
        text=text.strip("\n") + "\n",
        required=frozenset(lists["required"]),
        acceptable=frozenset(lists["acceptable"]),
        must_not=frozenset(lists["must_not"]),
        billed=tuple(lists["billed"]),
        supported=frozenset(lists["supported"]),
    )


def load_encounters(split: str = "all", directory: Path = ENCOUNTER_DIR) -> list[GoldEncounter]:
    """The encounters of ``split`` (dev, heldout or all), in file order, split by id hash."""
    encounters = _read(directory)
    if split == "all":
        return encounters
    return [e for e in encounters if e.held_out == (split == "heldout")]


def load_set(name: str, split: str = "all") -> list[GoldEncounter]:
    """The encounters of set ``name`` (main, fresh, fresh2, fresh3, fresh4) in ``split``. A wholly
    held-out set has no dev part: ``dev`` is empty, ``heldout`` and ``all`` are the whole set; a
    wholly dev set the other way round."""
    if name not in SETS:
        raise ValueError(f"unknown encounter set {name!r}: one of {sorted(SETS)}")
    if name in WHOLLY_HELD_OUT:
        return [] if split == "dev" else _read(SETS[name])
    if name in WHOLLY_DEV:
        return [] if split == "heldout" else _read(SETS[name])
    return load_encounters(split, SETS[name])


def _read(directory: Path) -> list[GoldEncounter]:
    encounters = [
        parse_encounter(p.read_text(encoding="utf-8"), p.name)
        for p in sorted(directory.glob("*.txt"))
    ]
    ids = [e.id for e in encounters]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate encounter ids in the set")
    return encounters


def _uuid(encounter_id: str, kind: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"clinrelay-bench/{encounter_id}/{kind}"))


def build_bundle(encounter: GoldEncounter) -> dict[str, Any]:
    """The FHIR R4 batch Bundle of one encounter: Patient, Encounter, the note as a
    DocumentReference (base64 text/plain, as Synthea writes it) and, when billed, its Claim."""
    patient, enc, doc, claim = (_uuid(encounter.id, k) for k in ("p", "e", "d", "c"))
    start = f"{encounter.date}T09:00:00Z"
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": patient,
            "gender": encounter.sex,
            "birthDate": encounter.birth,
        },
        {
            "resourceType": "Encounter",
            "id": enc,
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": encounter.encounter_class,
            },
            "subject": {"reference": f"urn:uuid:{patient}"},
            "period": {"start": start, "end": f"{encounter.date}T10:00:00Z"},
        },
        {
            "resourceType": "DocumentReference",
            "id": doc,
            "status": "current",
            "type": {
                "coding": [
                    {
                        "system": "http://loinc.org",
                        "code": "34117-2",
                        "display": "History and physical note",
                    }
                ],
                "text": encounter.title,
            },
            "subject": {"reference": f"urn:uuid:{patient}"},
            "date": start,
            "content": [
                {
                    "attachment": {
                        "contentType": "text/plain",
                        "data": base64.b64encode(encounter.text.encode()).decode(),
                    }
                }
            ],
            "context": {"encounter": [{"reference": f"urn:uuid:{enc}"}]},
        },
    ]
    if encounter.billed:
        resources.append(
            {
                "resourceType": "Claim",
                "id": claim,
                "status": "active",
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                            "code": "institutional"
                            if encounter.encounter_class == "IMP"
                            else "professional",
                        }
                    ]
                },
                "use": "claim",
                "patient": {"reference": f"urn:uuid:{patient}"},
                "created": start,
                "provider": {"display": "Bench clinic"},
                "priority": {"coding": [{"code": "normal"}]},
                "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "Medicare"}}],
                "diagnosis": [
                    {
                        "sequence": n,
                        "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": code}]},
                    }
                    for n, code in enumerate(encounter.billed, start=1)
                ],
                "item": [
                    {
                        "sequence": 1,
                        "diagnosisSequence": list(range(1, len(encounter.billed) + 1)),
                        "productOrService": {
                            "coding": [
                                {
                                    "system": "http://www.ama-assn.org/go/cpt",
                                    "code": "99214"
                                    if encounter.encounter_class != "IMP"
                                    else "99223",
                                }
                            ]
                        },
                        "encounter": [{"reference": f"urn:uuid:{enc}"}],
                    }
                ],
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
