"""Combination codes across mentions, and dropping codes a more specific one makes redundant.

ICD-10-CM presumes a causal link for conditions joined by "with" in the classification (Section
I.A.15, I.C.9.a): diabetes and chronic kidney disease are coded together as diabetic CKD (E11.22)
plus the CKD stage; hypertension with heart failure or CKD is hypertensive heart (I11.0), kidney
(I12.x) or heart-and-kidney disease (I13.x), plus the heart-failure type and CKD stage. The
mentions may sit in different sentences of the encounter's notes. An "unspecified" code is
dropped when the same category is coded more specifically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding import codeset
from services.analyzer.coding.data import table_rows
from services.analyzer.coding.specificity import description_words

_END_STAGE = ("N18.5", "N18.6")
# What makes esophageal varices secondary (I85.1-): portal hypertension, cirrhosis of the liver.
_VARICES_SECONDARY_TO = ("K76.6", "K70.3", "K74.3", "K74.4", "K74.5", "K74.6", "K71.7")
# Acute lower respiratory infections J44.0 names: influenza and pneumonia (J09–J18), acute
# bronchitis and bronchiolitis, unspecified acute lower respiratory infection (J20–J22).
COPD_WITH_INFECTION = "COPD with an acute lower respiratory infection"
LOWER_RESPIRATORY_INFECTIONS = (
    *(f"J{n:02d}" for n in range(9, 19)),
    "J20",
    "J21",
    "J22",
)


@dataclass(frozen=True)
class Combination:
    """A code to add because others are present, and the codes it replaces."""

    code: str
    because_of: tuple[str, ...]
    replaces: tuple[str, ...]
    rationale: str


def _first(codes: Iterable[str], *prefixes: str) -> str | None:
    return next((c for c in sorted(codes) if c.startswith(prefixes)), None)


# The note says the kidney disease has another cause than diabetes (I.A.15: "with" links them
# "unless the documentation clearly states the conditions are unrelated").
_KIDNEY_NOT_DIABETIC = re.compile(
    r"\bnot\b[^.;]{0,30}\bdiabetic\s+(?:kidney|nephropathy|ckd|renal)"
    r"|\b(?:due\s+to|from|secondary\s+to|caused\s+by|attribut\w+\s+(?:\w+\s+){0,3}to)\s+"
    r"(?:\w+\s+){0,2}(?:hypertensive\s+nephrosclerosis|nephrosclerosis|glomerulonephritis|"
    r"polycystic|lupus|iga\s+nephropathy|obstructive\s+uropathy|reflux\s+nephropathy)",
    re.IGNORECASE,
)


def kidney_disease_not_diabetic(sentences: Iterable[str]) -> bool:
    """Whether the sentences of a kidney disease say it is not diabetes's ("attributes the CKD to
    hypertensive nephrosclerosis", "not felt to be diabetic kidney disease")."""
    return any(_KIDNEY_NOT_DIABETIC.search(s) for s in sentences)


