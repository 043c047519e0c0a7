"""Policies (tag, surrogate, shift), consistency within a report, and failing closed."""

from __future__ import annotations

import re
from datetime import date

import pytest

from services.ingestor.phi import deidentify as deidentify_module
from services.ingestor.phi.deidentify import PhiDeidentifier, deidentify_note
from services.ingestor.phi.policy import DeidPolicy, ReplacementMode
from services.ingestor.phi.port import DeidentificationError, NoteDeidentifier
from services.ingestor.phi.settings import PhiSettings
from shared.intake.known_phi import KnownPhi, PersonName

NOTE = (
    "Mrs. Abernathy admitted 3/14/2021 from Brookfield Hospital. Dr. Okonkwo aware. "
    "Daughter Priya Abernathy called 617-555-0142 on 3/16/2021. MI in 1998. CHF, MS, DOB noted."
)
KNOWN = KnownPhi(
    subject_key="patient-1",
    names=(PersonName(given=("Helen",), family="Abernathy"),),
)


def test_tag_policy_replaces_each_finding_with_its_type() -> None:
    out = deidentify_note(NOTE, KNOWN, DeidPolicy(mode=ReplacementMode.TAG)).text
    assert "Abernathy" not in out
    assert "Okonkwo" not in out
    assert "Priya" not in out
    assert "[NAME]" in out
    assert "[DATE]" in out
    assert "[PHONE]" in out
    assert "[LOCATION]" in out
    assert "1998" in out  # a year alone may stay by default (Safe Harbor)
    assert "CHF, MS, DOB noted." in out


def test_years_can_be_masked_by_policy() -> None:
    out = deidentify_note(NOTE, KNOWN, DeidPolicy(keep_years=False)).text
    assert "1998" not in out
    assert "[YEAR]" in out


def test_tags_keep_sentence_boundaries() -> None:
    """The analyzer splits sentences on . ! ? and newlines: tags must neither add nor remove one."""
    text = "Came from Union Hosp. Seen by Dr. Okonkwo. Daughter Priya visited! Back on 7/22."
    out = deidentify_note(text).text
    assert [c for c in out if c in ".!?\n"] == [c for c in text if c in ".!?\n"]
    assert re.fullmatch(r"[\w\[\]. !/]+", out)


def test_surrogates_are_consistent_within_a_report_and_hide_the_original() -> None:
    policy = DeidPolicy(mode=ReplacementMode.SURROGATE, date_shift_secret="s")
    notes = [
        "Dr. Okonkwo saw the patient. Okonkwo's plan: diurese.",
        "DR OKONKWO AWARE OF K 3.1.",
    ]
    result = PhiDeidentifier(policy).deidentify_notes(notes, KNOWN)
    first = re.search(r"Dr\. (\w+) saw", result.texts[0])
    assert first is not None
    surrogate = first.group(1)
    assert surrogate != "Okonkwo"
    assert f"{surrogate}'s plan" in result.texts[0]
    assert f"DR {surrogate.upper()} AWARE" in result.texts[1]
    assert all("okonkwo" not in t.lower() for t in result.texts)


def test_surrogates_never_reuse_a_real_name_of_the_report() -> None:
    known = KnownPhi(names=tuple(PersonName(given=(g,), family="Smith") for g in ("James", "Mary")))
    out = deidentify_note(
        "Mary Smith and James Smith visited.", known, DeidPolicy(mode="surrogate")
    ).text
    assert not re.search(r"\b(Mary|James|Smith)\b", out)


def _dates(text: str) -> list[date]:
    return [
        date(int(y), int(m), int(d)) for m, d, y in re.findall(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    ]


def test_date_shift_preserves_intervals_and_format() -> None:
    policy = DeidPolicy(mode=ReplacementMode.SHIFT, date_shift_secret="deployment-secret")
    result = PhiDeidentifier(policy).deidentify_notes([NOTE, "Discharged 3/20/2021."], KNOWN)
    admitted, called = _dates(result.texts[0])
    (discharged,) = _dates(result.texts[1])
    assert (called - admitted).days == 2
    assert (discharged - admitted).days == 6
    assert admitted != date(2021, 3, 14)
    assert "[NAME]" in result.texts[0]  # shift tags everything that is not a date


def test_date_shift_is_stable_per_patient_and_differs_between_patients() -> None:
    policy = DeidPolicy(mode=ReplacementMode.SHIFT, date_shift_secret="deployment-secret")
    deid = PhiDeidentifier(policy)
    once = deid.deidentify_notes(["Seen 3/14/2021."], KNOWN).texts[0]
    again = deid.deidentify_notes(["Seen 3/14/2021."], KNOWN).texts[0]
    assert once == again
    others = {
        deid.deidentify_notes(["Seen 3/14/2021."], KnownPhi(subject_key=f"p{i}")).texts[0]
        for i in range(5)
    }
    assert len(others) > 1


def test_record_dates_follow_the_policy() -> None:
    shift = PhiDeidentifier(DeidPolicy(mode="shift", date_shift_secret="k")).deidentify_notes(
        [NOTE], KNOWN
    )
    in_note = _dates(shift.texts[0])[0]
    moved = shift.transform_date("2021-03-14")
    assert moved == in_note.isoformat()
    assert shift.transform_date(
        "2021-03-14T08:30:00Z",
    ).endswith("T08:30:00Z")  # type: ignore[union-attr]
    tag = PhiDeidentifier(DeidPolicy(mode="tag")).deidentify_notes([NOTE], KNOWN)
    assert tag.transform_date("2021-03-14") is None


def test_spans_by_type_counts_without_values() -> None:
    result = PhiDeidentifier().deidentify_notes([NOTE], KNOWN)
    assert result.spans_by_type["NAME"] >= 3
    assert result.policy == "tag"
    assert result.method
    assert all(isinstance(v, int) for v in result.spans_by_type.values())


def test_the_class_implements_the_ingestor_port() -> None:
    deidentifier: NoteDeidentifier = PhiDeidentifier()
    assert deidentifier.deidentify_notes([], KnownPhi()).texts == ()


def test_a_failure_fails_closed_without_phi_in_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise ValueError("could not handle Abernathy 617-555-0142")

    monkeypatch.setattr(deidentify_module, "detect_phi", broken)
    with pytest.raises(DeidentificationError) as caught:
        PhiDeidentifier().deidentify_notes(["fine", NOTE], KNOWN)
    message = str(caught.value)
    assert "note 1 of 2" in message
    assert "ValueError" in message
    assert "Abernathy" not in message
    assert "555" not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_a_note_over_its_time_budget_fails_closed() -> None:
    long_note = NOTE * 400
    with pytest.raises(DeidentificationError, match="time budget"):
        PhiDeidentifier(DeidPolicy(note_time_budget_s=0.001)).deidentify_notes([long_note], KNOWN)


def test_settings_build_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINRELAY_PHI_POLICY", "shift")
    monkeypatch.setenv("CLINRELAY_PHI_DATE_SHIFT_SECRET", "hunter2-secret")
    monkeypatch.setenv("CLINRELAY_PHI_KEEP_YEARS", "false")
    policy = PhiSettings().deid_policy()
    assert policy.mode is ReplacementMode.SHIFT
    assert not policy.keep_years
    assert policy.date_shift_secret is not None
    assert policy.date_shift_secret.get_secret_value() == "hunter2-secret"
    assert "hunter2" not in repr(policy)
