"""ICD-10-CM codes for the notes of one encounter: mentions → specific codes → billing rules.

Each mention's matches become ranked candidates, each refined to the most specific billable code
its context supports. The top candidate goes through the setting's billing rules; mentions of the
same code across notes merge into one suggestion carrying all their evidence. Combination codes
and superseded "unspecified" codes are settled last, over the whole encounter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from services.analyzer.coding import (
    adverse_effects,
    bmi,
    cancer_status,
    codeset,
    delivery,
    diagnostic_statement,
    encounter_reasons,
    external_causes,
    gestation,
    immunization,
    osteoporotic_fracture,
    receptor_status,
    rewrites,
    severe_sepsis,
    stroke_scale,
    stroke_sequelae,
    uncertain_at_discharge,
)
from services.analyzer.coding.combinations import (
    COPD_WITH_INFECTION,
    LOWER_RESPIRATORY_INFECTIONS,
    combination_codes,
    diabetes_type_renames,
    kidney_disease_not_diabetic,
    superseded_defaults,
)
from services.analyzer.coding.integral import explaining_diagnosis
from services.analyzer.coding.long_term_drugs import applies, drug_uses
from services.analyzer.coding.mentions import FoundMention, find_mentions
from services.analyzer.coding.pipeline import clinical_pipeline
from services.analyzer.coding.rules import billing_decision
from services.analyzer.coding.sections import Section, section_at
from services.analyzer.coding.specificity import further_complications, most_specific_code
from services.analyzer.coding.status_codes import alzheimer_dementia, status_codes
from services.analyzer.coding.traits import mention_category, mention_traits
from shared.events.coding import (
    Assertion,
    CareSetting,
    CodeCandidate,
    CodeSuggestion,
    Evidence,
    Mention,
    MentionCategory,
    Sex,
    Trait,
)

MAX_CANDIDATES = 5
_K = TypeVar("_K")
_ASSERTION_RANK = {a: i for i, a in enumerate(Assertion)}
_CURRENT = (Assertion.PRESENT, Assertion.UNCERTAIN)  # uncertain ones are billed inpatient only


@dataclass(frozen=True)
class NoteText:
    note_id: str
    text: str


@dataclass(frozen=True)
class EncounterCodes:
    mentions: tuple[Mention, ...]
    suggestions: tuple[CodeSuggestion, ...]
    excluded: tuple[CodeSuggestion, ...]


@dataclass
class _Pending:
    """A code being assembled from one or more mentions."""

    code: str
    assertion: Assertion
    score: float
    rationale: str
    billable: bool
    candidates: tuple[CodeCandidate, ...]
    evidence: list[Evidence] = field(default_factory=list)
    category: MentionCategory = MentionCategory.DIAGNOSIS
    traits: tuple[Trait, ...] = ()

    def absorb(self, other: _Pending) -> None:
        self.evidence.extend(other.evidence)
        if other.score > self.score:
            self.score, self.candidates = other.score, other.candidates
            self.category, self.traits = other.category, other.traits
        if _ASSERTION_RANK[other.assertion] < _ASSERTION_RANK[self.assertion]:
            self.assertion, self.rationale = other.assertion, other.rationale

    def build(self) -> CodeSuggestion:
        return CodeSuggestion(
            code=self.code,
            description=codeset.description(self.code),
            score=round(self.score, 3),
            assertion=self.assertion,
            billable=self.billable,
            evidence=tuple(self.evidence),
            rationale=self.rationale,
            candidates=self.candidates,
            category=self.category,
            traits=self.traits,
        )


def mention_candidates(
    mention: FoundMention, known: frozenset[str] = frozenset()
) -> tuple[CodeCandidate, ...]:
    """Ranked, specificity-refined candidate codes for one mention (best first, unique).
    ``known``: words the record says of the patient beside the note (the sex, from
    Patient.gender), which refine a code as the note's own words do (C50.91- female → C50.911)."""
    seen: dict[str, CodeCandidate] = {}
    for match in (mention.group.best, *mention.group.alternatives):
        refined = most_specific_code(match.term.concept, mention.context_tokens | known)
        if refined.code in seen:
            continue
        seen[refined.code] = CodeCandidate(
            code=refined.code,
            description=codeset.description(refined.code),
            score=match.score,
            billable=refined.billable,
        )
    return tuple(seen.values())[:MAX_CANDIDATES]


