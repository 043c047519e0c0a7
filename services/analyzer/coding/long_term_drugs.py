"""Long-term (current) drug therapy (Z79) from the drugs a note says the patient takes.

A drug named anywhere in the note — the medication list included, which is otherwise never
coded — gives its Z79 code (``data/long_term_drugs.tsv``) when the note says it is being taken:
not when it is stopped, held, completed, run out of, only being started or added, denied, not
taken ("not taking", "not a candidate for insulin"), only in prospect ("may need insulin"), or
given for a while (sliding-scale insulin while NPO, insulin added in hospital or while inpatient
is no long-term use), nor a diabetes drug when the note says all of them are over ("off all
diabetes meds"). Diabetes drugs count only beside a diabetes code, and insulin never with type 1
diabetes (Guidelines I.C.4.a.3: Z79.4 and Z79.84 both when insulin and oral drugs are taken
together).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding.data import table_rows

TABLE = "long_term_drugs.tsv"
_WHEN = frozenset({"diabetes", "not_type1", "always"})
_DIABETES = ("E08", "E09", "E10", "E11", "E13")
_NOT_TAKEN = re.compile(
    r"\b(?:stop(?:ped|s)?|discontinu\w*|d/c|held|hold(?:ing)?|complet\w*|finish\w*|ran out|run out|"
    r"off|start(?:ed|ing|s)?|initiat\w*|begin|no|not on|never|was on|previously on|"
    r"not (?:taking|using|currently (?:taking|on))|candidate for|"
    r"refus\w*|declin\w*|consider\w*|discuss\w*|sliding[- ]scale|correction|temporar\w*|"
    r"while npo|drip|infusion|load(?:ing)?(?: dose)?|bolus|once|x ?1|stat|"
    r"given in (?:the )?(?:ed|er)|added|while (?:inpatient|admitted|hospitali[sz]ed|in (?:the )?"
    r"hospital)|in[- ]hospital only)\b",
    re.IGNORECASE,
)
# Before the drug only: a drug the patient may come to need is not taken ("may need insulin",
# "reluctant to use insulin"); after it, the same words speak of the dose ("insulin may need
# adjusting").
_NOT_YET = re.compile(
    r"\b(?:(?:may|might|will|would|could) (?:need|require)|eventually|"
    r"hesitant|reluctant|resist\w*)\b",
    re.IGNORECASE,
)
# A note that says every drug of diabetes is over ("off all diabetes meds since 8/2024", "no
# longer on any diabetic medications") takes back the diabetes drugs its history names.
_DIABETES_DRUGS_OVER = re.compile(
    r"\b(?:off|stopped|discontinued|no longer (?:on|taking|needs?)|not (?:on|taking))\s+"
    r"(?:all|any)\s+(?:(?:of\s+)?(?:his|her|their|the)\s+)?"
    r"(?:diabetes|diabetic|glucose[- ]lowering|hypoglycemic|antidiabetic|antihyperglycemic)\s+"
    r"(?:meds|medications|medicines|drugs|agents|therapy)\b",
    re.IGNORECASE,
)
# The next list item saying the course is over: "6 mo apixaban, completed, off since 2023".
_OVER_NEXT_ITEM = re.compile(
    r"[^,]*,\s*(?:completed|finished|stopped|discontinued|d/c'?d|held|off)\b", re.IGNORECASE
)
_CLAUSE = re.compile(r"[.;\n]|,(?=\s*[A-Za-z]+ (?:\d|mg))")


@dataclass(frozen=True)
class DrugUse:
    code: str
    when: str
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _table() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    codes: dict[str, tuple[str, str]] = {}
    for row in table_rows(TABLE):
        if len(row) != 3 or row[2].strip() not in _WHEN:
            raise ValueError(f"long-term drug row needs DRUG<TAB>CODE<TAB>WHEN: {row!r}")
        codes[row[0].strip().lower()] = (row[1].strip(), row[2].strip())
    names = "|".join(sorted(map(re.escape, codes), key=len, reverse=True))
    return re.compile(rf"\b(?:{names})\b", re.IGNORECASE), codes


def drug_uses(text: str) -> list[DrugUse]:
    """The drugs ``text`` says are being taken, with their Z79 code and condition."""
    pattern, codes = _table()
    diabetes_over = _DIABETES_DRUGS_OVER.search(text) is not None
    found = []
    for match in pattern.finditer(text):
        if not _taken(text, match.start(), match.end()):
            continue
        code, when = codes[match.group().lower()]
        if diabetes_over and when != "always":
            continue
        found.append(DrugUse(code, when, match.start(), match.end(), match.group()))
    return found


def applies(use: DrugUse, coded: Collection[str]) -> bool:
    """Whether ``use`` is reported beside the encounter's ``coded`` diagnoses."""
    if use.when == "always":
        return True
    diabetes = any(c.startswith(_DIABETES) for c in coded)
    if use.when == "not_type1":
        return diabetes and not any(c.startswith("E10") for c in coded)
    return diabetes


def _taken(text: str, start: int, end: int) -> bool:
    """No cue of not taking it in the drug's own clause (a few words either side)."""
    before = text[max(0, start - 40) : start]
    after = text[end : end + 30]
    before = _CLAUSE.split(before)[-1]
    after = _CLAUSE.split(after)[0]
    return (
        not _NOT_TAKEN.search(before.split(",")[-1])
        and not _NOT_YET.search(before.split(",")[-1])
        and not _NOT_TAKEN.search(after.split(",")[0])
        and not _OVER_NEXT_ITEM.match(after)
    )
