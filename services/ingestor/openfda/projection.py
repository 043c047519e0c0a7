"""Raw openFDA drug/event reports → the compact :class:`FaersCase` the analyzer needs.

This is also where the scope check happens. openFDA's full-text matching can return reports that
do not list the product (an unquoted NDC is tokenised, "50242-051" matching any "051"), so every
report is checked to carry the product in a drug entry's harmonised ``openfda`` block: one of the
product codes in ``product_ndc`` (NDC scope), the ingredient in ``substance_name`` or
``generic_name`` (ingredient scope), the brand in ``brand_name`` (brand scope). Reports whose drug
entries carry no harmonised block at all cannot be checked and are counted apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from shared.events.cer import CerRequest, DrugScope, ProductIdentification
from shared.events.faers_case import (
    DrugRole,
    FaersCase,
    PatientSex,
    Reaction,
    ReactionOutcome,
    ReporterQualification,
    ReportType,
    SeriousnessCriterion,
)

_ROLES = {"1": DrugRole.SUSPECT, "2": DrugRole.CONCOMITANT, "3": DrugRole.INTERACTING}
# A product both suspect and concomitant in one report is reported as suspect.
_ROLE_RANK = {DrugRole.SUSPECT: 0, DrugRole.INTERACTING: 1, DrugRole.CONCOMITANT: 2}
_SEX = {"1": PatientSex.MALE, "2": PatientSex.FEMALE}
_OUTCOMES = {
    "1": ReactionOutcome.RECOVERED,
    "2": ReactionOutcome.RECOVERING,
    "3": ReactionOutcome.NOT_RECOVERED,
    "4": ReactionOutcome.RECOVERED_WITH_SEQUELAE,
    "5": ReactionOutcome.FATAL,
    "6": ReactionOutcome.UNKNOWN,
}
_REPORT_TYPES = {
    "1": ReportType.SPONTANEOUS,
    "2": ReportType.STUDY,
    "3": ReportType.OTHER,
    "4": ReportType.NOT_AVAILABLE,
}
_AGE_GROUPS = {
    "1": "neonate",
    "2": "infant",
    "3": "child",
    "4": "adolescent",
    "5": "adult",
    "6": "elderly",
}
# patientonsetageunit (E2B): 800 decade, 801 year, 802 month, 803 week, 804 day, 805 hour.
_YEARS_PER_UNIT = {
    "800": 10.0,
    "801": 1.0,
    "802": 1 / 12,
    "803": 7 / 365.25,
    "804": 1 / 365.25,
    "805": 1 / (365.25 * 24),
}
_QUALIFICATIONS = {
    "1": ReporterQualification.PHYSICIAN,
    "2": ReporterQualification.PHARMACIST,
    "3": ReporterQualification.OTHER_HEALTH_PROFESSIONAL,
    "4": ReporterQualification.LAWYER,
    "5": ReporterQualification.CONSUMER,
}
_CASE_EVENT_DATE = re.compile(r"CASE EVENT DATE:\s*(\d{8})\b")
_MAX_NAMES = 10
_MAX_OTHER_DRUGS = 20
_SERIOUSNESS_FIELDS = {
    "seriousnessdeath": SeriousnessCriterion.DEATH,
    "seriousnesslifethreatening": SeriousnessCriterion.LIFE_THREATENING,
    "seriousnesshospitalization": SeriousnessCriterion.HOSPITALISATION,
    "seriousnessdisabling": SeriousnessCriterion.DISABILITY,
    "seriousnesscongenitalanomali": SeriousnessCriterion.CONGENITAL_ANOMALY,
    "seriousnessother": SeriousnessCriterion.OTHER,
}


class NdcCheck(Enum):
    LISTED = "listed"
    NOT_LISTED = "not_listed"
    NO_OPENFDA = "no_openfda"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _drugs(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    patient = report.get("patient")
    drugs = patient.get("drug") if isinstance(patient, Mapping) else None
    return [d for d in drugs if isinstance(d, Mapping)] if isinstance(drugs, list) else []


def _openfda(drug: Mapping[str, Any]) -> Mapping[str, Any] | None:
    block = drug.get("openfda")
    return block if isinstance(block, Mapping) and block else None


def _upper_values(block: Mapping[str, Any], *keys: str) -> set[str]:
    return {
        " ".join(str(v).split()).upper()
        for key in keys
        for v in block.get(key) or ()
        if isinstance(v, str)
    }


@dataclass(frozen=True)
class ScopeMatcher:
    """Decides whether a drug entry is the requested product, from its harmonised block."""

    scope: DrugScope
    values: frozenset[str]

    @classmethod
    def for_request(cls, request: CerRequest) -> ScopeMatcher:
        if request.scope is DrugScope.NDC:
            return cls(DrugScope.NDC, frozenset(request.product_ndcs))
        return cls(request.scope, frozenset({request.searched.upper()}))

    @classmethod
    def for_ndcs(cls, product_ndcs: Iterable[str]) -> ScopeMatcher:
        return cls(DrugScope.NDC, frozenset(product_ndcs))

    def matches(self, drug: Mapping[str, Any]) -> bool:
        block = _openfda(drug)
        if block is None:
            return False
        match self.scope:
            case DrugScope.NDC:
                listed = {v for v in block.get("product_ndc") or () if isinstance(v, str)}
            case DrugScope.INGREDIENT:
                listed = _upper_values(block, "substance_name", "generic_name")
            case DrugScope.BRAND:
                listed = _upper_values(block, "brand_name")
        return bool(self.values & listed)


def matching_drug_entries(
    report: Mapping[str, Any], scope: ScopeMatcher | Iterable[str]
) -> list[Mapping[str, Any]]:
    """The report's drug entries that are the product (``scope``, or product NDCs)."""
    matcher = scope if isinstance(scope, ScopeMatcher) else ScopeMatcher.for_ndcs(scope)
    return [drug for drug in _drugs(report) if matcher.matches(drug)]


