"""Recall by the frame PHI stands in: sentences written for clinrelay, filled with surrogates.

    .venv/bin/python -m bench.phi.contexts [--per-frame 12] [--seed 5] [--misses /tmp/m.txt]
        [--jsonl /tmp/contexts.jsonl]

The variant generator (:mod:`bench.phi.variants`) rewrites the *surface* of every PHI mention
of a note and keeps its words around it, so rules written against it learn the contexts the
development notes happen to have. This module varies the *frame*: each sentence below is a way
notes name a town, a hospital, an organisation, a street, a residence, a record number, a
phone, a relative or an age over 89 ("Pt is from {CITY}.", "{CITY} resident", "Insurance:
{ORGANIZATION}", "Hosp no {MEDICALRECORD}") — written from general knowledge of how clinical
notes are written, not from any corpus's notes. Each frame is filled ``--per-frame`` times with
surrogates from :mod:`bench.phi.forms` (public-domain and generated values) inside a short note of
neutral sentences and marked traps (eponyms, drugs, vitals, scores, weekdays, "hope"), and the
note is typed in mixed case, all capitals or all lower case in turn.

Reported: recall per group and per frame (the form label is the frame's key and the case),
false positives outside the slots, traps masked. ``--jsonl`` writes the generated notes as
``clinrelay deid train`` input (i2b2 categories; the notes are clinrelay's own, Apache-2.0).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

from bench.phi import forms
from bench.phi.annotated import TRAP, AnnotatedNote, GoldSpan
from bench.phi.variant_eval import Tally, detect, score_note

Filler = Callable[[random.Random], str]


def _street(rng: random.Random) -> str:
    name = rng.choice((forms.surname(rng), rng.choice(forms.TREES), forms.town(rng)))
    kind = rng.choice(("Street", "St", "Ave", "Avenue", "Road", "Rd", "Lane", "Drive", "Blvd"))
    return f"{name} {kind}"


def _residence(rng: random.Random) -> str:
    head = rng.choice(("Manor", "House", "Place", "Village", "Center", "Lodge", "Gardens"))
    return f"{forms.surname(rng)} {head}"


def _neighbourhood(rng: random.Random) -> str:
    """A district named by a word and a geographic tail: "Beacon Hill", "South End"."""
    head = rng.choice(
        (
            forms.surname(rng),
            rng.choice(forms.TREES),
            forms.invented_word(rng, 2).title(),
            "North",
            "South",
            "East",
            "West",
            "Mission",
            "Back",
        )
    )
    tail = rng.choice(
        ("Hill", "End", "Square", "Plain", "Corner", "Landing", "Heights", "Park", "Falls", "River")
    )
    return f"{head} {tail}"


def _relative(rng: random.Random) -> str:
    return forms.person(rng, rng.choice(("given", "full", "nickname")), "title")[0]


def _identifier(kind: str) -> Filler:
    return lambda rng: forms.identifier(rng, kind)[0]


# slot -> (i2b2 category, surrogate)
SLOTS: dict[str, tuple[str, Filler]] = {
    "CITY": ("CITY", forms.town),
    "HOSPITAL": ("HOSPITAL", lambda rng: forms.hospital(rng, case="title")[0]),
    "ORGANIZATION": ("ORGANIZATION", lambda rng: forms.organisation(rng, case="title")[0]),
    "STREET": ("STREET", _street),
    "RESIDENCE": ("LOCATION-OTHER", _residence),
    "RELATIVE": ("PATIENT", _relative),
    "DISTRICT": ("CITY", _neighbourhood),
    "WARD": ("LOCATION-OTHER", lambda rng: forms.ward(rng, "title")[0]),
    "DATE": ("DATE", lambda rng: forms.date(rng, case="title")[0]),
    "PHONE": ("PHONE", lambda rng: forms.phone(rng)[0]),
    "AGE": ("AGE", lambda rng: forms.age(rng)[0]),
    "MEDICALRECORD": ("MEDICALRECORD", _identifier("MEDICALRECORD")),
    "ACCOUNT": ("ACCOUNT", _identifier("ACCOUNT")),
    "HEALTHPLAN": ("HEALTHPLAN", _identifier("HEALTHPLAN")),
    "BIOID": ("BIOID", _identifier("BIOID")),
    "DEVICE": ("DEVICE", _identifier("DEVICE")),
    "LICENSE": ("LICENSE", _identifier("LICENSE")),
    "IDNUM": ("IDNUM", _identifier("IDNUM")),
    "LASTFOUR": ("SSN", lambda rng: f"{rng.randint(0, 9999):04d}"),
    "POSTCODE": ("ZIP", lambda rng: forms.postcode(rng)[0]),
}

# frame key -> sentence; {SLOT} is filled, {{TRAP|word}} marks a word that must stay
FRAMES: dict[str, str] = {
    # dates
    "procedure_brackets": "s/p PCI to LAD ({DATE}) with DES.",
    "on_date": "Pt was transferred on {DATE}, seen by cards overnight.",
    "date_line_label": "{DATE}: CT head negative.",
    "last_seen": "Last seen in clinic {DATE}.",
    "two_dates": "Seen {DATE} and again {DATE}.",
    "surgery_was": "Surgery was {DATE}, uneventful.",
    "returning": "Pt returning {DATE} for f/u.",
    "since_date": "Intubated since {DATE}.",
    "dob": "DOB {DATE}",
    "date_of_injury": "Date of injury: {DATE}",
    # towns
    "lives_in": "Pt lives in {CITY} with wife.",
    "lives_alone_in": "Lives alone in {CITY}, daughter nearby.",
    "is_from": "Pt is from {CITY}.",
    "originally_from": "Originally from {CITY}, moved here 2 years ago.",
    "transferred_from_town": "Transferred from {CITY} for cath.",
    "drove_in_from": "Family drove in from {CITY} tonight.",
    "resident_of": "Resident of {CITY}.",
    "town_resident": "{CITY} resident, retired teacher.",
    "home_in": "Wife at home in {CITY}, will call in am.",
    "kin_in": "Daughter in {CITY} called for update.",
    "moved_to": "Moved to {CITY} last year.",
    "kin_lives_in": "Son lives in {CITY} and will visit tomorrow.",
    "went_home_to": "Went home to {CITY} after visit.",
    "dc_home_to": "Plan d/c home to {CITY} when stable.",
    "town_ems": "Brought in by {CITY} EMS after fall.",
    "osh_in": "Seen at OSH in {CITY}, head CT neg.",
    "outside_hospital_in": "Initially presented to an outside hospital in {CITY}.",
    "vacation_in": "Was on vacation in {CITY} when symptoms began.",
    "works_in": "Works in {CITY} as a carpenter.",
    "kin_from": "Sister from {CITY} at bedside.",
    "staying_in": "Pt's wife is staying in {CITY} tonight.",
    "town_state": "Pt lives in {CITY}, MA.",
    "driving_from": "Family is driving up from {CITY} in the morning.",
    "medflighted_from": "Medflighted from {CITY} to our ED.",
    "nursing_home_in": "Pt was at a nursing home in {CITY}.",
    "vna_in": "Spoke with VNA in {CITY}.",
    "grew_up_in": "Pt grew up in {CITY}.",
    "lives_near": "Lives near {CITY}.",
    "two_towns": "Son in {CITY}, daughter in {CITY}.",
    "summer_home": "Has a summer home in {CITY}.",
    "moved_from_to": "Moved from {CITY} to {CITY} in the spring.",
    "town_area": "Lives in the {CITY} area with partner.",
    "wedding_in": "Was in {CITY} for a wedding when CP began.",
    "town_police": "{CITY} police brought pt in after MVA.",
    "lives_in_district": "Pt lives in {DISTRICT} with her husband.",
    "district_apartment": "Has an apartment in {DISTRICT}, 3rd floor.",
    "grew_up_district": "Grew up in {DISTRICT}, retired MBTA driver.",
    "visiting_family_in": "Pt was in {CITY} visiting family when sx began.",
    "lives_w_wife_in": "Lives w/ wife in {CITY}.",
    "lives_c_wife_in": "lives c wife in {CITY}, independent in ADLs.",
    "in_town_x_weeks": "Was in {CITY} x 3 weeks.",
    "family_from_brackets": "Pt's family (from {CITY}) at bedside.",
    "home_label": "Home: {CITY}",
    "lives_label": "Lives: {CITY}, w/ wife.",
    "ems_from_town": "EMS from {CITY} reports pt found down.",
    "ambulance_from_home_in": "Came by ambulance from home in {CITY}.",
    # wards
    "ward_floor": "Pt transferred to {WARD} 4 this afternoon.",
    "report_to_ward": "Report given to RN on {WARD} 3.",
    "ward_bed": "Awaiting bed on {WARD} 7.",
    # hospitals
    "surgery_at": "Had CABG at {HOSPITAL} in the past.",
    "sent_to": "Sent to {HOSPITAL} for TIPS.",
    "went_to_for": "Went to {HOSPITAL} for cath, returned stable.",
    "team_following": "{HOSPITAL} transplant team following.",
    "employee": "Wife works at {HOSPITAL} as a nurse.",
    "intubated_where": "Transferred here from {HOSPITAL} where he was intubated.",
    "returned_from": "Returned from {HOSPITAL} after MRI.",
    "xfer_from": "Xfer from {HOSPITAL} for higher level of care.",
    "txd_from": "Pt tx'd from {HOSPITAL} ED last night.",
    "hospital_arrow_here": "{HOSPITAL}->here for cath.",
    "hospital_x_days": "At {HOSPITAL} x 2 days prior to transfer.",
    "ho_admission": "h/o {HOSPITAL} admission for CHF.",
    "sent_from_ed": "Sent from {HOSPITAL} ED with STEMI.",
    "transferred_from_hospital": "Transferred from {HOSPITAL} for further care.",
    "transferred_to_hospital": "Pt transferred to {HOSPITAL} this am.",
    "hospital_ed": "Seen at {HOSPITAL} ED yesterday.",
    "admitted_to_hospital": "Admitted to {HOSPITAL} on {{TRAP|Monday}}.",
    "pcp_at": "Followed by his PCP at {HOSPITAL}.",
    "admission_at": "Recent admission at {HOSPITAL} for CHF.",
    "records_from": "Records requested from {HOSPITAL}.",
    "dc_to_hospital": "Plan to d/c to {HOSPITAL} tomorrow.",
    "was_at": "Pt was at {HOSPITAL} for 3 weeks.",
    "ct_done_at": "CT done at {HOSPITAL} showed bleed.",
    "came_from": "Pt came from {HOSPITAL} via ambulance.",
    "osh_label": "OSH: {HOSPITAL}.",
    "referred_by": "Referred by {HOSPITAL} for evaluation.",
    "cath_at": "Cath at {HOSPITAL} showed 3VD.",
    # organisations
    "works_at": "Works at {ORGANIZATION} as an engineer.",
    "employed_by": "Employed by {ORGANIZATION}.",
    "retired_from": "Retired from {ORGANIZATION} last year.",
    "insurance_label": "Insurance: {ORGANIZATION}.",
    "services_through": "Services through {ORGANIZATION} will resume.",
    "works_for": "Pt works for {ORGANIZATION}.",
    "set_up_with": "Set up with {ORGANIZATION} for home O2.",
    "case_manager_from": "Case manager from {ORGANIZATION} called.",
    "program_at": "Pt attends day program at {ORGANIZATION}.",
    "employer_brackets": "Needs a note for his employer ({ORGANIZATION}).",
    # residences and streets
    "residence_from": "Pt came from {RESIDENCE}, an assisted living.",
    "resides_at": "Resides at {RESIDENCE}.",
    "dc_to_residence": "D/c to {RESIDENCE} for rehab.",
    "staying_at": "Pt was staying at {RESIDENCE} for rehab.",
    "lives_on": "Pt lives on {STREET} with son.",
    "apartment_on": "Apartment on {STREET}, 3rd floor walk-up.",
    "found_near": "Found down near {STREET} by a neighbor.",
    # record numbers
    "mrn": "MRN: {MEDICALRECORD}",
    "hosp_no": "Hosp no {MEDICALRECORD}",
    "unit_no": "Unit No: {MEDICALRECORD}",
    "crn": "CRN {MEDICALRECORD}",
    "patient_number": "Patient number: {MEDICALRECORD}",
    "acct": "Acct # {ACCOUNT}",
    "member_id": "Member ID: {HEALTHPLAN}",
    "policy_no": "Policy no. {HEALTHPLAN}",
    "accession": "Accession No. {BIOID}",
    "specimen": "Specimen #: {BIOID}",
    "pathology_number": "Pathology number {BIOID}",
    "serial": "Pacemaker serial {DEVICE}",
    "licence": "License # {LICENSE}",
    "encounter": "Encounter # {IDNUM}",
    "visit_id": "Visit ID {IDNUM}",
    "claim": "Claim # {IDNUM}",
    # round 8: labels of many countries, in the shapes notes give them
    "nhs_number": "NHS Number: {MEDICALRECORD}",
    "nhs_no": "NHS no. {MEDICALRECORD}",
    "hospital_number": "Hospital No: {MEDICALRECORD}",
    "ur_number": "UR {MEDICALRECORD}",
    "uhid": "UHID No.: {MEDICALRECORD}",
    "med_rec_hash": "Med Rec # {MEDICALRECORD}",
    "mrn_is": "His MRN is {MEDICALRECORD}.",
    "medicare_is_still": "Medicare is still {HEALTHPLAN}.",
    "medicaid_id": "Medicaid ID#: {HEALTHPLAN}",
    "health_card": "Health Card #: {HEALTHPLAN}",
    "mbr_id": "MBR ID {HEALTHPLAN}",
    "subscriber": "Subscriber # {HEALTHPLAN}",
    "account_no": "Account No. {ACCOUNT}",
    "fin": "FIN {ACCOUNT}",
    "lab_no": "Lab No. {BIOID}",
    "acc_hash": "ACC#: {BIOID}",
    "serial_no": "Device serial no. {DEVICE}",
    "s_n": "S/N {DEVICE}",
    "provider_no": "Provider No. {LICENSE}",
    "badge": "Officer badge no. {IDNUM}",
    "rx_number": "Rx # {IDNUM} needs renewal.",
    "aadhaar": "Aadhaar: {IDNUM}",
    "last4": "Verified with last 4 of SSN {LASTFOUR}.",
    "ssn_ending": "SSN ending in {LASTFOUR} confirmed.",
    # round 8: organisations named by a label or a frame
    "ins_is": "Pt's ins is {ORGANIZATION}, card copied.",
    "tpa_label": "TPA: {ORGANIZATION}",
    "insurer_label": "Insurer: {ORGANIZATION}",
    "part_d_plan": "Part D plan: {ORGANIZATION}.",
    "insurance_member_id": "Insurance {ORGANIZATION} member ID on card.",
    "pharmacy_label": "Pharmacy: {ORGANIZATION}",
    "denied_by": "Prior auth denied by {ORGANIZATION}.",
    "drawn_at": "Labs drawn at {ORGANIZATION} yesterday.",
    # round 8: postcodes after an address, a label or a town
    "address_postcode": "Lives at 12 {STREET}, {CITY} {POSTCODE}.",
    "postcode_is": "My postcode is {POSTCODE}.",
    "postal_code_label": "Postal code: {POSTCODE}",
    "pin_code": "PIN code {POSTCODE}",
    # phones
    "call_kin_at": "Wife can be reached at {PHONE}.",
    "cell": "Daughter's cell {PHONE}.",
    "pager": "Page covering MD at {PHONE} with questions.",
    "call_back": "Please call back at {PHONE} tomorrow.",
    "phone_label": "Phone: {PHONE}",
    "brackets_phone": "Son (home {PHONE}) updated.",
    "page_md": "Pls page MD at {PHONE} if SBP < 90.",
    "beeper": "Covering resident beeper # {PHONE}.",
    "home_number": "Home # {PHONE}, wife prefers calls after 5.",
    "number_is": "Son's number is {PHONE}.",
    "h_number": "Wife (h) {PHONE} (w) ext 4.",
    "reached_home": "Can be reached at home {PHONE}.",
    # relatives
    "wife_name": "Wife {RELATIVE} at bedside, updated on plan.",
    "dtr_name": "Dtr {RELATIVE} called for update.",
    "son_comma_name": "Pt's son, {RELATIVE}, is HCP.",
    "spoke_with": "Spoke with {RELATIVE} (sister) re: goals of care.",
    "name_kin": "{RELATIVE} (daughter) will visit in am.",
    "hcp_is": "HCP is niece {RELATIVE}.",
    "wife_name_lower": "Pt's wife, {RELATIVE}, here all day.",
    "called_kin": "Called brother {RELATIVE} with update.",
    "kin_and_spouse": "Sister and her husband {RELATIVE} visited.",
    "friend_name": "Friend {RELATIVE} brought in clothes.",
    "hcp_label": "HCP: {RELATIVE} (son)",
    "name_is": "Wife's name is {RELATIVE}.",
    # ages over 89
    "age_yo": "{AGE} yo woman with dementia.",
    "age_year_old": "Pt is a {AGE} year old man s/p fall.",
    "age_label": "Age: {AGE}",
    "aged": "Mother, aged {AGE}, lives with pt.",
    "age_sex": "{AGE}F with CHF, admitted for dyspnea.",
    "age_yo_glued": "Pt is {AGE}yo, lives alone.",
    "age_y_slash_o": "{AGE} y/o male found down.",
    "age_yr_old": "Pt is a {AGE} yr old female.",
    "pt_is_age": "Pt is {AGE} and fully independent.",
    "age_hyphen": "A {AGE}-year-old man with AS.",
}

# neutral sentences with marked traps, around each framed sentence
_BEFORE = (
    "Neuro: alert and oriented x3, MAE, {{TRAP|GCS}} {{TRAP|15/15}}. ",
    "CV: HR 80s SR, BP {{TRAP|118/64}}, no ectopy. ",
    "Hx {{TRAP|Parkinson}}'s disease and DM2. ",
)
_AFTER = (
    " GU: {{TRAP|Foley}} draining clear yellow urine.",
    " Resp: lungs clear, sats 97% on 2L NC.",
    " Plan: continue {{TRAP|Lasix}} 40 mg, {{TRAP|hope}} to extubate {{TRAP|Tuesday}}.",
)


_PIECE = re.compile(r"(\{\{TRAP\|[^}]*\}\}|\{[A-Z]+\})")


# what a nursing or progress note says besides PHI (written for clinrelay): numbers, ranges,
# doses, settings, times, scores and shorthand, with eponyms and drugs marked as traps;
# "{a-b}" is a number drawn from a to b
_NEUTRAL = (
    "HR {60-120} SR-ST, no ectopy noted.",
    "BP {85-160}/{40-90}, MAP {55-95}.",
    "SBP {80-100}s-{110-140}s on {{TRAP|Levophed}} {1-20} mcg.",
    "Afebrile, Tmax {98-101}.{0-9}.",
    "Sats {88-100}% on {2-6}L NC, RR {12-30}.",
    "Vent: AC {400-600}/{12-20}, PEEP {5-10}, FiO2 {30-60}%.",
    "PS {5-15}/{5-8}, tolerating well, RSBI {40-90}.",
    "ABG 7.{30-45}/{35-55}/{70-120}.",
    "Suctioned for mod amts thick tan secretions q{2-4}h.",
    "LS coarse bilat, dim at bases.",
    "UO {20-80}cc/hr via {{TRAP|Foley}}, clear yellow.",
    "{{TRAP|Lasix}} {20-80}mg IV given with good diuresis.",
    "K {3-4}.{0-9}, repleted with {20-40} meq KCL.",
    "Mag {1-2}.{0-9}, Ca {7-9}.{0-9}.",
    "BUN/Cr {10-60}/{1-3}.{0-9}.",
    "WBC {4-18}.{0-9}, Hct {22-38}.{0-9}, plt {90-350}.",
    "FS {90-250}, covered with RISS {2-8} units.",
    "Tolerating TF at goal {40-80}cc/hr, residuals < {30-100}cc.",
    "NGT to LIS with {50-300}cc bilious output.",
    "Abd soft, NT/ND, +BS.",
    "Skin intact, turned q2h, heels elevated.",
    "PERRLA {2-4}mm brisk, MAE, follows commands.",
    "A&O x{1-3}, calm and cooperative overnight.",
    "Pain {0-10}/10, medicated with morphine {1-4}mg IV with relief.",
    "{{TRAP|Dilaudid}} PCA 0.{1-4}/{6-10}/{1-2}, using appropriately.",
    "IVF NS @ {50-150}cc/hr.",
    "Heparin gtt @ {600-1400} u/hr, PTT {40-90} at {0-23}00.",
    "Lopressor {5-50}mg PO BID, held for HR < {55-60}.",
    "Insulin gtt @ {1-8} u/hr per protocol.",
    "CXR: ? LLL infiltrate, f/u in am.",
    "EKG unchanged from prior, QTc {400-480}.",
    "CVP {4-16}, PAD {10-25}, CI {1-3}.{0-9}.",
    "Chest tube to {{TRAP|Pleurevac}} -20cm sx, no air leak.",
    "OOB to chair x{1-3}h, tolerated well.",
    "PT/OT consulted, eval in am.",
    "NPO after midnight for procedure.",
    "Cont current mgmt, monitor lytes.",
    "Family in to visit, updated on POC.",
    "Wean O2 as tolerated, goal sats > {90-94}%.",
    "Hct recheck at {10-23}00, transfuse if < {21-25}.",
    "{{TRAP|Glasgow}} coma scale {8-15}, {{TRAP|Braden}} {10-20}.",
    "{{TRAP|Coumadin}} held, INR {1-3}.{0-9}.",
    "Seen by {{TRAP|Ortho}} and ID teams this shift.",
    "Will need {{TRAP|Swan}} d/c'd in am.",
    "Pt slept {2-6} hrs, {{TRAP|Ativan}} {0-1}.5mg x1 at {0-23}00.",
    "Denies CP/SOB, c/o mild nausea, {{TRAP|Zofran}} {4-8}mg given.",
)
_NUMBER = re.compile(r"\{(\d+)-(\d+)\}")


def _neutral(rng: random.Random, count: int) -> str:
    picks = [rng.choice(_NEUTRAL) for _ in range(count)]
    return " ".join(
        _NUMBER.sub(lambda m: str(rng.randint(int(m.group(1)), int(m.group(2)))), p) for p in picks
    )


def _parse(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``{{TRAP|word}}`` marks out; returns the text and the trap spans."""
    out, spans, pos = "", [], 0
    while (open_at := marked.find("{{TRAP|", pos)) >= 0:
        close = marked.index("}}", open_at)
        out += marked[pos:open_at]
        word = marked[open_at + 7 : close]
        spans.append((len(out), len(out) + len(word), TRAP))
        out += word
        pos = close + 2
    return out + marked[pos:], spans


