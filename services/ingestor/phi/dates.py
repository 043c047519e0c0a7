"""Dates in every form clinical notes use: 7/22, 10-15-19, 2019-03-04, July 1st, 21 Apr, '92.

Month/day fractions are ambiguous (``5/5`` strength, ``PS 10/5``, ``1/2 NS``), so a numeric
m/d is dropped when the words around it say it is a ratio, a fraction or a ventilator setting.
"""

from __future__ import annotations

import re

from services.ingestor.phi.lexicon import load_lexicon
from services.ingestor.phi.spans import PhiSpan, PhiType

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}  # fmt: skip

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR4 = r"(?:19|20)\d\d"
_YEAR = rf"(?:{_YEAR4}|'?\d\d)"

# ISO and numeric dates with a year: 2019-03-04, 3/4/2019, 3-4-19, 3.4.19
_NUMERIC_FULL = re.compile(
    rf"(?<![\w/])(?<!\d[.\-])(?:{_YEAR4}([-/.])(?:0?[1-9]|1[0-2])\1(?:[12]\d|3[01]|0?[1-9])"
    r"|(?:0?[1-9]|1[0-2])([-/])(?:[12]\d|3[01]|0?[1-9])\2(?:\d{4}|\d{2})"
    r"|(?:0?[1-9]|1[0-2])/(?:[12]\d|3[01]|0?[1-9])\.(?:\d{2})"
    r"|(?:0?[1-9]|1[0-2])\.(?:[12]\d|3[01]|0?[1-9])\.(?:\d{4}|\d{2})"
    # day first, as most of the world writes it: 18/2/2011, 25.08.2007, 14-02-2023
    r"|(?:1[3-9]|2\d|3[01])([-/.])(?:0?[1-9]|1[0-2])\3(?:(?:19|20)\d\d|\d\d))"
    # a dash after the date that starts no other number ("done 2000-03-12- post op") ends it
    r"(?![\d/%]|\.\d|-\d)"
)
# a range of numeric dates: 3/11-3/14, 10/30 - 11/2, 3/11-14, 4/10 thru 4/14, and two dates run
# together (10/03/10/04)
_NUMERIC_RANGE = re.compile(
    r"(?<![\w/+])(?<!\d[.\-])(?:0?[1-9]|1[0-2])/(?:[12]\d|3[01]|0?[1-9])"
    r"(?:\s?[-–]\s?|/|\s+(?:to|thru|through|until|till)\s+)"
    r"(?:(?:0?[1-9]|1[0-2])/)?(?:[12]\d|3[01]|0?[1-9])(?:/(?:\d{4}|\d\d))?(?![\d/%]|\.\d)",
    re.IGNORECASE,
)
# day, month and year with no separator, as order sets print them: 05MAR2004, 01jan2012
_COMPACT = re.compile(
    rf"(?<![\w/])(?:[12]\d|3[01]|0?[1-9]){_MONTH}(?:{_YEAR4}|\d\d)(?![\w/])", re.IGNORECASE
)
# month/day with no year: 7/22, 10/3 (ambiguous, filtered by context)
_MONTH_DAY = re.compile(
    r"(?<![\w/+])(?<!\d[.\-])(?:0?[1-9]|1[0-2])/(?:[12]\d|3[01]|0?[1-9])(?![\d/%]|\.\d)"
)
# day/month with no year, day first (UK, Australia, India): 26/9, 18/03 — the day over 12 says
# so; "20/10" is a visual acuity
_DAY_MONTH = re.compile(
    r"(?<![\w/+])(?<!\d[.\-])(?:(?:1[3-9]|2[1-9]|3[01])/(?:0?[1-9]|1[0-2])|20/0?[1-9])"
    r"(?![\d/%]|\.\d)"
)
# m-d without a year only after a word that introduces a date ("returned to OR on 7-8")
_MONTH_DAY_HYPHEN = re.compile(
    r"(?<=\bon\s)(?:0?[1-9]|1[0-2])-(?:[12]\d|3[01]|0?[1-9])(?=\s*(?:[,.;)]|for\b|$))",
    re.IGNORECASE,
)
# month/year: 8/88, 11/92, 06/2019 (5/10 is May 10 or a pain score, not May 2010)
_MONTH_YEAR = re.compile(
    r"(?<![\w/+])(?<!\d[.\-])(?:0?[1-9]|1[0-2])/(?:(?:19|20)\d\d|3[2-9]|[4-9]\d)(?![\d/%]|\.\d)"
)
# a range of days before a month: "1->2 nov", "12-13 Nov", "3 & 4 June" (the second day is
# found with the month by _SPELLED)
_DAY_RANGE = re.compile(
    rf"\b({_DAY})\s*(?:-+>?|–|to|&|and|/)\s*{_DAY}[\s\-]+(?:of\s+)?{_MONTH}\b", re.IGNORECASE
)
# spelled months: July 1, July 1st 2019, 1 July 2019, 21 Apr, Mar 3, March of 1993, 12-Jan-2019
_SPELLED = re.compile(
    rf"\b(?:{_DAY}[\s\-]+(?:of\s+)?{_MONTH}\.?(?:[\s,\-]+{_YEAR})?"
    rf"|{_MONTH}\.?[\s\-]+{_DAY}\b(?:,?[\s\-]+{_YEAR4})?"
    rf"|{_MONTH}\.?,?(?:\s+|-)(?:of\s+)?{_YEAR4}"
    rf"|{_MONTH}\.?\s+'\d\d)\b",
    re.IGNORECASE,
)
# round 8: a month and a year after a slash ("May/24", "JAN/2001"), a range of days before a
# numeric month and year ("20-21/9/2025", "1-6/10/02"), a range of two ordinals ("25th-26th",
# unless a counted noun follows: "4th-5th ICS")
_MONTH_SLASH_YEAR = re.compile(rf"\b{_MONTH}\.?/(?:{_YEAR4}|\d\d)\b(?!/)", re.IGNORECASE)
_DAYS_MONTH_YEAR = re.compile(
    r"(?<![\d/.\-])(?:[12]\d|3[01]|0?[1-9])[ \t]?[-–][ \t]?(?:[12]\d|3[01]|0?[1-9])"
    r"/(?:0?[1-9]|1[0-2])/(?:(?:19|20)\d\d|\d\d)(?![\d/])"
)
# a month name alone ("admitted in sept.") — but "may" alone is the verb, "mar"/"dec" are words
# ... but "able to march in place", "WILL MARCH": the verb after a modal or "to"
_MONTH_ALONE = re.compile(
    r"(?<!\bto )(?<!\bwill )(?<!\bcan )(?<!\bcould )(?<!\bmay )(?<!\band )"
    r"\b(?:january|february|march|april|june|july|august|september|sept|october|november"
    r"|december)\b(?![ \t]+in[ \t]+place\b)",
    re.IGNORECASE,
)
# an abbreviated month alone only after a word that introduces a time ("Aug dia" is IABP)
# "end of May", "in MAY", "since May": the month, not the verb (which no such word precedes)
_MAY_CUED = re.compile(
    r"\b(?i:in|of|since|by|until|till|mid|early|late|last|next|from)[\s\-]+(May|MAY)\b"
)
_MONTH_ABBREVIATION_CUED = re.compile(
    r"\b(?:in|of|by|mid|from)\s+((?:jan|feb|apr|jun|jul|aug|sep|oct|nov)\b)", re.IGNORECASE
)
# "it's the 11th." — an ordinal day that no noun follows
_ORDINAL_DAY = re.compile(
    r"\b(?:on|the|it'?s|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\s+(?:the\s+)?"
    r"((?:[12]?1st|[12]?2nd|[12]?3rd|(?:[12]?[4-9]|1[0-3]|20|30)th|31st))"
    r"(?=\s*(?:[.,;!?)\n]|$|of\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"|(?:and|at|in|to|with|for|but|or|until|by|before|after|when|so|as|&)\b))",
    re.IGNORECASE,
)
_ORDINAL = r"(?:[12]?1st|[12]?2nd|[12]?3rd|(?:[12]?[4-9]|1[0-3]|20|30)th|31st)"
_ORDINAL_RANGE = re.compile(
    rf"\b{_ORDINAL}[ \t]?(?:[-–]|to|&|and)[ \t]?{_ORDINAL}\b",
    re.IGNORECASE,
)
_WEEKDAY = r"(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?\.?"
# a weekday and a day of the month is always a date: "Sunday 15th", "THURSDAY 5TH", "sun 2/2",
# "MON 29/4", "Fri the 3rd"
_WEEKDAY_DAY = re.compile(
    rf"\b{_WEEKDAY},?\s+(?:the\s+)?(?:{_ORDINAL}\b|(?:(?:0?[1-9]|1[0-2])/(?:[12]\d|3[01]|0?[1-9])"
    r"|(?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2]))(?![\d/%]|\.\d))",
    re.IGNORECASE,
)
# "the 13th" before anything but a noun that is counted ("the 3rd time", "the 4th ICS", "the 2nd
# of 3 units"): the day of the month, whatever follows ("echo the 13th showing", "THE 24TH 8am")
_THE_ORDINAL = re.compile(rf"\bthe\s+({_ORDINAL})\b(?!-)", re.IGNORECASE)
_COUNTED = re.compile(
    r"\s*(?:time|times|day|days|week|weeks|month|months|year|years|attempt|attempts|try|tries"
    r"|dose|doses|percentile|%ile|ics|intercostal|interspace|rib|ribs|toe|toes|finger|fingers"
    r"|digit|digits|metatarsal|metacarpal|mtp|mcp|pip|dip|cranial|nerve|ventricle|grade|floor|fl"
    r"|trimester|generation|degree|cycle|cycles|round|line|lines|session|treatment|course|visit"
    r"|admission|episode|one|ones|place|person|birthday|decade|cervical|lumbar|thoracic|sacral"
    r"|vertebra|vertebral|space|branch|division|segment|order|pod|post-?op|hospital|child"
    r"|pregnancy|baby|son|daughter|grandchild|shot|bag|bags|unit|units|liter|liters|bottle|set"
    r"|sets|sample|samples|stage|level|position|layer|wave|phase|portion|part|half|quarter"
    r"|quadrant|web|lead|leads|column|row|pass|run|stick|lumen|port|compartment|arch|molar"
    r"|premolar|tooth|shift|fraction|infusion|bolus|prbc|ffp|platelets?|pack|cup|culture"
    r"|specimen|street|st|avenue|ave|heart|sound|amendment|edition|tier|week's|year's|cousin"
    r"|hour|hours|hr|night|nights|of\s+(?!(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)))\b",
    re.IGNORECASE,
)
_HOLIDAY = re.compile(
    r"\b(?:christmas(?:\s+eve)?|thanksgiving|new\s+year'?s(?:\s+(?:eve|day))?|easter"
    r"|independence\s+day|memorial\s+day|labor\s+day|halloween|hanukkah|passover|boxing\s+day"
    r"|canada\s+day|australia\s+day|anzac\s+day|victoria\s+day|remembrance\s+day"
    r"|veterans\s+day|good\s+friday|valentine'?s\s+day|mother'?s\s+day|father'?s\s+day"
    r"|diwali|deepavali|kwanzaa)\b",
    re.IGNORECASE,
)
# years: 1992, 1980s, '92, 74'
_YEAR_4 = re.compile(
    r"(?<![\d.:/\-])(?:19[0-9]\d|20[0-4]\d)(?:'?s)?(?![\d:/]|\.\d|\s*(?:hrs?|hours)\b)"
)
# a part of a year: "mid-2022", "early-2019", "late 1990s"
_PART_OF_YEAR = re.compile(r"\b(?i:mid|early|late)[\- ]((?:19[0-9]\d|20[0-4]\d)(?:'?s)?)\b")
_YEAR_APOS = re.compile(r"(?<![\w'])'\d\d\b")
# a bare two-digit year after an event of the past history: "CABG 81", "MI 92", "redo in 84"
_EVENT = (
    r"(?:mi|ami|nstemi|stemi|imi|cabg|cabgx\d|ptca|pci|stent(?:ed|s)?|cva|tia|avr|mvr|dvt|pe|chole"
    r"|redo|repair|surgery|ablation|cardioversion|appy|appendectomy|chole|cholecystectomy|tah"
    r"|hysterectomy|mastectomy|lumpectomy|nephrectomy|colectomy|craniotomy|turp|thr|tkr|orif"
    r"|ppm|pacer|pacemaker|aicd|icd|dx'?d|diagnosed)"
)
_EVENT_YEAR = re.compile(
    rf"\b{_EVENT}\s+(?:in\s+)?(\d\d'?)(?=\s*[,;.)\n]|\s+(?:and|&|w/?|with|s/p|c/b)\b)",
    re.IGNORECASE,
)
_YEAR_CONTEXT = re.compile(
    r"(?:\b(?:in|since|year|yr|of|until|from|circa|ca\.?|back|by|early|late|mid|summer|winter"
    r"|spring|fall|dx|dx'd|diagnosed|s/p|h/o|hx|mi|cabg|cva|cancer|ca)\s*[-:]?\s*|[,;(]\s*"
    r"|\b(?:it\s+is|it's|year\s+is|year\s+was|the\s+year)\s+)$",
    re.IGNORECASE,
)
_CLOCK_CONTEXT = re.compile(
    r"(?:\bat|@|\bby|\bsince|\buntil|\bfrom|\bto|-|->|\bq|till|~)\s*$", re.IGNORECASE
)