def code_encounter(
    notes: Sequence[NoteText],
    setting: CareSetting,
    min_score: float = 0.5,
    *,
    sex: Sex = Sex.UNKNOWN,
) -> EncounterCodes:
    """Mentions, billable suggestions and excluded codes for one encounter's notes; ``sex``
    (Patient.gender) chooses between a code's female and male children when the note does not
    say (breast cancer of a woman: C50.91-, not the male C50.92-)."""
    known = frozenset({sex.value}) if sex in (Sex.FEMALE, Sex.MALE) else frozenset()
    mentions: list[Mention] = []
    resolved: set[str] = set()  # categories the notes say are over
    billed: dict[str, _Pending] = {}
    excluded: dict[tuple[str, Assertion], _Pending] = {}
    for note in notes:
        for found in find_mentions(note.text):
            candidates = mention_candidates(found, known)
            mention = _mention(note.note_id, found, candidates)
            mentions.append(mention)
            top = candidates[0]
            if top.score < min_score:
                continue
            if found.resolved:
                resolved.add(top.code[:3])
            evidence = Evidence(
                note_id=note.note_id,
                start=found.start,
                end=found.end,
                text=found.text,
                section=found.section,
                sentence=found.sentence[:400],
            )
            _decide(found, mention, candidates, evidence, setting, billed, excluded)
    _uncertain_at_discharge(notes, billed, excluded, setting)
    _drop_resolved(billed, excluded, resolved, setting)
    _rewrite_by_sentence(billed, excluded)
    _stroke_sequelae(notes, billed, excluded)
    _add_long_term_drugs(notes, billed)
    _add_bmi(notes, billed)
    _add_delivery(notes, billed, excluded)
    _add_gestation(notes, billed)
    _settle_encounter(billed, excluded)
    _add_severe_sepsis(notes, billed)
    _venous_ulcer(billed)
    _add_stroke_scale(notes, billed)
    _current_or_history_cancer(billed, excluded, setting)
    _nicotine_product(notes, billed)
    _receptor_status(notes, billed, excluded)
    _left_out_of_the_statement(billed, excluded)
    _copd_infection_still_coded(billed, excluded)
    _osteoporotic_fracture(notes, billed, excluded)
    _add_external_cause(notes, billed)
    _add_immunization(notes, billed)
    _routine_exam_findings(notes, billed, excluded)
    _add_encounter_reasons(notes, billed)
    _add_status_codes(notes, billed)
    _add_poisonings(notes, billed, excluded)
    _add_adverse_effects(notes, billed)
    return EncounterCodes(
        mentions=tuple(mentions),
        suggestions=tuple(p.build() for p in sorted(billed.values(), key=_order)),
        excluded=tuple(
            p.build() for p in sorted(excluded.values(), key=_order) if p.code not in billed
        ),
    )


def _decide(
    found: FoundMention,
    mention: Mention,
    candidates: tuple[CodeCandidate, ...],
    evidence: Evidence,
    setting: CareSetting,
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
) -> None:
    top = candidates[0]
    decision = billing_decision(top.code, found.assertion, setting, resolved=found.resolved)
    billable = codeset.is_billable(decision.code)
    if decision.bill and billable:
        category = mention_category(decision.code, found.text, found.section)
        pending = _Pending(
            decision.code,
            found.assertion,
            top.score,
            decision.rationale,
            True,
            candidates,
            [evidence],
            category,
            mention_traits(category, top.score, found.traits),
        )
        _merge(billed, decision.code, pending)
        if decision.code == top.code:
            # One diabetes phrase may name several complications (I.C.4.a: as many codes as
            # needed): "type 2 diabetes with hyperglycemia and diabetic CKD" → E11.65 and E11.22.
            for more in further_complications(decision.code, found.context_tokens):
                _merge(
                    billed,
                    more,
                    _Pending(
                        more,
                        found.assertion,
                        top.score,
                        f"{decision.rationale}; a further complication the same phrase names "
                        "(Section I.C.4.a)",
                        True,
                        candidates,
                        [evidence],
                        category,
                        pending.traits,
                    ),
                )
            return
    reason = decision.rationale if not decision.bill else "coded as its history code instead"
    if decision.bill and not billable:
        reason = "the note does not support a billable subcode: document more detail"
    pending = _Pending(
        top.code,
        found.assertion,
        top.score,
        reason,
        top.billable,
        candidates,
        [evidence],
        mention.category,
        mention.traits,
    )
    _merge(excluded, (top.code, found.assertion), pending)


def _drop_resolved(
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
    resolved: set[str],
    setting: CareSetting,
) -> None:
    """A chronic condition named only in a history list is current, unless the notes say it
    is over ("childhood asthma" listed, "asthma resolved in adolescence" in the assessment).
    Outside an inpatient stay, a condition named as the reason for a past operation and said
    elsewhere to have resolved is not current either (an inpatient stay codes what it treated,
    resolved by discharge or not)."""
    for code in list(billed):
        pending = billed[code]
        over = pending.assertion is Assertion.HISTORICAL or (
            pending.assertion is Assertion.PRESENT and setting is not CareSetting.INPATIENT
        )
        if code[:3] in resolved and over:
            del billed[code]
            pending.rationale = "the notes say this condition resolved: not coded as current"
            _merge(excluded, (code, pending.assertion), pending)


def _rewrite_by_sentence(
    billed: dict[str, _Pending], excluded: dict[tuple[str, Assertion], _Pending]
) -> None:
    """Statuses instead of conditions, as the mention's sentence says (data/status_rewrites.tsv):
    a known allergy → its Z88/Z91.0 status, HIV never symptomatic → Z21."""
    for code in list(billed):
        pending = billed[code]
        sentence = pending.evidence[0].sentence or pending.evidence[0].text
        new = rewrites.rewritten(code, sentence)
        if new == code:
            new = rewrites.as_bite(code, [e.sentence or e.text for e in pending.evidence])
        if new == code:
            continue
        billed.pop(code)
        if new is None:
            pending.rationale = "an allergy without its allergen or a reaction: nothing to report"
            _merge(excluded, (code, pending.assertion), pending)
            continue
        pending.rationale = f"{pending.rationale}; reported as {new} as the sentence states it"
        pending.code = new
        pending.category = MentionCategory.STATUS
        _merge(billed, new, pending)