def framed_note(key: str, rng: random.Random, case: str, neutral: int = 0) -> AnnotatedNote | None:
    """One note around the frame ``key``, its slots filled, typed in ``case``; ``neutral``
    more sentences with no PHI on each side (for training)."""
    before = (_neutral(rng, neutral) + " ") if neutral else ""
    text, spans = _parse(before + rng.choice(_BEFORE))
    for piece in _PIECE.split(FRAMES[key]):
        if piece.startswith("{{TRAP|"):
            word = piece[7:-2]
            spans.append((len(text), len(text) + len(word), TRAP))
            text += word
        elif piece.startswith("{"):
            category, fill = SLOTS[piece[1:-1]]
            value = fill(rng)
            spans.append((len(text), len(text) + len(value), category))
            text += value
        else:
            text += piece
    after, traps = _parse(rng.choice(_AFTER) + (" " + _neutral(rng, neutral) if neutral else ""))
    spans += [(s + len(text), e + len(text), c) for s, e, c in traps]
    text += after
    cased = {"title": text, "upper": text.upper(), "lower": text.lower()}[case]
    if len(cased) != len(text):
        return None  # a letter whose case changes its length ("ß"): offsets would move
    gold = tuple(GoldSpan(s, e, c, form="" if c == TRAP else f"{key}/{case}") for s, e, c in spans)
    return AnnotatedNote(f"ctx-{key}-{case}", cased, gold, kind="contexts")