# words around n/m that make it a ratio, fraction or setting rather than a date
_RATIO_BEFORE = re.compile(
    r"(?:\b(?:ps|psv|peep|cpap|ips|eps|bipap|simv|imv|cmv|vent|tv|fio2|ie|i:e|bp|sbp|abp|nbp"
    r"|map|pap|pas|pa|cvp|hr|rr|x|gcs|strength|strengths|murmur|sem|grade|pain|score|scale|rate"
    r"|ratio|edema|pulses?|ptt|inr|k|mg|na|ca|rales|stage|bs|ls|lungs|about|over|of|q|cc|ml"
    r"|mcg|units?|mm|cm|ci|co|co/ci|tol)|\bx|[*+~=<>#@])\s*:?\s*$",
    re.IGNORECASE,
)
_RATIO_AFTER = re.compile(
    r"^(?:\s*(?:murmur|sem|strength|str|ns|nss|normal|rale|edema|pulses?|pitting|ratio|of|strengths"
    r"|power|scale|score|mm|cm|mmhg|pain|units?|mg|ml|cc|tabs?|tablets?|amps?|liters?|l\b|bilat"
    r"|bilaterally|strong|weak|upper|lower|[+x%]|ps|peep|cpap|ips|fio2|ventilation|stregth|rest"
    r"|with exertion|systolic|diastolic|holosystolic|hrs?\b|hours?|pain|angina|incisional"
    r"|discomfort|ha\b|headache|[rlb]?[ul]e\b|[rlb][ul]es\b|extremit|lymph|nodes?|cores?"
    r"|involved)|\s*/|-\d|[a-z])",
    re.IGNORECASE,
)


