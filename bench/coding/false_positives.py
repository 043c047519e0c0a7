"""Why the coder reports codes a coder would not: each reported code of the dev sets that is
neither required nor acceptable (and each must-not code) with the features of its cause, and an
aggregate table of the causes against the correct codes that share them.

A cause worth a rule is a *policy*: a feature that separates wrong codes from right ones on
every dev set (where the evidence lies, whether the note concludes anything, what kind of thing
the code names), not the words of one note. So the table shows, for each value of each feature,
how many reported codes were right, wrong and must-not, per set and in total — a rule that would
drop a feature's wrong codes costs its right ones.

    PYTHONPATH=$PWD .venv/bin/python -m bench.coding.false_positives            # table
    PYTHONPATH=$PWD .venv/bin/python -m bench.coding.false_positives --list     # + each code
    PYTHONPATH=$PWD .venv/bin/python -m bench.coding.false_positives --missed   # + lost recall

Dev sets only (``main --split dev``, ``fresh2``, ``fresh3``): the listing names encounters and
codes, never note text. ``--missed`` lists each required code not reported with the reason the
coder gave for excluding it (or "never found").
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bench.coding.encounter_set import GoldEncounter, build_bundle, load_set
from services.analyzer.coding import CodingConfig, analyze_case
from services.analyzer.coding.diagnostic_statement import STATEMENT_SECTIONS
from services.analyzer.coding.pipeline import clinical_pipeline
from services.analyzer.coding.rules import CHRONIC_CATEGORIES
from services.ingestor.coding.case import build_coding_case
from services.ingestor.phi.deidentify import PhiDeidentifier
from services.ingestor.phi.policy import DeidPolicy
from shared.events.coding import CodeSuggestion, EncounterCoding
from shared.intake.fhir.bundle import parse_bundle

DEV_SETS = (("main", "dev"), ("fresh2", "all"), ("fresh3", "all"))

# Section roles grouped as a coder reads a note.
_HISTORY = frozenset({"past_medical_history"})
_STORY = frozenset({"history_of_present_illness", "chief_complaint", "review_of_systems"})
_FINDINGS = frozenset({"physical_exam", "labs_and_studies"})
_MEDS = frozenset({"medications"})

FEATURES = (
    "where",
    "note_has_statement",
    "assertion",
    "category",
    "chapter",
    "chronic",
    "source",
    "score",
    "class",
    "family_also_coded",
    "gold_has_sibling",
)


@dataclass(frozen=True)
class Reported:
    """One reported code of one encounter and the features of why it was reported."""

    set_name: str
    encounter: str
    code: str
    verdict: str  # right, wrong, must_not
    features: dict[str, str]


def where(sections: Iterable[str | None]) -> str:
    """The section roles the code's evidence lies in, grouped: ``statement`` when any of it is in
    the diagnostic statement, else the groups outside it (``history``, ``story``, ``findings``,
    ``meds``, ``narrative`` for no heading, ``other``)."""
    groups = set()
    for section in sections:
        if section in STATEMENT_SECTIONS:
            return "statement"
        if section in _HISTORY:
            groups.add("history")
        elif section in _STORY:
            groups.add("story")
        elif section in _FINDINGS:
            groups.add("findings")
        elif section in _MEDS:
            groups.add("meds")
        elif section is None:
            groups.add("narrative")
        else:
            groups.add(str(section))
    return "+".join(sorted(groups)) or "none"


def source(suggestion: CodeSuggestion) -> str:
    """What gave the code: a mention of the note, or a rule (combination, a drug taken, a
    status/reason the note states)."""
    rationale = (suggestion.rationale or "").lower()
    if suggestion.code.startswith("Z79"):
        return "medication"
    if "combination" in rationale or ("with " in rationale and not suggestion.candidates):
        return "combination"
    if not suggestion.candidates:
        return "rule"
    return "mention"


def _score(value: float) -> str:
    return (
        "<0.7" if value < 0.7 else "<0.85" if value < 0.85 else "<0.95" if value < 0.95 else "≥0.95"
    )


def _chapter(code: str) -> str:
    if code[0] == "R":
        return "R (sign/symptom)"
    if code[0] == "Z":
        return "Z (status/reason)"
    if code[0] in "ST":
        return "S/T (injury)"
    if code[0] in "VWXY":
        return "V-Y (cause)"
    return "disease"


def encounter_statement(texts: Iterable[str]) -> bool:
    """True when any note of the encounter has a diagnostic-statement section."""
    finder = clinical_pipeline().section_finder
    return any(s.category in STATEMENT_SECTIONS for t in texts for s in finder.sections(t))


def analyze(gold: GoldEncounter) -> tuple[EncounterCoding, bool]:
    case = build_coding_case(parse_bundle(build_bundle(gold)), PhiDeidentifier(DeidPolicy()))
    analysis = analyze_case(case, CodingConfig())
    texts = [n.text for e in case.encounters for n in e.notes]
    return analysis.encounters[0], encounter_statement(texts)


def reported_codes(
    set_name: str, gold: GoldEncounter, coding: EncounterCoding, statement: bool
) -> Iterator[Reported]:
    wanted = gold.required | gold.acceptable
    codes = [s.code for s in coding.suggestions]
    for s in coding.suggestions:
        verdict = (
            "must_not" if s.code in gold.must_not else "right" if s.code in wanted else "wrong"
        )
        family = any(c != s.code and c[:3] == s.code[:3] for c in codes)
        features = {
            "where": where(e.section for e in s.evidence),
            "note_has_statement": str(statement),
            "assertion": s.assertion.value,
            "category": s.category.value,
            "chapter": _chapter(s.code),
            "chronic": str(s.code[:3] in CHRONIC_CATEGORIES),
            "source": source(s),
            "score": _score(s.score),
            "class": gold.encounter_class,
            "family_also_coded": str(family),
            # a wanted code of the same category: the condition is reportable, the code is not
            # the right one (specificity, combination) — not a question of reporting it at all
            "gold_has_sibling": str(any(c != s.code and c[:3] == s.code[:3] for c in wanted)),
        }
        yield Reported(set_name, gold.id, s.code, verdict, features)


def missed_codes(gold: GoldEncounter, coding: EncounterCoding) -> list[tuple[str, str]]:
    codes = {s.code for s in coding.suggestions}
    reasons = {x.code: (x.rationale or "") for x in coding.excluded}
    return [
        (code, reasons.get(code, "never found")[:110]) for code in sorted(gold.required - codes)
    ]


def table(rows: list[Reported], feature: str) -> list[str]:
    counts: dict[str, Counter[str]] = {}
    for row in rows:
        value = row.features[feature]
        counts.setdefault(value, Counter())[f"{row.set_name}:{row.verdict}"] += 1
        counts[value][f"all:{row.verdict}"] += 1
    lines = [f"## {feature}", f"{'value':28} " + "  ".join(f"{s:>16}" for s in _SET_COLUMNS)]
    for value, c in sorted(counts.items(), key=lambda kv: -_bad(kv[1], "all")):
        cells = [f"{c[f'{s}:right']:4}/{_bad(c, s):3}/{c[f'{s}:must_not']:3}" for s in _SET_COLUMNS]
        lines.append(f"{value[:28]:28} " + "  ".join(f"{cell:>16}" for cell in cells))
    return lines


def _bad(c: Counter[str], set_name: str) -> int:
    return c[f"{set_name}:wrong"] + c[f"{set_name}:must_not"]


_SET_COLUMNS = ("main", "fresh2", "fresh3", "all")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="each wrong code with its features")
    parser.add_argument("--missed", action="store_true", help="each required code not reported")
    args = parser.parse_args(argv)
    rows: list[Reported] = []
    missed: list[tuple[str, str, str, str]] = []
    for set_name, split in DEV_SETS:
        for gold in load_set(set_name, split):
            coding, statement = analyze(gold)
            rows.extend(reported_codes(set_name, gold, coding, statement))
            missed.extend((set_name, gold.id, c, r) for c, r in missed_codes(gold, coding))
    print("cells: right / wrong (incl. must-not) / must-not reported codes\n")
    for feature in FEATURES:
        print("\n".join(table(rows, feature)), end="\n\n")
    combos = Counter(
        (r.features["where"], r.features["note_has_statement"], r.features["chapter"])
        for r in rows
        if r.verdict != "right"
    )
    print("## wrong codes by where × note_has_statement × chapter")
    for key, n in combos.most_common(20):
        right = sum(
            1
            for r in rows
            if r.verdict == "right"
            and (r.features["where"], r.features["note_has_statement"], r.features["chapter"])
            == key
        )
        print(f"{n:4} wrong vs {right:4} right  {' | '.join(key)}")
    if args.list:
        print("\n## wrong codes")
        for r in rows:
            if r.verdict != "right":
                f = r.features
                print(
                    f"{r.set_name:6} {r.encounter:6} {r.code:9} {r.verdict:8} {f['where']:22} "
                    f"stmt={f['note_has_statement']:5} {f['assertion']:10} {f['category']:10} "
                    f"{f['source']:11} {f['score']:5} {f['class']:4} fam={f['family_also_coded']} "
                    f"sibling_wanted={f['gold_has_sibling']}"
                )
    if args.missed:
        print("\n## required codes not reported")
        for set_name, encounter, code, reason in missed:
            print(f"{set_name:6} {encounter:6} {code:9} {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