def framed_notes(per_frame: int, seed: int, neutral: int = 0) -> list[AnnotatedNote]:
    rng = random.Random(seed)
    notes = []
    for key in FRAMES:
        for k in range(per_frame):
            note = framed_note(key, rng, forms.CASES[k % 3], neutral)
            if note is not None:
                notes.append(AnnotatedNote(f"{note.id}-{k}", note.text, note.spans, note.kind))
    return notes


GROUPS = {
    "towns": ("CITY",),
    "dates": ("DATE",),
    "hospitals": ("HOSPITAL",),
    "organisations": ("ORGANIZATION",),
    "streets and residences": ("STREET", "LOCATION-OTHER"),
    "record numbers": tuple(
        c
        for c, _ in SLOTS.values()
        if c.isupper()
        and c
        not in (
            "CITY",
            "HOSPITAL",
            "ORGANIZATION",
            "STREET",
            "LOCATION-OTHER",
            "PATIENT",
            "PHONE",
            "AGE",
            "ZIP",
        )
    ),
    "postcodes": ("ZIP",),
    "phones": ("PHONE",),
    "relatives' names": ("PATIENT",),
    "ages over 89": ("AGE",),
}


def evaluate(notes: list[AnnotatedNote]) -> Tally:
    tally = Tally()
    counted = {c for c, _ in SLOTS.values()}
    for note in notes:
        score_note(tally, note, detect(note.text), counted)
    return tally