# ventilator settings and pain scores near a number pair make it a setting or a score
_SETTING_NEAR = re.compile(
    r"\b(?:cpap|peep|psv?|ips|simv|imv|bipap|fio2|vent(?:ilator)?|pressure\s+support|a/?c\s+\d"
    r")\b",
    re.IGNORECASE,
)
# pain scores: n/10 near a word for pain
_PAIN_NEAR = re.compile(
    r"\b(?:pain|cp|angina|discomfort|headache|ha|scale|c/o|rates?|rated)\b", re.I
)
_DATE_CUE = re.compile(
    r"\b(?:on|in|since|from|until|till|of|by|post|s/p|admit(?:ted)?|d/?c'?d|dc'?d|last|next|dated?"
    r"|born|dob|mi|in\s+\w+|placed|started|extubated|intubated|cath(?:ed)?|surgery|transfer(?:red)?)"
    r"\s*:?\s*$",
    re.IGNORECASE,
)


# what happened on a day, right before a small m/d ("discharged 4/4", "planned for 2/4")
_EVENT_CUE = re.compile(
    r"\b(?:discharged|seen|done|performed|scheduled\s+for|planned\s+for|booked\s+for|due"
    r"|appt|appointment|echo|ct|mri|f/u|follow[\s\-]?up)\s*:?\s*$",
    re.IGNORECASE,
)


