"""Status and encounter-reason forms (data/status_codes.tsv, status_rewrites.tsv): each case is a
form a note takes — an ostomy cared for, a device in place, a machine depended on — and the
look-alikes that must not code (negated, planned, reversed, temporary, a relative's). Pure."""

from __future__ import annotations

import pytest

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.rewrites import rewritten
from services.analyzer.coding.status_codes import alzheimer_dementia, status_codes
from shared.events.coding import CareSetting


def found(text: str) -> set[str]:
    return {s.code for s in status_codes([text])}


def codes(text: str) -> set[str]:
    notes = [NoteText("N1", text)]
    return {s.code for s in code_encounter(notes, CareSetting.OUTPATIENT).suggestions}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Visit for colostomy care and pouch teaching.", "Z43.3"),
        ("New transverse colostomy -- ostomy care reviewed with wife.", "Z43.3"),
        ("Attention to her ileostomy: skin barrier refitted.", "Z43.2"),
        ("PMH: sigmoid colectomy with end colostomy 2019.", "Z93.3"),
        ("Has an ileostomy since 2015.", "Z93.2"),
        ("Fed via PEG tube, site clean.", "Z93.1"),
        ("G-tube in place, feeds at 50 mL/h.", "Z93.1"),
        ("Trach 6.0 cuffed, stoma clean.", "Z93.0"),
        ("Right nephrostomy tube draining clear urine.", "Z93.6"),
        ("Suprapubic catheter draining well.", "Z93.50"),
    ],
)
def test_an_artificial_opening_cared_for_or_present(text: str, code: str) -> None:
    assert code in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Colostomy reversal planned in 3 months.",
        "Candidate for colostomy if the anastomosis fails.",
        "No colostomy needed.",
        "Mother had a colostomy.",
        "Takes PEG 3350 17 g daily for constipation.",
        "PEG placement planned next week.",
    ],
)
def test_an_opening_planned_reversed_or_not_the_patients_codes_nothing(text: str) -> None:
    assert not found(text) & {"Z43.3", "Z93.3", "Z93.1"}


def test_attention_to_an_opening_is_coded_instead_of_its_status() -> None:
    assert found("Colostomy care: pouch changed. Colostomy since 2020.") & {"Z43.3", "Z93.3"} == {
        "Z43.3"
    }


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Visit purpose: scheduled indwelling urethral (Foley) catheter change.", "Z46.6"),
        ("Foley catheter exchange performed, 16 Fr.", "Z46.6"),
        ("Dual-chamber pacemaker, interrogated today, normal function.", "Z95.0"),
        ("ICD in situ, no shocks.", "Z95.810"),
        ("S/P CABG x3 (2018).", "Z95.1"),
        ("Mechanical aortic valve on warfarin.", "Z95.2"),
        ("CAD s/p drug-eluting stent to LAD 2019.", "Z95.5"),
        ("COPD on home O2 2 L continuous.", "Z99.81"),
        ("ESRD on hemodialysis MWF.", "Z99.2"),
        ("Trach/vent dependent since 2025.", "Z99.11"),
        ("Wheelchair-dependent for all mobility.", "Z99.3"),
    ],
)
def test_a_device_or_dependence_the_note_states(text: str, code: str) -> None:
    assert code in found(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("No pacemaker or ICD.", "Z95.0"),
        ("Temporary transvenous pacemaker placed in the cath lab.", "Z95.0"),
        ("Referred for CABG evaluation; candidate for CABG.", "Z95.1"),
        ("Oxygen 2L in ED, weaned to room air.", "Z99.81"),
        ("Intubated and placed on mechanical ventilation.", "Z99.11"),
        ("Gastric bypass 2015.", "Z95.1"),
        ("Next catheter change in 4 weeks.", "Z46.6"),
        ("Discussed dialysis; patient declined dialysis.", "Z99.2"),
        ("Father has a pacemaker.", "Z95.0"),
        ("Scheduled for CABG on Monday.", "Z95.1"),
        ("Awaiting TAVR; pre-op for prosthetic valve placement.", "Z95.2"),
    ],
)
def test_a_device_or_dependence_look_alike_codes_nothing(text: str, code: str) -> None:
    assert code not in found(text)


def test_follow_up_after_completed_cancer_treatment() -> None:
    note = "Melanoma surveillance. Hx melanoma excised 2019, no recurrence."
    history = ["Z85.820"]  # the personal history code the note's "Hx melanoma" gives
    assert "Z08" in {s.code for s in status_codes([note], history)}
    assert "Z08" not in {s.code for s in status_codes(["Melanoma surveillance."], history)}
    assert "Z08" not in {s.code for s in status_codes([note], ["C43.59"])}  # still current
    assert "Z08" not in found(note)  # no cancer coded as history: a follow-up of nothing


def test_alzheimer_dementia_is_g30_with_its_f02_parallel() -> None:
    note = "Known Alzheimer's dementia, late onset, with agitation in the evenings."
    assert found(note) == {"G30.1"}
    assert codes(note) >= {"G30.1", "F02.811"}
    assert not codes(note) & {"F03.90", "G30.9"}
    assert alzheimer_dementia(["F03.90"], [""], "") == ("F02.80", ("F03.90",))
    assert alzheimer_dementia(["F03.A0"], [""], "") == ("F02.A0", ("F03.A0",))
    assert alzheimer_dementia([], ["Alzheimer's disease, early"], "") is None
    assert "G30.9" not in found("Family history: mother with Alzheimer's disease.")


@pytest.mark.parametrize(
    ("code", "sentence", "new"),
    [
        ("G62.9", "Oxaliplatin-induced peripheral polyneuropathy, grade 2.", "G62.0"),
        ("G62.9", "Polyneuropathy due to chemotherapy.", "G62.0"),
        ("G62.9", "Peripheral polyneuropathy of unclear cause.", "G62.9"),
        ("F17.210", "Nicotine dependence (vaping).", "F17.290"),
        ("F17.210", "Nicotine dependence, e-cigarettes, daily.", "F17.290"),
        ("F17.210", "Smokes 1 ppd and vapes; nicotine dependence.", "F17.210"),
        ("F17.210", "Nicotine dependence, cigarettes, 20 pack-years.", "F17.210"),
    ],
)
def test_drug_induced_polyneuropathy_and_vaping_dependence(
    code: str, sentence: str, new: str
) -> None:
    assert rewritten(code, sentence) == new