def _left_out_of_the_statement(
    billed: dict[str, _Pending], excluded: dict[tuple[str, Assertion], _Pending]
) -> None:
    """What is named only outside the diagnostic statement — signs, symptoms, findings, acute
    conditions — is not coded when the statement names the encounter's conditions
    (diagnostic_statement.py: IV.D, IV.J, III.B)."""

    def found_in_statement(assertion: Assertion) -> bool:
        # A hedge is an uncertain diagnosis the final statement leaves uncoded (IV.H outpatient,
        # a work-up inpatient); one ruled out, or hedged only in the course of a stay, is none.
        sections = (
            diagnostic_statement.STATEMENT_SECTIONS
            if assertion is Assertion.PRESENT
            else uncertain_at_discharge.FINAL_STATEMENT
        )
        return any(
            a is assertion
            and code not in billed
            and uncertain_at_discharge.RULED_OUT not in pending.rationale
            and any(e.section in sections for e in pending.evidence)
            for (code, a), pending in excluded.items()
        )

    sections = {code: [e.section for e in p.evidence] for code, p in billed.items()}
    left_out = diagnostic_statement.left_out(
        sections,
        states_conditions=found_in_statement(Assertion.PRESENT),
        hedges=found_in_statement(Assertion.UNCERTAIN),
    )
    for code in left_out:
        pending = billed.pop(code)
        pending.rationale = (
            "named only outside the diagnostic statement (history, examination, results): not "
            "coded beside the conditions the provider concludes (Sections IV.D, IV.J, III.B)"
        )
        _merge(excluded, (code, pending.assertion), pending)


_STROKES = ("I60", "I61", "I62", "I63")


def _uncertain_at_discharge(
    notes: Sequence[NoteText],
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
    setting: CareSetting,
) -> None:
    """An inpatient uncertain diagnosis stays coded only as the final diagnostic statement leaves
    it: not ruled out elsewhere, in the statement, a working diagnosis rather than a differential
    or a running work-up (uncertain_at_discharge.py, Sections II.H and III.C)."""
    uncertain = [c for c, p in billed.items() if p.assertion is Assertion.UNCERTAIN]
    if setting is not CareSetting.INPATIENT or not uncertain:
        return
    everything = [*billed.values(), *excluded.values()]
    has_statement = any(
        e.section in uncertain_at_discharge.FINAL_STATEMENT for p in everything for e in p.evidence
    )
    discharged = uncertain_at_discharge.documents_discharge(note.text for note in notes)
    negated = [p for (_, a), p in excluded.items() if a is Assertion.NEGATED]
    for code in uncertain:
        pending = billed[code]
        ruled_out = any(
            n.code[:3] == code[:3]
            and uncertain_at_discharge.ruled_out_by(
                (e.section for e in n.evidence), has_statement=has_statement
            )
            for n in negated
        )
        places = [
            uncertain_at_discharge.Place(e.section, e.sentence or e.text, e.text)
            for e in pending.evidence
        ]
        reason = uncertain_at_discharge.why_not_coded(
            places, ruled_out=ruled_out, has_statement=has_statement, discharged=discharged
        )
        if reason is not None:
            del billed[code]
            pending.rationale = reason
            _merge(excluded, (code, pending.assertion), pending)