_STRENGTH = re.compile(r"(?<![\d/])[0-5][+-]?/5(?![\d/])")


def _is_setting_or_score(text: str, start: int, end: int) -> bool:
    """Whether the words around an ``n/m`` make it a ratio, a ventilator setting or a score."""
    before = text[max(0, start - 16) : start]
    after = text[end : end + 24]
    wide_before = text[max(0, start - 30) : start]
    if _RATIO_BEFORE.search(before) or _RATIO_AFTER.match(after):
        return True
    if _SETTING_NEAR.search(wide_before) or _SETTING_NEAR.match(after.lstrip(" ,")):
        return True
    if re.search(r"%\s*[,&]?\s*&?\s*$", before):  # "40%, 5/10": FiO2 then PS/PEEP
        return True
    if _STRENGTH.fullmatch(text[start:end]) and _STRENGTH.search(
        text[max(0, start - 25) : start] + " " + text[end : end + 25]
    ):
        return True  # "5/5 UE, 4/5 LE": muscle strengths come in lists
    if _after_score_name(before):
        return True  # "Apgar 8/9", "Berg 38/56": a score named after its author
    pain = _PAIN_NEAR.search(wide_before) or _PAIN_NEAR.match(after.lstrip(" ,"))
    return text[start:end].endswith("/10") and bool(pain)