def check_ndc(report: Mapping[str, Any], scope: ScopeMatcher | Iterable[str]) -> NdcCheck:
    """Whether the report really lists the product, or cannot be checked (no ``openfda`` block)."""
    if matching_drug_entries(report, scope):
        return NdcCheck.LISTED
    if not any(_openfda(drug) for drug in _drugs(report)):
        return NdcCheck.NO_OPENFDA
    return NdcCheck.NOT_LISTED


def _full_date(value: Any) -> date | None:
    text = _text(value)
    if text is None or len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _age_years(patient: Mapping[str, Any]) -> float | None:
    try:
        age = float(patient.get("patientonsetage"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    per_unit = _YEARS_PER_UNIT.get(_text(patient.get("patientonsetageunit")) or "")
    if per_unit is None or age < 0:
        return None
    years = age * per_unit
    # Ages past any human lifespan are data-entry errors (months typed as years): unknown.
    return round(years, 4) if years <= 150 else None


def _role(entries: Sequence[Mapping[str, Any]]) -> DrugRole:
    roles = [_ROLES.get(_text(d.get("drugcharacterization")) or "") for d in entries]
    known = [r for r in roles if r is not None]
    return min(known, key=_ROLE_RANK.__getitem__) if known else DrugRole.UNKNOWN


def _reactions(patient: Mapping[str, Any]) -> tuple[Reaction, ...]:
    raw = patient.get("reaction")
    reactions = []
    for item in raw if isinstance(raw, list) else []:
        pt = _text(item.get("reactionmeddrapt")) if isinstance(item, Mapping) else None
        if pt:
            outcome = _OUTCOMES.get(_text(item.get("reactionoutcome")) or "")
            reactions.append(Reaction(pt=pt[:200], outcome=outcome))
    return tuple(reactions)


def _names(values: Iterable[Any], limit: int) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        text = _text(value)
        if text:
            seen.setdefault(" ".join(text.split())[:100], None)
    return tuple(seen)[:limit]


def _other_drugs(
    report: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], roles: set[str]
) -> tuple[str, ...]:
    mine = {id(entry) for entry in entries}
    products = {(_text(e.get("medicinalproduct")) or "").upper() for e in entries}
    return _names(
        (
            drug.get("medicinalproduct")
            for drug in _drugs(report)
            if id(drug) not in mine
            and _text(drug.get("drugcharacterization")) in roles
            and (_text(drug.get("medicinalproduct")) or "").upper() not in products
        ),
        _MAX_OTHER_DRUGS,
    )


def _event_date(patient: Mapping[str, Any]) -> date | None:
    summary = patient.get("summary")
    text = summary.get("narrativeincludeclinical") if isinstance(summary, Mapping) else None
    match = _CASE_EVENT_DATE.search(text) if isinstance(text, str) else None
    return _full_date(match.group(1)) if match else None


def _report_version(value: Any) -> int | None:
    text = _text(value)
    return int(text) if text and text.isdigit() and len(text) < 6 else None


def _duplicate_numbers(report: Mapping[str, Any]) -> tuple[str, ...]:
    raw = report.get("reportduplicate")
    items = raw if isinstance(raw, list) else [raw]
    return _names(
        (item.get("duplicatenumb") for item in items if isinstance(item, Mapping)), _MAX_NAMES
    )


def project_case(report: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> FaersCase:
    """The compact projection of one report; ``entries`` are its drug entries for the product."""
    patient = report.get("patient")
    patient = patient if isinstance(patient, Mapping) else {}
    serious = _text(report.get("serious"))
    source = report.get("primarysource")
    qualification = _text(source.get("qualification")) if isinstance(source, Mapping) else None
    starts = [d for e in entries if (d := _full_date(e.get("drugstartdate"))) is not None]
    return FaersCase(
        safetyreportid=_text(report.get("safetyreportid")) or "unknown",
        receivedate=_full_date(report.get("receivedate")),
        serious={"1": True, "2": False}.get(serious or ""),
        seriousness=tuple(
            criterion
            for name, criterion in _SERIOUSNESS_FIELDS.items()
            if _text(report.get(name)) == "1"
        ),
        sex=_SEX.get(_text(patient.get("patientsex")) or "", PatientSex.UNKNOWN),
        age_years=_age_years(patient),
        age_group_reported=_AGE_GROUPS.get(_text(patient.get("patientagegroup")) or ""),
        role=_role(entries),
        reactions=_reactions(patient),
        report_type=_REPORT_TYPES.get(_text(report.get("reporttype")) or ""),
        country=_text(report.get("occurcountry")) or _text(report.get("primarysourcecountry")),
        reporter_qualification=_QUALIFICATIONS.get(qualification or ""),
        report_version=_report_version(report.get("safetyreportversion")),
        company_number=(_text(report.get("companynumb")) or "")[:100] or None,
        duplicate_numbers=_duplicate_numbers(report),
        products=_names((e.get("medicinalproduct") for e in entries), _MAX_NAMES),
        indications=_names((e.get("drugindication") for e in entries), _MAX_NAMES),
        co_suspects=_other_drugs(report, entries, {"1", "3"}),
        concomitants=_other_drugs(report, entries, {"2"}),
        event_date=_event_date(patient),
        drug_start_date=min(starts) if starts else None,
    )


@dataclass
class ProjectionTally:
    """Running result of projecting the pages of one product search."""

    scope: ScopeMatcher
    cases: list[FaersCase] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)
    dropped_ndc_mismatch: int = 0
    missing_openfda: int = 0
    duplicates: int = 0
    _entries: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def processed(self) -> int:
        """Reports looked at so far, kept or not."""
        return len(self.cases) + self.dropped_ndc_mismatch + self.missing_openfda + self.duplicates

    def add(self, report: Mapping[str, Any]) -> None:
        """Check one returned report and keep its projection if it lists the product."""
        entries = matching_drug_entries(report, self.scope)
        if not entries:
            if check_ndc(report, self.scope) is NdcCheck.NO_OPENFDA:
                self.missing_openfda += 1
            else:
                self.dropped_ndc_mismatch += 1
            return
        case = project_case(report, entries)
        if case.safetyreportid in self.seen_ids:
            self.duplicates += 1  # a page boundary moved under us: count each report once
            return
        self.seen_ids.add(case.safetyreportid)
        self.cases.append(case)
        self._entries.extend(entries)

    def product(self, request: CerRequest) -> ProductIdentification:
        """What the matched drug entries' ``openfda`` blocks say about the product."""

        def values(key: str) -> tuple[str, ...]:
            seen: dict[str, None] = {}
            for entry in self._entries:
                block = _openfda(entry) or {}
                for value in block.get(key) or ():
                    if isinstance(value, str) and value.strip():
                        seen.setdefault(value.strip(), None)
            return tuple(seen)

        listed = values("product_ndc")
        matched = tuple(n for n in request.product_ndcs if n in set(listed))
        return ProductIdentification(
            scope=request.scope,
            searched=request.searched,
            ndc=request.ndc,
            ndc_input=request.ndc_input,
            product_ndcs=request.product_ndcs,
            matched_product_ndcs=matched,
            listed_product_ndcs=tuple(sorted(listed)),
            brand_names=values("brand_name"),
            generic_names=values("generic_name"),
            substance_names=values("substance_name"),
            manufacturer_names=values("manufacturer_name"),
            routes=values("route"),
            product_types=values("product_type"),
            application_numbers=values("application_number"),
            pharm_classes=values("pharm_class_epc"),
        )