def report(tally: Tally) -> list[str]:
    lines = [
        f"mention recall {tally.recall():.4f} ({sum(tally.mentions_found.values())}/"
        f"{sum(tally.mentions.values())}), false positives outside the slots "
        f"{tally.false_positives}, traps masked {tally.traps_hit}/{tally.traps}",
        "",
        "| group | mentions | recall |",
        "|---|---|---|",
    ]
    for group, categories in GROUPS.items():
        total = sum(tally.mentions[c] for c in categories)
        found = sum(tally.mentions_found[c] for c in categories)
        if total:
            lines.append(f"| {group} | {total} | {found / total:.3f} |")
    frames: dict[str, list[int]] = {}
    for form, n in tally.forms.items():
        key = form.rsplit("/", 1)[0]
        frames.setdefault(key, [0, 0])
        frames[key][0] += n
        frames[key][1] += tally.forms_found[form]
    weak = sorted((found / n, key, n) for key, (n, found) in frames.items() if found < n)
    lines += ["", "Frames below 1.000 (all cases):", ""]
    lines += [f"- {key}: {r:.3f} of {n}" for r, key, n in weak]
    return lines


def _mention_spans(note: AnnotatedNote) -> list[dict[str, object]]:
    """One span a mention: a rewritten mention's words (one gold span each) joined."""
    spans: list[dict[str, object]] = []
    last = -1
    for s in note.phi():
        if s.mention >= 0 and s.mention == last and spans and spans[-1]["type"] == s.category:
            spans[-1]["end"] = s.end
        else:
            spans.append({"start": s.start, "end": s.end, "type": s.category})
        last = s.mention
    return spans


def training_lines(notes: list[AnnotatedNote]) -> list[str]:
    """The notes as ``clinrelay deid train`` input (traps left out: they are not PHI)."""
    return [
        json.dumps({"id": note.id, "text": note.text, "spans": _mention_spans(note)})
        for note in notes
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-frame", type=int, default=12)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--misses", type=Path, help="write misses and false positives here")
    parser.add_argument("--jsonl", type=Path, help="write the notes as training input here")
    parser.add_argument("--model", type=Path, help="join this trained model's findings")
    args = parser.parse_args()
    if args.model:
        from bench.phi.variant_eval import use_model

        use_model(args.model)
    notes = framed_notes(args.per_frame, args.seed)
    if args.jsonl:
        args.jsonl.write_text("\n".join(training_lines(notes)) + "\n", encoding="utf-8")
        print(f"{len(notes)} notes written to {args.jsonl}", file=sys.stderr)
        return
    tally = evaluate(notes)
    print(f"#### {len(notes)} notes, {len(FRAMES)} frames, seed {args.seed}\n")
    print("\n".join(report(tally)))
    if args.misses:
        from bench.phi.variant_eval import write_misses

        write_misses(args.misses, tally)


if __name__ == "__main__":
    main()
