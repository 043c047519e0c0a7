"""Record numbers of every kind, by their label or by their shape.

Labels name what a number is in many countries' words: NHS number, UHID, URN, NHI, OHIP, HCN,
PHN, RAMQ, accession, specimen, lab number, requisition, auth, A-number, registration plate,
serial. The value after a label may be grouped with spaces, hyphens or slashes
(``485 777 3456``, ``H/23/04471``, ``PUN/23/118804``, ``A 218 447 901``, ``6719 442 018 JR``).

Without a label, a token that mixes capitals and at least four digits and is not a measurement
(``CT23-0044871``, ``BM-2023-00184``, ``XYZ4471``, ``PJN448210S``) is a record number too: clinical
shorthand that mixes letters and digits (``T12-L1``, ``HbA1c``, ``COVID-19``, ``D5W``) has fewer
digits.
"""

from __future__ import annotations

import re

from services.ingestor.phi.spans import PhiSpan, PhiType

# a value: groups of capitals and digits joined by single hyphens, slashes, dots or spaces
_GROUP = r"[A-Z0-9]{1,12}"
# (a group is whole: "901-56-24 Plan" ends before "P"; a word before a colon is the next label:
# "66-105-536 GU: Foley")
_JOIN = r"(?:[\-/]|\.(?=\d)|[ ](?=[A-Z0-9]))"
_VALUE = rf"(?P<value>#?{_GROUP}(?![a-z])(?:{_JOIN}[A-Z0-9]{{1,12}}(?![a-z]|[A-Z0-9]*:)){{0,5}})"
_LABEL = re.compile(
    r"\b(?P<label>(?i:nhs(?:\s+(?:no\.?|number|#))?|uhid|urn|ur(?:\s+no\.?)?|nhi|ohip|hcn|phn|ahcip|ramq"
    r"|medicare(?:\s+(?:no\.?|number|#))?|mrn|cr\s+no\.?|ip\s+no\.?|op\s+no\.?|reg(?:istration)?"
    r"\s+no\.?|hospital\s+(?:no\.?|number)|unit\s+no\.?|acc(?:ession)?(?:\s*(?:no\.?|#))?|acc#"
    r"|specimen(?:\s*(?:no\.?|#|id))?|sample\s+(?:id|no\.?)|lab\s+(?:no\.?|number|#)|case(?:\s*#)?"
    r"|requisition(?:\s*#)?|req\s*#|auth(?:orization)?(?:\s*#)?|a-number|alien\s+(?:no\.?|number)"
    r"|unos\s+id|employee\s+id|member(?:\s+id)?|ins(?:urance)?\s+id|id|cdl|dl|licen[cs]e(?:\s+(?:no\.?|#))?"
    r"|dea|npi|rego|plate|tag|serial(?:\s+(?:no\.?|#|number))?|sn|s/n|device\s+id|ref(?:erence)?"
    r"|intake|claim|policy|account|acct|control\s+no\.?|batch|lot|aadhaa?r|pan|abha|phin|mhsc"
    r"|msp|carte\s+soleil|ihi|dva|mbi|hicn|gmc|nmc|ahpra|cpso|mcr|imc"
    # round 8: badges and staff numbers, provider and prescription numbers, Scottish CHI,
    # Indian in- and out-patient numbers and service cards, a Quebec chart ("dossier")
    r"|badge|staff\s+(?:id|no\.?)|employee\s+(?:no\.?|number|#)|prov(?:ider)?\s+(?:no\.?|number|#)"
    r"|rx|prescription|chi|h&c|ipd|opd|echs|cghs|esic|dossier|health\s+card(?:\s+(?:no\.?|#))?"
    r"|card\s+(?:no\.?|number|#)|mbr(?:\s+id)?|subscriber(?:\s+(?:id|no\.?|#))?|medicaid(?:\s+id)?"
    r"|med\.?\s+rec(?:ord)?(?:\s+(?:no\.?|#))?"
    # a record's own number named by what it numbers: "Patient number", "Hosp no", "CRN",
    # "Encounter #", "Visit ID", "Order no.", "Chart #", "FIN", "CSN"
    r"|(?:patient|pt|path(?:ology)?|hosp(?:ital)?|chart|file|encounter|visit|order|report|episode|admission"
    r"|invoice|ticket|confirmation|tracking)\.?\s*(?:no\b\.?|number|#|id\b)|reg\.\s*no\.?|crn|cr\s*#"
    r"|encounter|fin|csn|har))"
    # a label is a whole word: "UR" is not the start of "URINE", nor "HAR" of "HARE"
    r"(?![A-Za-z])(?i:\s+(?:no\.?|number|#))?(?:\s*[:#.]){0,2}\s*(?i:is\s+(?:still\s+|now\s+)?)?"
    + _VALUE
)
_UNIT_WORDS = frozenset(
    ("U", "HR", "HRS", "HOUR", "ML", "MG", "MCG", "CC", "L", "KG", "MEQ", "MIN", "AM", "PM", "X")
)
_WEAK_LABELS = frozenset(
    ("id", "case", "tag", "ref", "sn", "dl", "lot", "batch", "intake", "claim", "encounter", "fin")
)
# a token of capitals and digits with four digits or more (a record number without its label)
_SHAPE = re.compile(
    r"(?<![\w\-/.])(?=[A-Z0-9\-/]*[A-Z])(?=(?:[A-Z\-/]*\d){4})[A-Z0-9]+(?:[\-/][A-Z0-9]+)*"
    r"(?![\w\-/]|\.\d)"
)
_MEASUREMENT = re.compile(
    r"^\d+(?:MG|MCG|ML|CC|MEQ|MMOL|UNITS?|IU|KG|G|L|CM|MM|HRS?|MIN|AM|PM|X|S)$|^\d+[A-Z]\d*$"
)
# gene variants and other alternating codes: JAK2V617F, BRAFV600E
_VARIANT = re.compile(r"^[A-Z]+\d*[A-Z]\d{2,4}[A-Z]$")
_DATE_SHAPE = re.compile(r"\d{1,2}(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\d{2,4}$")