_WORD_BEFORE = re.compile(r"([A-Za-z]+)(?:'?s)?[ \t]*:?[ \t]*$")


def _after_score_name(before: str) -> bool:
    """The word before is a clinical eponym that is no common name and no ordinary word
    (Apgar, Beighton, Tinetti; not "step down 6/30")."""
    m = _WORD_BEFORE.search(before)
    if m is None:
        return False
    lex = load_lexicon()
    key = m.group(1).lower()
    return key in lex.proper_terms and key not in lex.english and not lex.common_name(key)


def _plausible_month_day(text: str, start: int, end: int) -> float:
    """Confidence that a bare ``m/d`` at text[start:end] is a date (0 = it is a ratio)."""
    if _is_setting_or_score(text, start, end):
        return 0.0
    before = text[max(0, start - 16) : start]
    month_text, day_text = text[start:end].split("/")
    month, day = int(month_text), int(day_text)
    # "LAD (3/4) with DES": a small m/d alone in brackets after a word dates what it follows
    bracketed = (
        re.search(r"[A-Za-z][ \t]*\($", before) is not None
        and text[end : end + 1] == ")"
        and not (month == 1 and day <= 4)  # "(1/2)", "(1/4)": a half, a quarter
    )
    cue = bool(_DATE_CUE.search(before) or _EVENT_CUE.search(before)) or bracketed
    if day_text.startswith("0"):  # 3/02: fractions are never zero-padded
        score = 0.8
    elif month == day and month <= 5:  # 1/1 ... 5/5: strengths, grades, "2/2" more often
        score = 0.6 if cue and not before.rstrip().lower().endswith("on") else 0.35
    elif month < day <= 4:  # 1/2, 1/3, 2/3, 3/4: fractions ("crackles 1/2 up", "D5 1/2")
        score = 0.55 if cue else 0.35
    elif month <= 4 and day <= 6:  # 3/1, 2/6: murmur grades, ratios — or early-month dates
        score = 0.7 if cue else 0.5
    else:
        score = 0.8
    return score


