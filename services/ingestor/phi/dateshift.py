"""Shifting dates by a per-patient offset, in the format the note wrote them."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date, datetime, timedelta

from services.ingestor.phi.dates import MONTHS

_NUMERIC = re.compile(r"^(\d{1,4})([-/.])(\d{1,2})(?:([-/.])(\d{2,4}))?$")
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
_SPELLED_MD = re.compile(
    r"^([A-Za-z]+)(\.?)(\s+|-)(\d{1,2})(st|nd|rd|th)?(?:(,?\s+|-)(\d{4}|'\d\d))?$", re.IGNORECASE
)
_SPELLED_DM = re.compile(
    r"^(\d{1,2})(st|nd|rd|th)?(\s+|-)(?:of\s+)?([A-Za-z]+)(\.?)(?:(,?\s+|-)(\d{4}|'?\d\d))?$",
    re.IGNORECASE,
)
_SPELLED_MY = re.compile(r"^([A-Za-z]+)(\.?)(,?\s+(?:of\s+)?)(\d{4})$", re.IGNORECASE)
_REFERENCE_YEAR = 2001  # a non-leap year for month/day dates that state no year


def offset_days(subject_key: str | None, secret: str | None, max_days: int) -> int:
    """The patient's shift in days, in ``-max_days..-1`` (always into the past).

    With a secret and a subject key it is HMAC-SHA256(secret, subject_key): stable for the
    patient within the deployment and unguessable without the secret. Otherwise it is random.
    """
    if secret and subject_key:
        digest = hmac.new(secret.encode(), f"date-shift:{subject_key}".encode(), hashlib.sha256)
        value = int.from_bytes(digest.digest()[:8], "big")
    else:
        value = secrets.randbits(64)
    return -(1 + value % max_days)


def _full_year(text: str) -> int:
    digits = int(text.lstrip("'"))
    if len(text.lstrip("'")) == 4:
        return digits
    return 2000 + digits if digits <= (date.today().year % 100) else 1900 + digits


def _two_or_four(year: int, template: str) -> str:
    if len(template.lstrip("'")) == 4:
        return f"{year:04d}"
    return ("'" if template.startswith("'") else "") + f"{year % 100:02d}"


def _pad(value: int, template: str) -> str:
    return f"{value:0{len(template)}d}" if template.startswith("0") else str(value)


def _month_name(month: int, template: str) -> str:
    name = _MONTH_NAMES[month - 1]
    if len(template) <= 4 and template.lower() not in ("june", "july"):
        name = "Sept" if month == 9 and template.lower() == "sept" else name[:3]
    if template.isupper():
        return name.upper()
    if template.islower():
        return name.lower()
    return name


def _shift(day: date, days: int) -> date:
    return day + timedelta(days=days)


def _shift_numeric(m: re.Match[str], days: int) -> str | None:
    a, sep1, b, sep2, c = m.groups()
    if len(a) == 4:  # ISO order
        shifted = _shift(date(int(a), int(b), int(c)), days)
        return f"{shifted.year:04d}{sep1}{_pad(shifted.month, b)}{sep2}{_pad(shifted.day, c)}"
    if c is None:
        if int(b) > 31 or sep1 != "/":
            return None
        shifted = _shift(date(_REFERENCE_YEAR, int(a), int(b)), days)
        return f"{_pad(shifted.month, a)}{sep1}{_pad(shifted.day, b)}"
    shifted = _shift(date(_full_year(c), int(a), int(b)), days)
    return (
        f"{_pad(shifted.month, a)}{sep1}{_pad(shifted.day, b)}{sep2}{_two_or_four(shifted.year, c)}"
    )


def _shift_month_year(month: int, year: int, days: int) -> tuple[int, int]:
    shifted = _shift(date(year, month, 15), days)
    return shifted.month, shifted.year


def shift_date_text(text: str, days: int) -> str | None:
    """``text`` (a date as written in a note) moved by ``days``, in the same format.

    Returns None when the text is not a complete enough date to shift (a month name alone,
    "the 11th", 2/30): the caller then tags it instead.
    """
    value = text.strip()
    for shifter in (
        _shift_numeric_text,
        _shift_month_day,
        _shift_day_month,
        _shift_spelled_month_year,
    ):
        try:
            shifted = shifter(value, days)
        except ValueError:  # 2/30, 13/45: not a real date after all
            return None
        if shifted is not None:
            return shifted
    return None


def _shift_numeric_text(value: str, days: int) -> str | None:
    m = _NUMERIC.match(value)
    if not m:
        return None
    a, sep, b, _, c = m.groups()
    if c is None and len(b) in (2, 4) and int(b) > 31:  # 8/88, 06/2019: month/year
        month, year = _shift_month_year(int(a), _full_year(b), days)
        return f"{_pad(month, a)}{sep}{_two_or_four(year, b)}"
    return _shift_numeric(m, days)


def _suffix(day: int, template: str | None) -> str:
    return _ordinal(day, template) if template else ""


def _year_part(sep: str | None, year: int, template: str | None) -> str:
    return f"{sep}{_two_or_four(year, template)}" if template else ""


def _shift_month_day(value: str, days: int) -> str | None:
    m = _SPELLED_MD.match(value)
    if not m or m.group(1).lower() not in MONTHS:
        return None
    word, dot, space, day_text, suffix, sep, year_text = m.groups()
    year = _full_year(year_text) if year_text else _REFERENCE_YEAR
    moved = _shift(date(year, MONTHS[word.lower()], int(day_text)), days)
    month = _month_name(moved.month, word)
    return f"{month}{dot}{space}{moved.day}{_suffix(moved.day, suffix)}" + _year_part(
        sep, moved.year, year_text
    )


def _shift_day_month(value: str, days: int) -> str | None:
    m = _SPELLED_DM.match(value)
    if not m or m.group(4).lower() not in MONTHS:
        return None
    day_text, suffix, space, word, dot, sep, year_text = m.groups()
    year = _full_year(year_text) if year_text else _REFERENCE_YEAR
    moved = _shift(date(year, MONTHS[word.lower()], int(day_text)), days)
    month = _month_name(moved.month, word)
    return f"{moved.day}{_suffix(moved.day, suffix)}{space}{month}{dot}" + _year_part(
        sep, moved.year, year_text
    )


def _shift_spelled_month_year(value: str, days: int) -> str | None:
    m = _SPELLED_MY.match(value)
    if not m or m.group(1).lower() not in MONTHS:
        return None
    word, dot, space, year_text = m.groups()
    month, year = _shift_month_year(MONTHS[word.lower()], int(year_text), days)
    return f"{_month_name(month, word)}{dot}{space}{year:04d}"


def _ordinal(day: int, template: str) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return suffix.upper() if template.isupper() else suffix


def shift_year_text(text: str, days: int) -> str:
    """A year on its own, moved with the offset applied to its 1 July."""
    digits = re.sub(r"\D", "", text)
    year = _full_year(digits if len(digits) == 4 else "'" + digits[-2:])
    shifted = _shift(date(year, 7, 1), days).year
    out = _two_or_four(shifted, digits if len(digits) == 4 else "'" + digits)
    return text.replace(digits, out.lstrip("'"), 1)


def shift_iso(value: str, days: int) -> str | None:
    """An ISO date or date-time from the record (``2019-03-04``, ``2019-03-04T10:00:00Z``),
    shifted; None if it cannot be parsed (a bare year or year-month is reduced to the year)."""
    try:
        if len(value) == 4 and value.isdigit():
            return value
        if len(value) == 7:
            return value[:4]
        if len(value) == 10:
            return _shift(date.fromisoformat(value), days).isoformat()
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        shifted = moment + timedelta(days=days)
        text = shifted.isoformat()
        return text.replace("+00:00", "Z") if value.endswith("Z") else text
    except ValueError:
        return None