def combination_codes(
    codes: Iterable[str], *, kidney_not_diabetic: bool = False
) -> list[Combination]:
    """Combinations the present, billable ``codes`` of one encounter call for;
    ``kidney_not_diabetic``: the notes put the kidney disease down to another cause."""
    present = set(codes)
    found: list[Combination] = []
    ckd = _first(present, "N18")
    diabetic_ckd = None if kidney_not_diabetic else ckd
    for diabetes, combined in (("E11", "E11.22"), ("E10", "E10.22"), ("E13", "E13.22")):
        dm = _first(present, diabetes)
        if dm and diabetic_ckd and combined not in present:
            defaults = tuple(c for c in present if c.startswith(diabetes) and c.endswith(".9"))
            found.append(
                Combination(
                    combined,
                    (dm, diabetic_ckd),
                    defaults,
                    "diabetes with chronic kidney disease: combination code "
                    "(Section I.A.15 'with')",
                )
            )
    for diabetes in ("E08", "E09", "E10", "E11", "E13"):
        dm = _first(present, diabetes)
        combined = f"{diabetes}.51"
        if dm and "I73.9" in present and not _first(present, f"{diabetes}.5"):
            defaults = tuple(c for c in present if c.startswith(diabetes) and c.endswith(".9"))
            found.append(
                Combination(
                    combined,
                    (dm, "I73.9"),
                    ("I73.9", *defaults),
                    "diabetes with peripheral angiopathy: combination code (Section I.A.15 'with')",
                )
            )
    bleeding = _first(present, "K92.0", "K92.1", "K92.2")
    for ulcer in ("K25", "K26", "K27", "K28"):
        plain = [c for c in present if c.startswith(ulcer) and c[4:5] in ("3", "7", "9")]
        if bleeding and plain:
            combined = f"{ulcer}.0" if plain[0][4:5] == "3" else f"{ulcer}.4"
            found.append(
                Combination(
                    combined,
                    (plain[0], bleeding),
                    (*plain, bleeding),
                    "ulcer with hemorrhage: combination code (Section I.B.9)",
                )
            )
    calculus = [c for c in present if c.startswith(("N20.0", "N20.1", "N20.2", "N20.9"))]
    hydronephrosis = [c for c in present if c.startswith("N13.3")]
    if calculus and hydronephrosis and "N13.2" not in present:
        found.append(
            Combination(
                "N13.2",
                (calculus[0], hydronephrosis[0]),
                (*calculus, *hydronephrosis),
                "hydronephrosis with renal and ureteral calculous obstruction: one code for the "
                "stone and the obstruction it causes (N13.2)",
            )
        )
    if "J12.82" in present and not _first(present, "U07.1", "U09.9"):
        found.append(
            Combination(
                "U07.1",
                ("J12.82",),
                (),
                "pneumonia due to COVID-19: U07.1 first, then J12.82 (Section I.C.1.g.1)",
            )
        )
    copd = _first(present, "J44.9")
    infection = _first(present, *LOWER_RESPIRATORY_INFECTIONS)
    if copd and infection and "J44.0" not in present:
        found.append(
            Combination(
                "J44.0",
                (copd, infection),
                (copd,),
                f"{COPD_WITH_INFECTION}: J44.0, with the infection coded too (Section I.C.10.a)",
            )
        )
    low_back = [c for c in present if c.startswith("M54.5")]
    sciatica = _first(present, "M54.3")
    if low_back and sciatica:
        side = {"M54.31": "M54.41", "M54.32": "M54.42"}.get(sciatica, "M54.40")
        found.append(
            Combination(
                side,
                (low_back[0], sciatica),
                (*low_back, sciatica),
                "low back pain with sciatica: lumbago with sciatica (M54.4-), the side of the "
                "sciatica",
            )
        )
    found.extend(_secondary_varices(present))
    found.extend(_coronary_with_angina(present))
    found.extend(_hypertensive(present, ckd))
    return found


# Angina of a native-vessel coronary atherosclerosis: the combination code of its kind (I25.11-).
_ANGINA_WITH_CAD = {
    "I20.0": "I25.110",  # unstable
    "I20.1": "I25.111",  # documented spasm
    "I20.2": "I25.112",  # refractory
    "I20.81": "I25.118",
    "I20.89": "I25.118",  # stable, exertional and other forms
    "I20.9": "I25.119",
}


def _coronary_with_angina(present: set[str]) -> list[Combination]:
    """Coronary atherosclerosis with angina is one code (Section I.C.9.b: the causal link is
    assumed unless the documentation puts the angina down to something else); no angina code
    beside it."""
    if "I25.10" not in present:
        return []
    angina = _first(present, *_ANGINA_WITH_CAD)
    if angina is None:
        return []
    # The most specific kind the notes give ("stable angina" beside a bare "angina").
    every = sorted(c for c in present if c.startswith(tuple(_ANGINA_WITH_CAD)))
    return [
        Combination(
            _ANGINA_WITH_CAD[angina],
            ("I25.10", *every),
            ("I25.10", *every),
            "atherosclerotic heart disease of native coronary artery with angina pectoris: "
            "combination code (Section I.C.9.b)",
        )
    ]


def _hypertensive(present: set[str], ckd: str | None) -> list[Combination]:
    """Hypertension with heart failure and/or CKD (Section I.C.9.a: the link is presumed)."""
    found: list[Combination] = []
    hypertension = "I10" if "I10" in present else None
    heart_failure = _first(present, "I50")
    if "I11.9" in present and heart_failure and not ckd:
        found.append(
            Combination(
                "I11.0",
                ("I11.9", heart_failure),
                ("I11.9",),
                "hypertensive heart disease with heart failure (Section I.C.9.a.1)",
            )
        )
    if hypertension and heart_failure and ckd:
        code = "I13.2" if ckd.startswith(_END_STAGE) else "I13.0"
        found.append(
            Combination(
                code,
                (hypertension, heart_failure, ckd),
                ("I10",),
                "hypertension with heart failure and CKD: hypertensive heart and chronic kidney "
                "disease (Section I.C.9.a.3)",
            )
        )
    elif hypertension and ckd:
        code = "I12.0" if ckd.startswith(_END_STAGE) else "I12.9"
        found.append(
            Combination(
                code,
                (hypertension, ckd),
                ("I10",),
                "hypertension with CKD: hypertensive chronic kidney disease (Section I.C.9.a.2)",
            )
        )
    elif hypertension and heart_failure:
        found.append(
            Combination(
                "I11.0",
                (hypertension, heart_failure),
                ("I10",),
                "hypertension with heart failure: hypertensive heart disease with heart failure "
                "(Section I.C.9.a.1)",
            )
        )
    return found


