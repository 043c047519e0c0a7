"""Detection of every Safe Harbor identifier kind, on hand-written synthetic notes."""

from __future__ import annotations

import itertools

import pytest

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.known import KnownPhi, PersonName, PostalAddress
from services.ingestor.phi.spans import PhiType


def found(text: str, known: KnownPhi | None = None) -> dict[str, PhiType]:
    """Detected surface strings -> type."""
    return {text[s.start : s.end]: s.type for s in detect_phi(text, known)}


def assert_masked(text: str, *values: str, known: KnownPhi | None = None) -> None:
    spans = detect_phi(text, known)
    for value in values:
        start = text.index(value)
        end = start + len(value)
        assert any(s.start <= start and s.end >= end for s in spans), (value, found(text, known))


def assert_kept(text: str, *values: str) -> None:
    spans = detect_phi(text)
    for value in values:
        start = text.index(value)
        end = start + len(value)
        assert not any(s.start < end and start < s.end for s in spans), (value, found(text))


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Seen by Dr. Okonkwo this morning.", "Okonkwo", PhiType.NAME),
        ("SPOKE WITH DR PENNYWORTH ABOUT PLAN.", "PENNYWORTH", PhiType.NAME),
        ("Pt's wife Margaret at bedside.", "Margaret", PhiType.NAME),
        ("Mrs. Abernathy ate breakfast.", "Abernathy", PhiType.NAME),
        ("Note written by Rosalind Whitcombe, RN", "Rosalind Whitcombe", PhiType.NAME),
        ("Reported to K. Abernethy at 0300.", "K. Abernethy", PhiType.NAME),
        ("Admitted 7/22 from home.", "7/22", PhiType.DATE),
        ("Admitted on 2019-03-04.", "2019-03-04", PhiType.DATE),
        ("Seen 03/04/2019 in clinic.", "03/04/2019", PhiType.DATE),
        ("Surgery on July 1st, 2019 went well.", "July 1st, 2019", PhiType.DATE),
        ("Planned for 21 Apr.", "21 Apr", PhiType.DATE),
        ("She is a 93 yo woman.", "93", PhiType.AGE),
        ("Lives at 42 Wallaby Way, Apt 3 with son.", "42 Wallaby Way, Apt 3", PhiType.ADDRESS),
        ("Home in Springfield, IL 62704 since May.", "62704", PhiType.ZIP),
        ("Call daughter at (617) 555-0199 tonight.", "(617) 555-0199", PhiType.PHONE),
        ("Fax: 617-555-0123 for records.", "617-555-0123", PhiType.FAX),
        ("Email jdoe@example.com with results.", "jdoe@example.com", PhiType.EMAIL),
        (
            "Portal https://portal.example.org/u/123 used.",
            "https://portal.example.org/u/123",
            PhiType.URL,
        ),
        ("Device at 10.12.0.7 alarmed.", "10.12.0.7", PhiType.IP),
        ("SSN 536-22-8741 on file.", "536-22-8741", PhiType.SSN),
        ("MRN: 00482913 verified.", "00482913", PhiType.MRN),
        ("Policy number: XK-99231 active.", "XK-99231", PhiType.ID),
        (
            "Transferred from Brookfield Hospital overnight.",
            "Brookfield Hospital",
            PhiType.LOCATION,
        ),
        ("Moved to Fairweather 3 this afternoon.", "Fairweather", PhiType.LOCATION),
        ("Husband lives in Gaithersburg now.", "Gaithersburg", PhiType.LOCATION),
    ],
)
def test_each_identifier_kind_is_found_with_its_type(text: str, value: str, kind: PhiType) -> None:
    spans = detect_phi(text)
    start = text.index(value)
    covering = [s for s in spans if s.start <= start and s.end >= start + len(value)]
    assert covering, (value, found(text))
    assert covering[0].type is kind
    assert 0.0 < covering[0].score <= 1.0


def test_all_caps_shorthand_and_initials() -> None:
    text = "KEN B. HALLORAN-MEYERS, RRT\nDR'S BALDWIN AND ESPOSITO AT BEDSIDE."
    assert_masked(text, "KEN", "B", "HALLORAN-MEYERS", "BALDWIN", "ESPOSITO")


def test_relatives_in_a_list() -> None:
    assert_masked("Sons Declan, Morris and Roger visited today.", "Declan", "Morris", "Roger")


def test_years_are_found_as_their_own_kind() -> None:
    kinds = found("PMH: MI 1992, CABG '95.")
    assert kinds["1992"] is PhiType.YEAR
    assert kinds["'95"] is PhiType.YEAR


def test_clock_times_are_not_years() -> None:
    assert_kept("Arrived at 1930, vitals stable; next check @ 2000.", "1930", "2000")


@pytest.mark.parametrize(
    "text",
    [
        "Hx CHF, COPD, MS. DOB unknown to pt; will ask family.",
        "GI: Foley draining clear urine. ABG 7.38/42/88. O2 2L NC. Ambulated x1.",
        "Received Lasix 40 mg IV, heparin gtt, Coumadin held. Hoyer lift to chair.",
        "Motor strength 5/5 bilaterally, 2/6 murmur, PS 10/5 on CPAP, pain 3/10.",
        "Afib with RVR, s/p CABG, on Levophed; LLL pneumonia, ESRD on HD.",
        "Patient is alert and oriented; plan to wean sedation as tolerated.",
    ],
)
def test_clinical_meaning_is_not_masked(text: str) -> None:
    assert detect_phi(text) == [], found(text)


def test_known_phi_variants_are_found() -> None:
    known = KnownPhi(
        names=(PersonName(given=("Sumiko254",), family="Quigley897"),),
        identifiers=("MRN-7781234",),
        phones=("+1 (555) 010-4477",),
        addresses=(
            PostalAddress(lines=("17 Larkspur Close",), city="Pemberton", postal_code="08068"),
        ),
        birth_date="1950-02-03",
    )
    text = (
        "Sumiko254 Quigley897 seen. QUIGLEY's daughter phoned from 555-010-4477. "
        "Quigley, Sumiko reviewed. S. Quigley signed. ID MRN-7781234. "
        "Lives at 17 Larkspur Close, Pemberton 08068. Born 1950-02-03."
    )
    assert_masked(
        text,
        "Sumiko254",
        "Quigley897",
        "QUIGLEY's",
        "555-010-4477",
        "Quigley, Sumiko",
        "S. Quigley",
        "MRN-7781234",
        "17 Larkspur Close",
        "Pemberton",
        "08068",
        "1950-02-03",
        known=known,
    )


def test_spans_are_sorted_and_do_not_overlap() -> None:
    text = "Dr. Vasquez called 617-555-0100 on 3/4/2020 re: Vasquez's daughter Ana Vasquez."
    spans = detect_phi(text)
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start


def test_a_sentence_final_period_stays_outside_the_span() -> None:
    text = "Came from Union Hosp. Then stable."
    span = next(s for s in detect_phi(text) if s.type is PhiType.LOCATION)
    assert text[span.start : span.end] == "Union Hosp"


def test_local_and_pager_numbers_are_phones_but_round_ranges_are_not() -> None:
    assert found("Wife's cell 555-0143, pager #4-5567.") == {
        "555-0143": PhiType.PHONE,
        "4-5567": PhiType.PHONE,
    }
    assert_kept("Tidal volumes 900-1000 on PS.", "900-1000")