def _stroke_sequelae(
    notes: Sequence[NoteText],
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
) -> None:
    """Side and dominance of a paralysis (I.C.6.a), and deficits a past stroke left coded as its
    sequelae (I69, I.C.9.d) instead of the deficit alone and Z86.73."""
    texts = {note.note_id: note.text for note in notes}

    def side_digit(pending: _Pending) -> str | None:
        # The first of its sentences that tells the side ("R hemiparesis" in the assessment when
        # the history wrote "right-sided (dominant side) hemiparesis").
        return next(
            (
                digit
                for e in pending.evidence
                if (
                    digit := stroke_sequelae.paralysis_side_digit(
                        e.sentence or "", texts[e.note_id]
                    )
                )
                is not None
            ),
            None,
        )

    for code in list(billed):
        sided = stroke_sequelae.sided_code(code, side_digit(billed[code]))
        if sided != code:
            pending = billed.pop(code)
            pending.code = sided
            _merge(billed, sided, pending)
    strokes = [
        (key, p)
        for key, p in billed.items()
        if p.candidates
        and p.candidates[0].code.startswith(_STROKES)
        and (
            p.assertion is Assertion.HISTORICAL
            or (
                p.assertion is Assertion.PRESENT
                and stroke_sequelae.past_stroke(e.sentence or "" for e in p.evidence)
            )
        )
    ]
    if not strokes:
        return
    for key, pending in strokes:
        if pending.assertion is Assertion.PRESENT:  # dated to a past year: history, not current
            billed.pop(key)
            pending.code, pending.assertion = "Z86.73", Assertion.HISTORICAL
            pending.rationale = "a stroke the note dates to the past: personal history (Z86.73)"
            pending.category = MentionCategory.STATUS
            _merge(billed, "Z86.73", pending)
    strokes = [(k, p) for k, p in strokes if k in billed]
    if "Z86.73" in billed and all(k != "Z86.73" for k, _ in strokes):
        strokes.append(("Z86.73", billed["Z86.73"]))
    stroke = strokes[0][1].candidates[0].code
    sentences = {e.sentence or "" for _, p in strokes for e in p.evidence}
    deficits = [(code, p, billed) for code, p in billed.items()] + [
        (code, p, excluded)
        for (code, assertion), p in excluded.items()
        if assertion is Assertion.HISTORICAL
    ]
    added = False
    for code, pending, source in deficits:
        found = stroke_sequelae.deficit_of(code)
        if found is None or not any(
            stroke_sequelae.tied_to_a_stroke(e.sentence or "", sentences) for e in pending.evidence
        ):
            continue
        sequela = stroke_sequelae.sequela_code(
            stroke, stroke_sequelae.sided_code(code, side_digit(pending))
        )
        if sequela is None:
            continue
        _merge(
            billed,
            sequela,
            _Pending(
                sequela,
                Assertion.PRESENT,
                pending.score,
                f"deficit left by a past stroke ({stroke}): its sequela code (Section I.C.9.d)",
                True,
                pending.candidates,
                list(pending.evidence),
                MentionCategory.DIAGNOSIS,
            ),
        )
        added = True
        if not found.keep and source is billed:
            billed.pop(code, None)
    if added:
        for key, _ in strokes:
            billed.pop(key, None)  # Z86.73 is history *without* residual deficits


def _current_or_history_cancer(
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
    setting: CareSetting,
) -> None:
    """A cancer written both as current and as history: the words of its sentences decide
    (cancer_status.py, I.C.2.d/m). A cancer written only as history but treated now in the
    same sentence is current again."""
    for code in [c for c, p in billed.items() if p.assertion is Assertion.PRESENT]:
        history = billing_decision(code, Assertion.HISTORICAL, setting).code
        if not cancer_status.is_malignancy(code) or history == code or history not in billed:
            continue
        sentences = " \n".join(_sentences(billed[code]) + _sentences(billed[history]))
        decided = cancer_status.status(sentences)
        if decided is None:
            continue
        gone = history if decided is cancer_status.CancerStatus.CURRENT else code
        pending = billed.pop(gone)
        pending.rationale = (
            "under treatment now (adjuvant or active therapy): a current malignancy, not its "
            "history (Section I.C.2.m)"
            if gone == history
            else "excised or treated with no evidence of disease left: its personal-history "
            "code instead (Section I.C.2.d)"
        )
        _merge(excluded, (gone, pending.assertion), pending)
    for (code, assertion), pending in list(excluded.items()):
        history = billing_decision(code, Assertion.HISTORICAL, setting).code
        if (
            assertion is Assertion.HISTORICAL
            and cancer_status.is_malignancy(code)
            and history in billed
            and codeset.is_billable(code)
            and cancer_status.treated_now(" \n".join(_sentences(pending)))
        ):
            moved = billed.pop(history)
            moved.rationale = "the cancer is under treatment now: coded as current (I.C.2.m)"
            _merge(excluded, (history, moved.assertion), moved)
            del excluded[(code, assertion)]
            pending.assertion = Assertion.PRESENT
            pending.rationale = (
                "written as history but under treatment now (adjuvant or active therapy): a "
                "current malignancy (Section I.C.2.m)"
            )
            _merge(billed, code, pending)


def _copd_infection_still_coded(
    billed: dict[str, _Pending], excluded: dict[tuple[str, Assertion], _Pending]
) -> None:
    """J44.0 stands only beside the infection it names: when the statement rule has since left
    the infection out ("COVID/flu neg" in the results), the COPD goes back to its own code, or
    to nothing when another J44 code is coded."""
    pending = billed.get("J44.0")
    if pending is None or not (pending.rationale or "").startswith(COPD_WITH_INFECTION):
        return
    if any(c.startswith(LOWER_RESPIRATORY_INFECTIONS) for c in billed):
        return
    billed.pop("J44.0")
    pending.rationale = "COPD: the infection J44.0 would name is not coded"
    if any(c.startswith("J44") for c in billed):
        _merge(excluded, ("J44.0", pending.assertion), pending)
        return
    pending.code = "J44.9"
    _merge(billed, "J44.9", pending)


def _receptor_status(
    notes: Sequence[NoteText],
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
) -> None:
    """Z17 receptor status beside a coded malignancy, one code per receptor the notes state
    (receptor_status.py); a Z17 code a lone word gave ("HER2" of "HER2-negative") gives way."""
    if not any(cancer_status.is_malignancy(c) for c in billed):
        return
    for note in notes:
        statuses = receptor_status.receptor_statuses(note.text)
        if not statuses:
            continue
        for code in [c for c in billed if c.startswith("Z17")]:
            pending = billed.pop(code)
            pending.rationale = "receptor status as the notes state it (category Z17)"
            _merge(excluded, (code, pending.assertion), pending)
        for status in statuses:
            billed[status.code] = _from_rule(
                note.note_id,
                status,
                status.code,
                0.9,
                "receptor status of the malignancy, one code per receptor (category Z17)",
                MentionCategory.STATUS,
            )
        return