def _secondary_varices(present: set[str]) -> list[Combination]:
    """Esophageal varices beside cirrhosis or portal hypertension are secondary (I85.1-)."""
    varices = [c for c in present if c.startswith(("I85.00", "I85.01"))]
    cause = _first(present, *_VARICES_SECONDARY_TO)
    if not varices or not cause:
        return []
    bleeding = "I85.01" in varices
    return [
        Combination(
            "I85.11" if bleeding else "I85.10",
            (varices[0], cause),
            tuple(varices),
            "esophageal varices in cirrhosis or portal hypertension: secondary esophageal "
            "varices (I85.1-, the index's 'in cirrhosis of liver / portal hypertension')",
        )
    ]


_FALLBACK = re.compile(
    r"\bunspecified\b|\bwithout complications?\b|\buncomplicated\b|\bNOS\b", re.IGNORECASE
)


_UNSPECIFIED = re.compile(r"\bunspecified\b|\bNOS\b", re.IGNORECASE)


def diabetes_type_renames(codes: Iterable[str]) -> dict[str, str]:
    """Diabetic complications read from wording that names no type ("diabetic ketoacidosis" is
    indexed E11.10) take the type the encounter states: with type 1 diabetes coded, E11.x → E10.x
    (a patient has one type of diabetes)."""
    present = set(codes)
    if not any(c.startswith("E10") for c in present):
        return {}
    renames = {}
    for code in present:
        if code.startswith("E11"):
            typed = "E10" + code[3:]
            if codeset.is_billable(typed):
                renames[code] = typed
    return renames


def superseded_defaults(codes: Iterable[str]) -> set[str]:
    """Fallback codes ("unspecified", "without complications") whose category is also coded
    more specifically: E11.9 beside E11.51, I48.91 beside I48.0, N18.30 beside N18.31."""
    present = set(codes)

    def fallback(code: str) -> bool:
        return bool(_FALLBACK.search(codeset.description(code)))

    def unspecified(code: str) -> bool:
        return bool(_UNSPECIFIED.search(codeset.description(code)))

    by_table = {
        code
        for code in present
        for prefix, by in _superseded_table()
        if code.startswith(prefix) and any(o != code and o.startswith(by) for o in present)
    }
    # A code the table drops supersedes nothing ("sickle-cell disease without crisis" beside
    # "Hb-SS disease with crisis, unspecified": the crisis code stays).
    standing = present - by_table
    specific_categories = {codeset.category(c) for c in standing if not fallback(c)}
    # "Nicotine dependence, unspecified, uncomplicated" beside "…, cigarettes, uncomplicated"
    named_categories = {codeset.category(c) for c in standing if not unspecified(c)}
    dropped = (
        by_table
        | {
            c
            for c in present
            if fallback(c)
            and (
                codeset.category(c) in specific_categories
                or (unspecified(c) and codeset.category(c) in named_categories)
                # F10.20 "uncomplicated" beside F10.220 "with intoxication, uncomplicated"
                or any(codeset.is_ancestor(c[:5], o) and len(o) > len(c) for o in standing)
            )
        }
    )
    return dropped | narrower_siblings(standing)


def narrower_siblings(codes: Iterable[str]) -> set[str]:
    """Codes another code of their category says more than: a code whose description words are
    all in a coded sibling's description is that sibling's partial reading ("chronic diastolic
    heart failure" I50.32 beside "acute on chronic diastolic heart failure" I50.33; "fracture of
    neck of unspecified femur" beside "… of left femur"). Injuries compare at the same encounter
    stage (7th character)."""
    present = sorted(set(codes))
    dropped = set()
    for code in present:
        words = description_words(code)
        for other in present:
            if (
                other != code
                and codeset.category(other) == codeset.category(code)
                and _stage(other) == _stage(code)
                and words < description_words(other)
            ):
                dropped.add(code)
                break
    return dropped


def _stage(code: str) -> str | None:
    return code[-1] if codeset.is_extended(code) else None


@lru_cache(maxsize=1)
def _superseded_table() -> tuple[tuple[str, tuple[str, ...]], ...]:
    rows = []
    for row in table_rows("superseded_codes.tsv"):
        if len(row) != 2 or not row[1].split():
            raise ValueError(f"superseded code row needs CODE<TAB>CODES: {row!r}")
        rows.append((row[0].strip(), tuple(row[1].split())))
    return tuple(rows)
