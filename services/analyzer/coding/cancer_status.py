"""Current malignancy or personal history of it, when a note writes the same cancer both ways.

Guidelines I.C.2.d: "When a primary malignancy has been excised or eradicated from its site,
there is no further treatment directed to that site and there is no evidence of any existing
primary malignancy, a code from category Z85 ... should be used"; I.C.2.m: a malignancy still
under treatment — adjuvant chemotherapy, radiation, hormonal (endocrine) therapy such as
tamoxifen or an aromatase inhibitor — is current, coded with its C code (and Z79.81x for the
drug). Notes write such a cancer both ways ("history of breast cancer, on anastrozole";
"melanoma surveillance ... personal history of melanoma, NED"), so the encounter gets a C code
and its Z85 code from different mentions. The note's words decide which one stands:

- treatment directed at the cancer now (a current-treatment cue that is not negated, completed or
  dated in the past) → the current code; the history code goes;
- otherwise, when the notes say there is no disease left (NED, no evidence of disease, no
  recurrence, surveillance, completed treatment, excised/resected) → the history code; the current
  code goes;
- neither → both stay for the coder to settle.

A cancer the notes state only as history but treat now (no C code of its own) gets its current
code back from the history mention.
"""

from __future__ import annotations

import re
from enum import StrEnum

_NEGATED_OR_PAST = (
    r"(?:\bno\b|\bnot\b|\bdeclined\b|\bcompleted\b|\bfinished\b|\bdone\b|\bs/p\b|\bstatus post\b|"
    r"\bprior\b|\bprevious(?:ly)?\b|\bhistory of\b|\bin (?:19|20)\d\d\b|\bstopped\b|\bended\b)"
)
# Treatment directed at a cancer now.
_TREATMENT = re.compile(
    r"\b(?:on|taking|receiving|undergoing|continu\w+|started|starts|cycle \d+ of|currently on)\s+"
    r"(?:\w+\s+){0,3}?(?:adjuvant|neoadjuvant|chemo\w*|radiation|radiotherapy|immunotherapy|"
    r"hormonal therapy|endocrine therapy|aromatase inhibitor|tamoxifen|anastrozole|letrozole|"
    r"exemestane|fulvestrant|leuprolide|bicalutamide|enzalutamide|abiraterone|trastuzumab|"
    r"pembrolizumab|nivolumab|capecitabine|imatinib|osimertinib)\b|"
    r"\b(?:adjuvant|neoadjuvant)\s+(?:\w+\s+){0,2}?(?:therapy|chemo\w*|radiation|treatment|"
    r"tamoxifen|anastrozole|letrozole|exemestane|aromatase inhibitor)\b",
    re.IGNORECASE,
)
# The notes say no disease is left.
_NO_DISEASE = re.compile(
    r"\bNED\b|\bno evidence of (?:\w+\s+){0,2}(?:disease|recurrence|malignancy|cancer)\b|"
    r"\bno (?:\w+\s+){0,2}recurrence\b|\bwithout recurrence\b|\brecurrence[- ]free\b|"
    r"\bdisease[- ]free\b|\bsurveillance\b|\bcompleted (?:\w+\s+){0,3}(?:therapy|treatment|"
    r"chemo\w*|radiation)\b|\bcured\b",
    re.IGNORECASE,
)


class CancerStatus(StrEnum):
    CURRENT = "current"
    HISTORY = "history"


def treated_now(text: str) -> bool:
    """Whether ``text`` says a cancer is under treatment now (adjuvant or active therapy)."""
    for match in _TREATMENT.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        clause = re.split(r"[.;:,\n]|\band\b", before)[-1]
        tail = text[match.end() : match.end() + 25]
        if re.search(_NEGATED_OR_PAST, clause, re.IGNORECASE):
            continue
        if re.search(r"^\s*(?:in (?:19|20)\d\d|completed|finished|ended)", tail, re.IGNORECASE):
            continue
        return True
    return False


def no_disease_left(text: str) -> bool:
    return bool(_NO_DISEASE.search(text))


def status(text: str) -> CancerStatus | None:
    """What the notes ``text`` say of a cancer written both as current and as history."""
    if treated_now(text):
        return CancerStatus.CURRENT
    if no_disease_left(text):
        return CancerStatus.HISTORY
    return None


def is_malignancy(code: str) -> bool:
    """A primary malignant neoplasm code (C00–C76, C81–C96), not a secondary (C77–C79)."""
    return code[:1] == "C" and not ("C77" <= code[:3] <= "C80")
