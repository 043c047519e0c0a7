"""Signs and symptoms integral to a confirmed diagnosis are not coded beside it (Guidelines I.B.5).

``data/integral_symptoms.tsv`` maps a symptom code prefix to the diagnosis prefixes that explain
it: cough with acute bronchitis, fever with pneumonia, abdominal pain and nausea with
appendicitis, dyspnea with heart failure. A symptom stays when no current diagnosis explains it
(and so, outpatient, beside an uncertain diagnosis that is not coded: Section IV.H).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding.data import table_rows

TABLE = "integral_symptoms.tsv"


@dataclass(frozen=True)
class IntegralRule:
    symptom: str  # code prefix
    explained_by: tuple[str, ...]  # diagnosis code prefixes


@lru_cache(maxsize=1)
def integral_rules() -> tuple[IntegralRule, ...]:
    """The rules of the table, longest symptom prefix first (R06.0 before R06)."""
    rules = []
    for row in table_rows(TABLE):
        if len(row) != 2 or not row[0].strip() or not row[1].split():
            raise ValueError(f"integral symptom row needs SYMPTOM<TAB>DIAGNOSES: {row!r}")
        rules.append(IntegralRule(row[0].strip(), tuple(row[1].split())))
    return tuple(sorted(rules, key=lambda r: len(r.symptom), reverse=True))


def explaining_diagnosis(
    symptom: str, diagnoses: Iterable[str], rules: Iterable[IntegralRule] | None = None
) -> str | None:
    """The first of ``diagnoses`` that ``symptom`` is integral to, if any."""
    for rule in integral_rules() if rules is None else rules:
        if symptom.startswith(rule.symptom):
            return next(
                (d for d in sorted(diagnoses) if d != symptom and d.startswith(rule.explained_by)),
                None,
            )
    return None