_CIGARETTES = re.compile(
    r"\b(?:cigarettes?|cigs?|ppd|packs? (?:a|per) day|pack[- ]?years?|pk[- ]?yrs?)\b", re.I
)


def _nicotine_product(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """Nicotine dependence of an unspecified product (F17.20x) when the notes say cigarettes
    anywhere ("smokes 1 ppd" in the history, "smoking" in the plan): F17.21x, cigarettes."""
    if not any(_CIGARETTES.search(note.text) for note in notes):
        return
    for code in [c for c in billed if c.startswith("F17.20")]:
        cigarettes = f"F17.21{code[6:]}"
        if codeset.is_billable(cigarettes):
            pending = billed.pop(code)
            pending.code = cigarettes
            pending.rationale = (
                f"{pending.rationale}; the notes say cigarettes ({code} → {cigarettes})"
            )
            _merge(billed, cigarettes, pending)


def _sentences(pending: _Pending) -> list[str]:
    return [e.sentence or e.text for e in pending.evidence]


def _osteoporotic_fracture(
    notes: Sequence[NoteText],
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
) -> None:
    """Osteoporosis with a fracture the notes call osteoporotic/fragility/pathological: M80.0-
    in place of the traumatic fracture, the osteoporosis and an unspecified pathological one."""
    if not any(osteoporotic_fracture.said_osteoporotic(note.text) for note in notes):
        return
    found = osteoporotic_fracture.combined(billed)
    if found is None:
        return
    m80, fracture, osteoporosis = found
    sources = [billed[fracture], billed[osteoporosis]]
    for code in [
        fracture,
        osteoporosis,
        *(c for c in billed if c.startswith(osteoporotic_fracture.PATHOLOGICAL_UNSPECIFIED)),
    ]:
        pending = billed.pop(code)
        pending.rationale = f"coded in the combination {m80} (Section I.C.13.d)"
        _merge(excluded, (code, pending.assertion), pending)
    billed[m80] = _Pending(
        m80,
        Assertion.PRESENT,
        min(s.score for s in sources),
        "age-related osteoporosis with current pathological fracture: the fracture the notes call "
        "osteoporotic (Section I.C.13.d.2)",
        True,
        (),
        [e for s in sources for e in s.evidence],
    )


class _Span(Protocol):
    """Where a rule found what it codes: a span of one note's text."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


def _from_rule(
    note_id: str,
    span: _Span,
    code: str,
    score: float,
    rationale: str,
    category: MentionCategory,
    *,
    section: str | None = None,
) -> _Pending:
    """A code a guideline rule adds on what one span of a note says (the span is its evidence)."""
    evidence = Evidence(
        note_id=note_id,
        start=span.start,
        end=span.end,
        text=span.text,
        section=section,
        sentence=span.text,
    )
    return _Pending(code, Assertion.PRESENT, score, rationale, True, (), [evidence], category)


def _add_stroke_scale(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """The initial NIHSS score beside a current acute stroke (stroke_scale.py, I.C.18.e)."""
    current = [c for c, p in billed.items() if p.assertion in _CURRENT]
    if any(c.startswith("R29.7") for c in billed) or not stroke_scale.with_acute_stroke(current):
        return
    for note in notes:
        score = stroke_scale.nihss_score(note.text)
        if score is not None:
            billed[score.code] = _from_rule(
                note.note_id,
                score,
                score.code,
                0.9,
                "NIH stroke scale score beside the acute stroke (Section I.C.18.e)",
                MentionCategory.SIGN,
            )
            return


_VENOUS_ULCER = re.compile(r"\b(?:venous|stasis)\b", re.IGNORECASE)
# Codes that already name the ulcer's venous cause: varicose veins (the ulcer is theirs, I83.0-/
# I83.2-, whatever the varicose code found), venous hypertension or post-thrombotic syndrome with
# ulcer, venous insufficiency itself.
_VENOUS_CAUSES = ("I83", "I87.01", "I87.03", "I87.2", "I87.31", "I87.33")


def _venous_ulcer(billed: dict[str, _Pending]) -> None:
    """A venous or stasis ulcer of the leg (L97) without varicose veins is venous insufficiency
    I87.2 with the ulcer's L97 code (index: Ulcer, stasis, without varicose veins I87.2)."""
    if any(c.startswith(_VENOUS_CAUSES) for c in billed):
        return
    for code, pending in list(billed.items()):
        venous = any(_VENOUS_ULCER.search(e.sentence or e.text) for e in pending.evidence)
        if code.startswith("L97") and pending.assertion in _CURRENT and venous:
            billed["I87.2"] = _Pending(
                "I87.2",
                pending.assertion,
                pending.score,
                "a venous/stasis ulcer without varicose veins: venous insufficiency I87.2 "
                "with the ulcer's site and depth (L97)",
                True,
                (),
                list(pending.evidence),
            )
            return


def _add_severe_sepsis(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """R65.20 beside a sepsis whose acute organ dysfunction the note ties to it (severe_sepsis.py,
    I.C.1.d.1.a)."""
    current = {c: p for c, p in billed.items() if p.assertion in _CURRENT}
    coded = {
        code: [(e.text, e.sentence or e.text) for e in pending.evidence]
        for code, pending in current.items()
    }
    code = severe_sepsis.severe_sepsis_code(coded, (note.text for note in notes))
    if code is None:
        return
    sources = [p for c, p in current.items() if c.startswith(severe_sepsis.SEPSIS)]
    sources += [p for c, p in current.items() if c.startswith(severe_sepsis.ORGAN_DYSFUNCTION)]
    billed[code] = _Pending(
        code,
        Assertion.PRESENT,
        min(p.score for p in sources),
        "sepsis with an acute organ dysfunction the note associates with it: severe sepsis "
        "(Section I.C.1.d.1.a), without septic shock",
        True,
        (),
        [e for p in sources for e in p.evidence],
    )


def _add_external_cause(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """How the encounter's initial-encounter injury happened (Guidelines I.C.20), when a note
    tells a mechanism of the external-cause table."""
    injury = external_causes.initial_injury(billed)
    if injury is None or any(c.startswith(("V", "W", "X", "Y")) for c in billed):
        return
    found = external_causes.external_cause([note.text for note in notes], injury)
    if found is None:
        return
    index, cause = found
    billed[cause.code] = _from_rule(
        notes[index].note_id,
        cause,
        cause.code,
        0.85,
        f"external cause of {injury} as the note tells it (Section I.C.20)",
        MentionCategory.DIAGNOSIS,
    )


# Codes a documented poisoning makes redundant: the suicide attempt (T14.91) is the poisoning's
# intent character, a toxic effect of an unspecified substance (T65.9-) its drug left unnamed.
_SUPERSEDED_BY_POISONING = ("T14.91", "T65.9")


def _add_poisonings(
    notes: Sequence[NoteText],
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
) -> None:
    """An overdose or poisoning of a drug the notes name (Section I.C.19.e.5.b): the drug class's
    poisoning code with the documented intent, in place of a bare suicide attempt or toxic effect
    of an unspecified substance."""
    found = adverse_effects.poisonings([n.text for n in notes])
    for poisoning in found:
        note = notes[poisoning.note_index]
        billed.setdefault(
            poisoning.code,
            _from_rule(
                note.note_id,
                poisoning,
                poisoning.code,
                0.85,
                "poisoning by the drug the note names, with its documented intent "
                "(Section I.C.19.e.5.b)",
                MentionCategory.DIAGNOSIS,
            ),
        )
    if not found:
        return
    for code in [c for c in billed if c.startswith(_SUPERSEDED_BY_POISONING)]:
        pending = billed.pop(code)
        pending.rationale = (
            "the poisoning code names the drug and the intent (Section I.C.19.e.5.b): "
            "not coded beside it"
        )
        _merge(excluded, (code, pending.assertion), pending)


def _add_adverse_effects(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """The drug class of an adverse effect the notes tie to a drug (Section I.C.19.e.5.a),
    beside the effect a diagnosis of this encounter codes."""
    if not any(not c.startswith(("Z", "V", "W", "X", "Y", "T")) for c in billed):
        return
    poisoned = {c[:5] for c in billed if c.startswith("T")}  # a class overdosed is no effect
    for effect in adverse_effects.adverse_effects([n.text for n in notes]):
        if effect.code[:5] in poisoned:
            continue
        note = notes[effect.note_index]
        billed.setdefault(
            effect.code,
            _from_rule(
                note.note_id,
                effect,
                effect.code,
                0.85,
                "adverse effect of a drug taken as prescribed, beside its effect (I.C.19.e.5.a)",
                MentionCategory.MEDICATION,
            ),
        )


# Routine examinations (general adult, well child, sports/administrative): their findings are
# what the provider identifies in the assessment (Section I.C.21.c.13).
_ROUTINE_EXAMS = ("Z00.0", "Z00.1", "Z02")


def _routine_exam_findings(
    notes: Sequence[NoteText],
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
) -> None:
    """At a routine examination, a sign or symptom told only outside the diagnostic statement
    (the interval history's "picky eater", a review of systems) is no finding the provider
    identified: not coded, and not what makes the exam one "with abnormal findings"."""
    reasons = encounter_reasons.encounter_reasons([n.text for n in notes], list(billed))
    if not any(r.code.startswith(_ROUTINE_EXAMS) for r in reasons):
        return
    for code in [c for c in billed if c.startswith("R")]:
        pending = billed[code]
        if not diagnostic_statement.needs_the_statement(code):
            continue
        if diagnostic_statement.in_statement(e.section for e in pending.evidence):
            continue
        billed.pop(code)
        pending.rationale = (
            "a sign or symptom told outside the assessment of a routine examination: not a "
            "finding the provider identified (Section I.C.21.c.13)"
        )
        _merge(excluded, (code, pending.assertion), pending)


def _add_encounter_reasons(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """The exam or treatment the visit is for (Section I.C.21.c), when the notes say it."""
    for reason in encounter_reasons.encounter_reasons([n.text for n in notes], list(billed)):
        note = notes[reason.note_index]
        billed.setdefault(
            reason.code,
            _from_rule(
                note.note_id,
                reason,
                reason.code,
                0.85,
                "the reason for this encounter as the note names it (Section I.C.21.c)",
                MentionCategory.STATUS,
            ),
        )


def _add_status_codes(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """Statuses, aftercare and follow-up the notes state (data/status_codes.tsv: Z43, Z46.6,
    Z08, Z93, Z95, Z99), and Alzheimer's disease with its dementia (G30 + F02.8x)."""
    finder = clinical_pipeline().section_finder
    sections = [finder.sections(note.text) for note in notes]

    def not_the_patients(index: int, offset: int) -> bool:
        section = section_at(sections[index], offset)
        return section is not None and section.category in _NOT_THE_PATIENTS_DRUGS

    for found in status_codes([n.text for n in notes], list(billed), not_the_patients):
        note = notes[found.note_index]
        pending = _from_rule(
            note.note_id,
            found,
            found.code,
            0.85,
            "a status, aftercare or follow-up the note states (Section I.C.21.c)",
            MentionCategory.STATUS,
        )
        if found.family != "alzheimer":
            billed.setdefault(found.code, pending)
            continue
        for code in [c for c in billed if c.startswith("G30") and c != found.code]:
            pending.absorb(billed.pop(code))
        pending.rationale = "Alzheimer's disease, coded first for its dementia (I.C.5.d)"
        pending.category = MentionCategory.DIAGNOSIS
        _merge(billed, found.code, pending)
        clause = re.split(r"[.;\n]", note.text[found.start :], maxsplit=1)[0]
        dementia = alzheimer_dementia(list(billed), [n.text for n in notes], clause)
        if dementia is None:
            continue
        code, replaces = dementia
        for old in replaces:
            moved = billed.pop(old)
            moved.rationale = f"{moved.rationale}; dementia in Alzheimer's disease ({old} → {code})"
            moved.code = code
            _merge(billed, code, moved)
        if code not in billed:
            billed.setdefault(
                code,
                _from_rule(
                    note.note_id,
                    found,
                    code,
                    0.85,
                    "dementia in Alzheimer's disease, beside its G30 code (I.C.5.d)",
                    MentionCategory.DIAGNOSIS,
                ),
            )


def _add_immunization(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """Z23 when a note says a vaccine was given at this encounter (Section I.C.21.c.2)."""
    for note in notes:
        given = immunization.vaccine_administered(note.text)
        if given is None:
            continue
        billed[immunization.CODE] = _from_rule(
            note.note_id,
            given,
            immunization.CODE,
            0.9,
            "a vaccine given at this encounter: encounter for immunization (Section I.C.21.c.2)",
            MentionCategory.STATUS,
        )
        return


def _add_bmi(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """The Z68 code of the last BMI the notes give, beside an obesity or weight diagnosis
    (Guidelines I.B.14: "use additional code to identify body mass index")."""
    if not bmi.reportable(billed) or any(c.startswith("Z68") for c in billed):
        return
    found = [(note, value) for note in notes for value in bmi.bmi_values(note.text)]
    if not found:
        return
    note, value = found[-1]
    code = bmi.bmi_code(value.value)
    billed[code] = _from_rule(
        note.note_id,
        value,
        code,
        0.95,
        "body mass index beside the weight diagnosis it qualifies (Section I.B.14)",
        MentionCategory.STATUS,
    )


def _add_delivery(
    notes: Sequence[NoteText],
    billed: dict[str, _Pending],
    excluded: dict[tuple[str, Assertion], _Pending],
) -> None:
    """A delivery's outcome (Z37), its complications by the notes' forms, and O80 only for an
    uncomplicated one (delivery.py, Guidelines I.C.15.n)."""
    finder = clinical_pipeline().section_finder
    for note in notes:
        found = delivery.delivery_codes(note.text)
        if not found:
            continue
        sections = finder.sections(note.text)

        _add_found(note.note_id, sections, found, billed)
        dropped: list[tuple[str, str]] = []
        if any(c.startswith("O72") for c in billed) and delivery.ATONY_IN_LABOUR in billed:
            dropped.append((delivery.ATONY_IN_LABOUR, "atony with a postpartum hemorrhage: O72.1"))
        others = [c for c in billed if c.startswith("O") and c != delivery.SVD]
        svd = delivery.uncomplicated_vaginal(note.text, bool(others))
        _add_found(note.note_id, sections, svd, billed)
        if not svd and delivery.SVD in billed:
            dropped.append((delivery.SVD, "O80 is never coded beside another Chapter 15 code"))
        for code, why in dropped:
            pending = billed.pop(code)
            pending.rationale = why
            _merge(excluded, (code, pending.assertion), pending)
        return


def _add_found(
    note_id: str,
    sections: list[Section],
    items: Sequence[delivery.Found],
    billed: dict[str, _Pending],
) -> None:
    for item in items:
        section = section_at(sections, item.start)
        pending = _from_rule(
            note_id,
            item,
            item.code,
            0.9,
            item.why,
            MentionCategory.DIAGNOSIS,
            section=section.category if section else None,
        )
        _merge(billed, item.code, pending)


def _add_gestation(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """Weeks of gestation (Z3A) beside a pregnancy code (Guidelines I.C.15.b.4)."""
    if not gestation.reportable(billed) or any(c.startswith("Z3A") for c in billed):
        return
    for note in notes:
        age = gestation.gestational_age(note.text)
        if age is None:
            continue
        code = gestation.weeks_code(age.weeks)
        billed[code] = _from_rule(
            note.note_id,
            age,
            code,
            0.95,
            "weeks of gestation beside the pregnancy code (Section I.C.15.b.4)",
            MentionCategory.STATUS,
        )
        return


_NOT_THE_PATIENTS_DRUGS = frozenset({"allergies", "family_history"})


def _add_long_term_drugs(notes: Sequence[NoteText], billed: dict[str, _Pending]) -> None:
    """Z79 long-term drug therapy from the drugs the notes say are taken (the medication list
    included), beside the encounter's diagnoses."""
    finder = clinical_pipeline().section_finder
    coded = set(billed)
    for note in notes:
        sections = finder.sections(note.text)
        for use in drug_uses(note.text):
            section = section_at(sections, use.start)
            if section is not None and section.category in _NOT_THE_PATIENTS_DRUGS:
                continue
            if not applies(use, coded):
                continue
            pending = _from_rule(
                note.note_id,
                use,
                use.code,
                0.9,
                f"long-term (current) use of {use.text.lower()} (Section I.C.21.c.3)",
                MentionCategory.MEDICATION,
                section=section.category if section else None,
            )
            _merge(billed, use.code, pending)


def _merge(into: dict[_K, _Pending], key: _K, pending: _Pending) -> None:
    if key in into:
        into[key].absorb(pending)
    else:
        into[key] = pending


def _settle_encounter(
    billed: dict[str, _Pending], excluded: dict[tuple[str, Assertion], _Pending]
) -> None:
    kidney = [
        e.sentence or e.text for c, p in billed.items() if c.startswith("N18") for e in p.evidence
    ]
    for combination in combination_codes(
        billed, kidney_not_diabetic=kidney_disease_not_diabetic(kidney)
    ):
        sources = [billed[c] for c in combination.because_of if c in billed]
        pending = _Pending(
            combination.code,
            Assertion.PRESENT,
            min(s.score for s in sources),
            combination.rationale,
            True,
            (),
            [e for s in sources for e in s.evidence],
        )
        billed[combination.code] = pending
        for replaced in combination.replaces:
            billed.pop(replaced, None)
    for code, typed in diabetes_type_renames(billed).items():
        pending = billed.pop(code)
        pending.code = typed
        pending.rationale = f"{pending.rationale}; type 1 diabetes as documented ({code} → {typed})"
        _merge(billed, typed, pending)
    for code in superseded_defaults(billed):
        billed.pop(code, None)
    for code in [c for c, p in billed.items() if _too_generic(p)]:
        pending = billed.pop(code)
        pending.rationale = "a single generic word names no condition a coder could report"
        _merge(excluded, (code, pending.assertion), pending)
    current = [c for c, p in billed.items() if p.assertion in _CURRENT]
    for code in list(billed):
        explained_by = explaining_diagnosis(code, current)
        if explained_by is not None:
            pending = billed.pop(code)
            pending.rationale = (
                f"integral to {explained_by} ({codeset.description(explained_by)}): a symptom "
                "routinely part of a confirmed diagnosis is not coded (Section I.B.5)"
            )
            _merge(excluded, (code, pending.assertion), pending)


# Codes a lone generic word falls to, and which lone words: never reported on that word alone.
# R69 from any single word ("illness", "disease"); Z71.9 from a bare "counseling" (the subject
# of the counseling is what a coder codes: Z71.3, Z71.6…). ("painful" before the noun it
# qualifies — "painful swallowing" — is another sense: data/other_senses.tsv.) ("pain" → R52
# and "wound" → T14 stay:
# alone they may be all a note says; beside the diagnosis or injury that explains them they go by
# the integral-symptom and superseded tables.)
_GENERIC_WORDS: dict[str, frozenset[str] | None] = {
    "R69": None,
    "Z71.9": None,
}


def _too_generic(pending: _Pending) -> bool:
    for prefix, words in _GENERIC_WORDS.items():
        if pending.code.startswith(prefix):
            return all(
                len(e.text.split()) == 1 and (words is None or e.text.lower() in words)
                for e in pending.evidence
            )
    return False


def _order(pending: _Pending) -> tuple[int, str]:
    first = min((e.start for e in pending.evidence), default=0)
    return first, pending.code


def _mention(note_id: str, found: FoundMention, candidates: tuple[CodeCandidate, ...]) -> Mention:
    top = candidates[0] if candidates else None
    score = top.score if top else 0.0
    category = mention_category(top.code if top else "", found.text, found.section)
    return Mention(
        note_id=note_id,
        start=found.start,
        end=found.end,
        text=found.text,
        category=category,
        assertion=found.assertion,
        score=round(score, 3),
        traits=mention_traits(category, score, found.traits),
        section=found.section,
        candidates=candidates,
    )