# a short code of letters and two or three digits ("JF09", "LP33", "RN29", "A12B") is a number
# after a label only: "ID: H1N1" (a virus) alternates and is not one
_SHORT_CODE = re.compile(r"^(?:[A-Z]{1,3}\d{2,3}[A-Z]?|\d{2,3}[A-Z]{1,3})$")
# number plates in the forms of many countries: "ZSP 445", "JU02 UDX", "7HKT214", "ABC-1234"
_PLATE = re.compile(r"^(?=(?:\D*\d){2})[A-Z0-9]{2,4}(?:[ \-][A-Z0-9]{2,4})?$")


def _value_ok(value: str, label: str) -> bool:
    digits = sum(c.isdigit() for c in value)
    plate = label in ("rego", "plate", "tag")
    if plate and _PLATE.match(value) and len(value.replace(" ", "").replace("-", "")) >= 5:
        return True
    if digits < 3:
        return digits >= 2 and bool(_SHORT_CODE.match(value))
    groups = re.split(r"[\s]", value)
    first = re.split(r"[\-/]", groups[0])[0]
    ramq = len(first) == 4 and all(g.isdigit() for g in groups[1:]) and digits >= 6
    if not any(c.isdigit() for c in first) and len(first) > 3 and not ramq:
        return False  # "ID: TMAX 99.8" is a section and a reading ("BOUE 5512 1518" is RAMQ)
    # later space-separated groups must hold a digit or be a short code ("018 JR")
    return all(any(c.isdigit() for c in g) or len(g) <= 2 for g in groups[1:])


def _trim(value: str) -> str:
    """A dot joins groups only after letters (``KH1.0004471``); after digits it is a decimal
    point and ends the number (``99.8``). Keep the space-separated groups that hold digits, and
    one short code after them (``6719 442 018 JR``); the words after a number are not part of
    it (``7HKT214 NOTED BY``)."""
    for dot in (i for i, c in enumerate(value) if c == "."):
        group = re.split(r"[\s\-/]", value[:dot])[-1]
        if not any(c.isalpha() for c in group):
            value = value[:dot]
            break
    parts = value.split(" ")
    kept = parts[:1]
    for i, part in enumerate(parts[1:], start=1):
        if any(c.isdigit() for c in part):
            kept.append(part)
            continue
        following = parts[i + 1] if i + 1 < len(parts) else ""
        if len(part) <= 2 and not any(c.isdigit() for c in following) and len(following) != 2:
            kept.append(part)
        break
    return " ".join(kept).rstrip(".-/")


_LOWER_CASE_NUMBER = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9\-/. ]+$")


def _lower_case_number(value: str) -> bool:
    """Letters and digits of a record number as a lower-case note writes them (``s07-2231``)."""
    return _LOWER_CASE_NUMBER.match(value) is not None


def find_record_numbers(text: str) -> list[PhiSpan]:
    """Labelled record numbers in any grouping, and unlabelled tokens shaped like one."""
    spans: list[PhiSpan] = []
    # a note typed in lower case writes its numbers' letters in lower case too ("accession
    # no. s07-2231", "encounter # uy22"): the labels are read on the text in capitals as well
    # (same offsets), and a value is taken only where the label is followed by one
    upper = text.upper()
    texts = [text] if upper == text or len(upper) != len(text) else [text, upper]
    for m in (m for t in texts for m in _LABEL.finditer(t)):
        value = _trim(m.group("value").lstrip("#"))
        label = m.group("label").lower()
        if "\n" in value or not _value_ok(value, label):
            continue
        start = m.start("value") + (1 if m.group("value").startswith("#") else 0)
        if m.string is not text and not _lower_case_number(text[start : start + len(value)]):
            continue  # found as written already, or words in mixed case ("Ref To Gi 2")
        weak = label in _WEAK_LABELS
        plate = label in ("rego", "plate", "tag") and _PLATE.match(value)
        if re.match(r"\.\d", m.string[start + len(value) : start + len(value) + 2]) or (
            weak and not plate and not any(c.isdigit() for c in re.split(r"[\s\-/]", value)[0])
        ):
            continue  # "ID: TM 100.2" is a temperature
        kind = (
            PhiType.MRN
            if label.startswith(("nhs", "uhid", "ur", "nhi", "mrn", "cr"))
            else PhiType.ID
        )
        spans.append(
            PhiSpan(
                start=start,
                end=start + len(value),
                type=kind,
                score=0.8 if weak else 0.9,
                source="id.label_grouped",
            )
        )
    for m in _SHAPE.finditer(text):
        token = m.group(0)
        letters = re.findall(r"[A-Z]+", token)
        if any(r in _UNIT_WORDS or len(r) >= 5 for r in letters):
            continue  # "1400U/HR", "2300-APPROX": rates and words, not record numbers
        run = max(len(r) for r in re.findall(r"\d+", token))
        if run < 4 or (run == 4 and len(token) < 7):
            continue  # "RR18-24", "PB7200": readings and models, not record numbers
        if any(p.match(token) for p in (_MEASUREMENT, _DATE_SHAPE, _VARIANT)):
            continue
        spans.append(
            PhiSpan(start=m.start(), end=m.end(), type=PhiType.ID, score=0.7, source="id.shape")
        )
    return spans