def _counted_after(text: str, end: int) -> bool:
    """A counted noun follows ("4th-5th ICS"); a label does not ("24th-25th  TIME: 14:32")."""
    counted = _COUNTED.match(text, end)
    return counted is not None and not text.startswith(":", counted.end())


def _slashed_months_and_ranges(text: str) -> list[PhiSpan]:
    """``May/24``, ``20-21/9/2025``, ``25th-26th`` (round 8)."""

    def span(m: re.Match[str], score: float, source: str) -> PhiSpan:
        return PhiSpan(start=m.start(), end=m.end(), type=PhiType.DATE, score=score, source=source)

    spans = [span(m, 0.8, "date.month_year") for m in _MONTH_SLASH_YEAR.finditer(text)]
    spans += [span(m, 0.85, "date.range") for m in _DAYS_MONTH_YEAR.finditer(text)]
    spans += [
        span(m, 0.7, "date.ordinal_range")
        for m in _ORDINAL_RANGE.finditer(text)
        if not _counted_after(text, m.end())
    ]
    return spans


def find_dates(text: str) -> list[PhiSpan]:
    """Every date-like span of ``text``; year-only mentions have type :attr:`PhiType.YEAR`."""
    spans: list[PhiSpan] = []

    def add(start: int, end: int, kind: PhiType, score: float, source: str) -> None:
        spans.append(PhiSpan(start=start, end=end, type=kind, score=score, source=source))

    for m in _NUMERIC_FULL.finditer(text):
        add(m.start(), m.end(), PhiType.DATE, 0.95, "date.numeric")
    for m in _SPELLED.finditer(text):
        word = m.group(0).split()[0].lower().rstrip(".,")
        score = 0.9
        if word in ("may", "mar", "dec") and not re.search(r"\d", m.group(0)[len(word) :]):
            score = 0.4
        add(m.start(), m.end(), PhiType.DATE, score, "date.spelled")
    for m in _MONTH_DAY.finditer(text):
        score = _plausible_month_day(text, m.start(), m.end())
        if score:
            add(m.start(), m.end(), PhiType.DATE, score, "date.month_day")
    spans += _day_months(text)
    for m in _MONTH_DAY_HYPHEN.finditer(text):
        add(m.start(), m.end(), PhiType.DATE, 0.7, "date.month_day")
    for m in _MONTH_YEAR.finditer(text):
        if not _RATIO_BEFORE.search(text[max(0, m.start() - 16) : m.start()]) and not (
            _RATIO_AFTER.match(text[m.end() : m.end() + 24])
            or _SETTING_NEAR.search(text[max(0, m.start() - 30) : m.start()])
        ):
            add(m.start(), m.end(), PhiType.DATE, 0.7, "date.month_year")
    fixed = (
        (_MONTH_ALONE, 0, 0.75, "date.month"),
        (_MONTH_ABBREVIATION_CUED, 1, 0.75, "date.month"),
        (_HOLIDAY, 0, 0.8, "date.holiday"),
        (_MAY_CUED, 1, 0.7, "date.month"),
        (_COMPACT, 0, 0.9, "date.compact"),
        (_ORDINAL_DAY, 1, 0.6, "date.ordinal"),
        (_DAY_RANGE, 1, 0.8, "date.day_range"),
    )
    spans += _numeric_ranges(text)
    spans += _days_of_month(text)
    spans += _slashed_months_and_ranges(text)
    for pattern, group, fixed_score, source in fixed:
        for m in pattern.finditer(text):
            add(m.start(group), m.end(group), PhiType.DATE, fixed_score, source)
    spans.extend(_find_years(text))
    return spans


def _days_of_month(text: str) -> list[PhiSpan]:
    """``Sunday 15th``, ``sun 2/2``; ``the 13th`` unless a counted noun follows it."""
    spans = [
        PhiSpan(
            start=m.start(), end=m.end(), type=PhiType.DATE, score=0.85, source="date.weekday_day"
        )
        for m in _WEEKDAY_DAY.finditer(text)
    ]
    for m in _THE_ORDINAL.finditer(text):
        if not _COUNTED.match(text, m.end()):
            spans.append(
                PhiSpan(
                    start=m.start(1),
                    end=m.end(1),
                    type=PhiType.DATE,
                    score=0.6,
                    source="date.ordinal",
                )
            )
    return spans


def _day_months(text: str) -> list[PhiSpan]:
    """``26/9``: day first, no year, unless a setting, a score or a mixed number."""
    spans = []
    for m in _DAY_MONTH.finditer(text):
        if _is_setting_or_score(text, m.start(), m.end()):
            continue
        # "21/2" may be 2 1/2 (a tube "secured at 21/2"), "13/4" 1 3/4: a mixed number needs
        # a proper fraction at its end, so only those need a word that introduces a date
        # ("28/2", "30/4" and "13/2" are no mixed numbers)
        cued = _DATE_CUE.search(text[max(0, m.start() - 16) : m.start()])
        if _mixed_number(m.group(0)) and not cued:
            continue
        spans.append(
            PhiSpan(
                start=m.start(), end=m.end(), type=PhiType.DATE, score=0.7, source="date.day_month"
            )
        )
    return spans


def _mixed_number(value: str) -> bool:
    """``21/2`` (2 1/2), ``13/4`` (1 3/4), ``35/8`` (3 5/8): the last digit before the slash
    over a denominator of 2, 4 or 8 is a proper fraction in lowest terms."""
    numerator, denominator = value.split("/")
    last, under = int(numerator[-1]), int(denominator.lstrip("0") or "0")
    return under in (2, 4, 8) and 0 < last < under and last % 2 == 1


def _numeric_ranges(text: str) -> list[PhiSpan]:
    """``3/11-3/14``, ``4/10 thru 4/14``; not a fraction or a setting ("1/3-1/2", "PS 10/5-8")."""
    spans = []
    for m in _NUMERIC_RANGE.finditer(text):
        fractions = re.findall(r"(\d+)/(\d+)", m.group(0))
        if all(int(a) < int(b) <= 4 for a, b in fractions):
            continue
        if not _is_setting_or_score(text, m.start(), m.end()):
            spans.append(
                PhiSpan(
                    start=m.start(), end=m.end(), type=PhiType.DATE, score=0.85, source="date.range"
                )
            )
    return spans


def _find_years(text: str) -> list[PhiSpan]:
    spans: list[PhiSpan] = []
    for m in _YEAR_4.finditer(text):
        digits = m.group(0)[:4]
        minutes = int(digits[2:])
        is_clock = minutes < 60 and int(digits[:2]) < 24
        before = text[max(0, m.start() - 20) : m.start()]
        clock_context = _CLOCK_CONTEXT.search(before) or not _YEAR_CONTEXT.search(before)
        if is_clock and clock_context and not m.group(0).endswith("s"):
            continue
        spans.append(
            PhiSpan(start=m.start(), end=m.end(), type=PhiType.YEAR, score=0.85, source="year.4")
        )
    for m in _PART_OF_YEAR.finditer(text):
        spans.append(
            PhiSpan(
                start=m.start(1), end=m.end(1), type=PhiType.YEAR, score=0.85, source="year.part"
            )
        )
    for m in _YEAR_APOS.finditer(text):
        spans.append(
            PhiSpan(
                start=m.start(), end=m.end(), type=PhiType.YEAR, score=0.8, source="year.apostrophe"
            )
        )
    for m in _EVENT_YEAR.finditer(text):
        spans.append(
            PhiSpan(
                start=m.start(1), end=m.end(1), type=PhiType.YEAR, score=0.6, source="year.event"
            )
        )
    return spans
