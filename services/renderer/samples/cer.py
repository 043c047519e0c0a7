"""A sample drug-safety analysis: Trulicity (dulaglutide), NDC 0002-1433, FAERS 2021–2024.

Product, NDC, MedDRA terms and openFDA query syntax are real; the counts are synthetic but
consistent (the 2×2 tables, ratios and totals agree with each other), so the sample PDF reads like
a real one. The ratios are computed here only to make the sample coherent; the analyzer owns the
real statistics. The EBGM columns were computed once by the analyzer's MGPS with the prior of
openEBGM's worked example and are written here as constants; the case listing's cases are
invented.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from urllib.parse import urlencode
from uuid import UUID

from shared.events.cer import (
    NO_DENOMINATOR_NOTICE,
    SIGNAL_PRESET_CRITERIA,
    SIGNAL_PRESET_LABELS,
    Z_95,
    CategoryCount,
    CerAnalysis,
    CerRequest,
    CerTotals,
    DisproportionalityRow,
    EbgmEstimate,
    EbgmPrior,
    EventRow,
    InformationComponent,
    Narrative,
    OpenFdaSource,
    PresetCriteria,
    ProductIdentification,
    QuarterCount,
    QueryPurpose,
    QueryRecord,
    RatioEstimate,
    ReportingPeriod,
    SeriousnessSummary,
    SignalChanges,
    SignalPreset,
    TrendAlert,
    TrendSummary,
    TwoByTwo,
)
from shared.events.faers_case import CaseListingRow, DrugRole

_BASE = "https://api.fda.gov"
_WINDOW = "receivedate:[20210101 TO 20241231]"
_NDC_SEARCH = f'patient.drug.openfda.product_ndc.exact:"0002-1433" AND {_WINDOW}'
_PRODUCT_REPORTS = 1310
"""Reports openFDA matches for the product in the window (a + b of every 2×2 table)."""
_DATABASE_REPORTS = 7_184_553

# (preferred term, reports, serious, fatal outcome, reports of the term in the whole database)
_EVENTS = (
    ("Nausea", 248, 41, 0, 182_400),
    ("Vomiting", 163, 38, 0, 121_300),
    ("Diarrhoea", 141, 22, 0, 140_200),
    ("Drug ineffective", 97, 9, 0, 265_000),
    ("Injection site pain", 84, 3, 0, 61_200),
    ("Blood glucose increased", 79, 12, 0, 24_800),
    ("Decreased appetite", 71, 14, 0, 52_100),
    ("Weight decreased", 66, 10, 0, 58_900),
    ("Abdominal pain upper", 58, 11, 0, 47_300),
    ("Fatigue", 52, 8, 0, 198_700),
    ("Constipation", 47, 6, 0, 41_200),
    ("Headache", 44, 4, 0, 150_800),
    ("Dizziness", 39, 7, 0, 118_400),
    ("Pancreatitis", 31, 29, 1, 14_900),
    ("Dyspepsia", 28, 3, 0, 18_100),
    ("Abdominal distension", 25, 2, 0, 27_600),
    ("Eructation", 21, 1, 0, 2_950),
    ("Injection site bruising", 19, 0, 0, 12_300),
    ("Device malfunction", 18, 1, 0, 33_800),
    ("Gastrooesophageal reflux disease", 17, 3, 0, 19_900),
    ("Malaise", 16, 4, 0, 96_500),
    ("Dehydration", 15, 12, 0, 46_500),
    ("Acute kidney injury", 12, 12, 1, 71_200),
    ("Cholelithiasis", 9, 8, 0, 7_800),
    ("Death", 6, 6, 6, 215_000),
)
_QUARTERS = (49, 54, 58, 63, 66, 71, 75, 79, 85, 88, 93, 97, 102, 104, 89, 85)
_SERIOUS_BY_QUARTER = (16, 17, 19, 20, 21, 23, 24, 25, 28, 29, 31, 32, 34, 35, 32, 26)
_INTERVAL_SHARE = sum(_QUARTERS[-4:]) / sum(_QUARTERS)
"""The reporting interval is 2024 (the last four quarters)."""
_EBGM = {
    "Eructation": (25.332, 17.872, 35.064),
    "Blood glucose increased": (16.611, 13.801, 19.854),
    "Pancreatitis": (10.829, 8.091, 14.25),
    "Nausea": (7.449, 6.705, 8.255),
    "Vomiting": (7.358, 6.463, 8.348),
    "Injection site pain": (7.499, 6.259, 8.923),
    "Decreased appetite": (7.442, 6.112, 8.984),
    "Dyspepsia": (8.29, 6.074, 11.07),
    "Injection site bruising": (8.169, 5.571, 11.54),
    "Abdominal pain upper": (6.705, 5.373, 8.263),
    "Diarrhoea": (5.504, 4.769, 6.318),
    "Weight decreased": (6.129, 4.964, 7.475),
    "Constipation": (6.224, 4.831, 7.867),
    "Abdominal distension": (4.645, 3.094, 6.676),
    "Cholelithiasis": (5.32, 2.399, 9.771),
    "Gastrooesophageal reflux disease": (4.084, 2.478, 6.538),
    "Device malfunction": (2.476, 1.662, 3.632),
    "Drug ineffective": (1.963, 1.658, 2.311),
    "Dizziness": (1.727, 1.324, 2.221),
    "Headache": (1.549, 1.207, 1.965),
    "Fatigue": (1.404, 1.115, 1.749),
    "Dehydration": (1.596, 1.046, 2.355),
    "Malaise": (0.899, 0.598, 1.31),
    "Acute kidney injury": (0.909, 0.57, 1.391),
    "Death": (0.183, 0.097, 0.321),
}


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _ratios(table: TwoByTwo) -> tuple[RatioEstimate, RatioEstimate, float, InformationComponent]:
    """PRR, ROR (95% CI, log-normal), χ² with Yates' correction, IC (Norén's approximation)."""
    a, b, c, d = table.a, table.b, table.c, table.d
    n = a + b + c + d
    prr = (a / (a + b)) / (c / (c + d))
    prr_se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    ror = (a * d) / (b * c)
    ror_se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    chi = n * (abs(a * d - b * c) - n / 2) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    expected = (a + b) * (a + c) / n
    ic = math.log2((a + 0.5) / (expected + 0.5))
    return (
        RatioEstimate(
            value=prr, lower=prr * math.exp(-Z_95 * prr_se), upper=prr * math.exp(Z_95 * prr_se)
        ),
        RatioEstimate(
            value=ror, lower=ror * math.exp(-Z_95 * ror_se), upper=ror * math.exp(Z_95 * ror_se)
        ),
        chi,
        InformationComponent(
            value=ic,
            ic025=ic - 3.3 * (a + 0.5) ** -0.5 - 2 * (a + 0.5) ** -1.5,
            ic975=ic + 2.4 * (a + 0.5) ** -0.5 - 0.5 * (a + 0.5) ** -1.5,
        ),
    )


def _disproportionality() -> tuple[DisproportionalityRow, ...]:
    rows = []
    for term, a, _serious, _fatal, database in _EVENTS:
        table = TwoByTwo(
            a=a,
            b=_PRODUCT_REPORTS - a,
            c=database - a,
            d=_DATABASE_REPORTS - _PRODUCT_REPORTS - database + a,
        )
        prr, ror, chi, ic = _ratios(table)
        evans = prr.value >= 2 and chi >= 4 and a >= 3
        presets = tuple(
            preset
            for preset, met in (
                (SignalPreset.EVANS, evans),
                (SignalPreset.EMA, prr.lower >= 1 and a >= 5),
                (SignalPreset.IC025, ic.ic025 > 0),
            )
            if met
        )
        rows.append(
            DisproportionalityRow(
                pt=term,
                table=table,
                haldane=False,
                expected=(table.a + table.b) * (table.a + table.c) / _DATABASE_REPORTS,
                prr=prr,
                ror=ror,
                chi_square_yates=chi,
                ic=ic,
                presets_met=presets,
                signal=evans,
                ebgm=EbgmEstimate(ebgm=_EBGM[term][0], eb05=_EBGM[term][1], eb95=_EBGM[term][2]),
            )
        )
    return tuple(sorted(rows, key=lambda r: (not r.signal, -r.ror.lower)))


def _queries() -> tuple[QueryRecord, ...]:
    def url(**params: str | int) -> str:
        return f"{_BASE}/drug/event.json?{urlencode(params)}"

    reaction = "patient.reaction.reactionmeddrapt.exact"
    return (
        QueryRecord(
            purpose=QueryPurpose.PRODUCT_REPORTS,
            search=_NDC_SEARCH,
            sort="receivedate:desc",
            limit=1000,
            url=url(search=_NDC_SEARCH, sort="receivedate:desc", limit=1000),
            total=_PRODUCT_REPORTS,
            pages=2,
        ),
        QueryRecord(
            purpose=QueryPurpose.PRODUCT_EVENT_COUNTS,
            search=_NDC_SEARCH,
            count=reaction,
            limit=1000,
            url=url(search=_NDC_SEARCH, count=reaction, limit=1000),
        ),
        QueryRecord(
            purpose=QueryPurpose.DATABASE_TOTAL,
            search=_WINDOW,
            limit=1,
            url=url(search=_WINDOW, limit=1),
            total=_DATABASE_REPORTS,
            from_cache=True,
        ),
        QueryRecord(
            purpose=QueryPurpose.DATABASE_EVENT_COUNTS,
            search=_WINDOW,
            count=reaction,
            limit=1000,
            url=url(search=_WINDOW, count=reaction, limit=1000),
            from_cache=True,
        ),
        QueryRecord(
            purpose=QueryPurpose.EVENT_TOTAL,
            search=f'{reaction}:"ERUCTATION" AND {_WINDOW}',
            limit=1,
            url=url(search=f'{reaction}:"ERUCTATION" AND {_WINDOW}', limit=1),
            total=2_950,
        ),
    )


def _interval(count: int) -> int:
    return round(count * _INTERVAL_SHARE)


def _categories(pairs: tuple[tuple[str, str, int], ...], total: int) -> tuple[CategoryCount, ...]:
    return tuple(
        CategoryCount(
            category=c,
            label=label,
            reports=n,
            share=_share(n, total),
            interval_reports=_interval(n),
        )
        for c, label, n in pairs
    )


def _seriousness(analysed: int, serious: int) -> SeriousnessSummary:
    return SeriousnessSummary(
        serious=serious,
        non_serious=analysed - serious,
        interval_serious=sum(_SERIOUS_BY_QUARTER[-4:]),
        interval_non_serious=sum(_QUARTERS[-4:]) - sum(_SERIOUS_BY_QUARTER[-4:]),
        criteria=_categories(
            (
                ("death", "Death", 6),
                ("life_threatening", "Life-threatening", 14),
                ("hospitalisation", "Hospitalisation (initial or prolonged)", 187),
                ("disability", "Disability", 21),
                ("congenital_anomaly", "Congenital anomaly", 0),
                ("other", "Other medically important condition", 268),
            ),
            analysed,
        ),
        reaction_outcomes=_categories(
            (
                ("recovered", "Recovered/resolved", 298),
                ("recovering", "Recovering/resolving", 121),
                ("not_recovered", "Not recovered/not resolved", 356),
                ("recovered_with_sequelae", "Recovered with sequelae", 12),
                ("fatal", "Fatal", 6),
                ("unknown", "Unknown", 611),
            ),
            analysed,
        ),
    )


def sample_cer_analysis(previous: bool = True) -> CerAnalysis:
    """The sample CER; ``previous=False`` makes it the first report for the product."""
    analysed = sum(_QUARTERS)
    serious = sum(_SERIOUS_BY_QUARTER)
    rows = _disproportionality()
    signals = [r.pt for r in rows if r.signal]
    preset = PresetCriteria(
        preset=SignalPreset.EVANS,
        label=SIGNAL_PRESET_LABELS[SignalPreset.EVANS],
        criteria=SIGNAL_PRESET_CRITERIA[SignalPreset.EVANS],
    )
    return CerAnalysis(
        request=CerRequest(
            ndc="00002-1433-80", ndc_input="0002-1433-80", product_ndcs=("0002-1433",),
            since=date(2021, 1, 1), until=date(2024, 12, 31),
        ),
        product=_product(),
        source=_source(),
        queries=_queries(),
        period=ReportingPeriod(
            since=date(2021, 1, 1), until=date(2024, 12, 31),
            first_received=date(2021, 1, 4), last_received=date(2024, 12, 30),
            data_lock_point=date(2024, 12, 31), interval_start=date(2024, 1, 1),
        ),
        totals=_totals(analysed, serious),
        events=_events(analysed),
        seriousness=_seriousness(analysed, serious),
        trend=tuple(
            QuarterCount(quarter=f"{2021 + i // 4}-Q{i % 4 + 1}", reports=n, serious=s)
            for i, (n, s) in enumerate(zip(_QUARTERS, _SERIOUS_BY_QUARTER, strict=True))
        ),
        sex=_categories(
            (("female", "Female", 741), ("male", "Male", 468), ("unknown", "Not reported", 49)),
            analysed,
        ),
        age_groups=_categories(
            (
                ("adolescent", "Adolescent (12 – 17 years)", 3),
                ("adult", "Adult (18 – 64 years)", 512),
                ("elderly", "Elderly (≥ 65 years)", 301),
                ("unknown", "Not reported", analysed - 816),
            ),
            analysed,
        ),
        disproportionality=rows,
        preset=preset,
        signal_changes=_changes(signals) if previous else SignalChanges(),
        narrative=_narrative(analysed, serious, signals, preset),
        notices=(NO_DENOMINATOR_NOTICE,),
        generated_at=datetime(2025, 3, 14, 9, 26, 52, tzinfo=UTC),
        ebgm_prior=EbgmPrior(
            alpha1=3.25379356, beta1=0.39988854, alpha2=2.02612692, beta2=1.90807970,
            p=0.06534557, fitted_on="background", cells=17_189,
        ),
        trends=_trends(),
    )  # fmt: skip


def _trends() -> TrendSummary:
    return TrendSummary(
        terms_charted=212, months=48, first_month="2021-01", last_month="2024-12",
        alerts=(
            TrendAlert(term="Eructation", month="2024-05", reports=9, expected=1.4,
                       upper_tail=2.1e-5, in_interval=True, new=True),
            TrendAlert(term="Injection site bruising", month="2024-02", reports=6,
                       expected=0.6, upper_tail=8.7e-5, in_interval=True, new=False),
            TrendAlert(term="Nausea", month="2023-03", reports=19, expected=6.1,
                       upper_tail=1.9e-4, in_interval=False, new=False),
        ),
        method="Negative-binomial control chart per term on monthly report counts.",
    )  # fmt: skip


def sample_case_listing() -> tuple[CaseListingRow, ...]:
    """A few invented cases in the shape of the analyzer's line listing."""
    return (
        CaseListingRow(
            safetyreportid="24817733", report_version=2, receivedate=date(2024, 12, 18),
            in_interval=True, reporter="Physician", country="US", age="61 y", sex="Female",
            serious="serious: hospitalisation", reactions=("Pancreatitis (not recovered)",),
            role=DrugRole.SUSPECT, products=("TRULICITY",),
            indications=("Type 2 diabetes mellitus",),
            concomitants=("METFORMIN", "ATORVASTATIN"), event_date=date(2024, 11, 30),
            drug_start_date=date(2024, 9, 2), onset_days=89,
        ),
        CaseListingRow(
            safetyreportid="24795120", report_version=1, receivedate=date(2024, 12, 11),
            in_interval=True, reporter="Consumer", country="US", age="54 y", sex="Male",
            serious="non-serious", reactions=("Nausea (recovering)", "Eructation"),
            role=DrugRole.SUSPECT, products=("TRULICITY",),
            indications=("Type 2 diabetes mellitus",),
            duplicate_group=1, duplicate_reason="same manufacturer control number",
        ),
        CaseListingRow(
            safetyreportid="24795311", report_version=1, receivedate=date(2024, 12, 12),
            in_interval=True, reporter="Pharmacist", country="US", age="54 y", sex="Male",
            serious="non-serious", reactions=("Nausea (recovering)", "Eructation"),
            role=DrugRole.SUSPECT, products=("DULAGLUTIDE",),
            duplicate_group=1, duplicate_reason="same manufacturer control number",
        ),
        CaseListingRow(
            safetyreportid="23110457", report_version=3, receivedate=date(2023, 6, 2),
            reporter="Other health professional", country="CA", age="72 y", sex="Female",
            serious="serious: death", reactions=("Death (fatal)",), role=DrugRole.SUSPECT,
            products=("TRULICITY",), co_suspects=("INSULIN GLARGINE",),
        ),
    )  # fmt: skip


def _product() -> ProductIdentification:
    return ProductIdentification(
        ndc="00002-1433-80", ndc_input="0002-1433-80", product_ndcs=("0002-1433",),
        matched_product_ndcs=("0002-1433",), listed_product_ndcs=("0002-1433",),
        brand_names=("TRULICITY",),
        generic_names=("DULAGLUTIDE",), substance_names=("DULAGLUTIDE",),
        manufacturer_names=("Eli Lilly and Company",), routes=("SUBCUTANEOUS",),
        product_types=("HUMAN PRESCRIPTION DRUG",), application_numbers=("BLA125469",),
        pharm_classes=("GLP-1 Receptor Agonist [EPC]",),
    )  # fmt: skip


def _source() -> OpenFdaSource:
    return OpenFdaSource(
        base_url=_BASE,
        meta_last_updated=date(2025, 2, 25),
        retrieved_at=datetime(2025, 3, 14, 9, 26, 40, tzinfo=UTC),
        disclaimer="Do not rely on openFDA to make decisions regarding medical care. While we "
        "make every effort to ensure that data is accurate, you should assume all results are "
        "unvalidated.",
        license="https://open.fda.gov/license/",
    )


def _totals(analysed: int, serious: int) -> CerTotals:
    return CerTotals(
        matched_by_openfda=_PRODUCT_REPORTS, fetched=_PRODUCT_REPORTS,
        analysed=analysed, fetch_cap=5000, dropped_ndc_mismatch=17, missing_openfda=9,
        suspect=analysed, interacting=2, concomitant=24, role_unknown=0,
        serious=serious, distinct_events=387, database_reports=_DATABASE_REPORTS,
        verified=analysed + 26, roles=(DrugRole.SUSPECT,),
        interval_analysed=sum(_QUARTERS[-4:]), interval_serious=sum(_SERIOUS_BY_QUARTER[-4:]),
        duplicate_suspects=2, product_counts="cases",
    )  # fmt: skip


def _events(analysed: int) -> tuple[EventRow, ...]:
    return tuple(
        EventRow(
            pt=term, reports=n, share=_share(n, analysed), serious_reports=s,
            fatal_outcome_reports=f,
            variants=("Diarrhea", "DIARRHOEA") if term == "Diarrhoea" else (),
            interval_reports=_interval(n), interval_serious_reports=_interval(s),
        )
        for term, n, s, f, _ in _EVENTS
    )  # fmt: skip


def _changes(signals: list[str]) -> SignalChanges:
    new = ("Cholelithiasis", "Eructation")
    return SignalChanges(
        previous_report_id=UUID("3d0c1b2a-7e6f-4a5b-9c8d-1e2f3a4b5c6d"),
        previous_generated_at=datetime(2025, 2, 11, 6, 0, tzinfo=UTC),
        previous_last_updated=date(2025, 1, 28),
        new=new,
        disappeared=("Dehydration",),
        persisting=tuple(s for s in signals if s not in new),
    )


def _narrative(
    analysed: int, serious: int, signals: list[str], preset: PresetCriteria
) -> Narrative:
    names = ", ".join(s.lower() for s in signals[:5])
    return Narrative(
        executive_summary=(
            f"openFDA lists {_PRODUCT_REPORTS:,} adverse event reports received by FDA "
            f"between 01 Jan 2021 and 31 Dec 2024 naming Trulicity (dulaglutide) (product NDC "
            f"0002-1433). {analysed:,} reports passed the NDC check and are analysed here; "
            f"{serious:,} ({serious / analysed:.1%}) were serious.",
            "The most reported reactions were nausea (248), vomiting (163) and diarrhoea (141).",
            f"{len(signals)} reactions met the {preset.label} signal criteria ({preset.criteria}): "
            f"{names} and {len(signals) - 5} more.",
            "Compared with the previous report, 2 signals appeared and 1 signal disappeared.",
            "A signal is a statistical association in spontaneous reports, not evidence that the "
            "product causes the reaction. " + NO_DENOMINATOR_NOTICE,
        ),
        methods=(
            "Reports were retrieved from the openFDA drug adverse event endpoint with an exact "
            "match on the harmonised product NDC; each returned report was checked to list the "
            "NDC, and 17 that did not were dropped, as were 9 without openFDA's harmonised drug "
            "block.",
            "Disproportionality compares how often each reaction is reported with this product "
            "and with every other product in the same window: PRR and ROR with 95% confidence "
            "intervals, χ² with Yates' correction and the information component (IC) with its "
            "95% credibility interval; a zero cell adds 0.5 to every cell (Haldane).",
        ),
        serious_outcomes=(
            f"{serious:,} reports were serious and {analysed - serious:,} non-serious. 6 reports "
            "(0.5% of reports) recorded a death; a death reported with a product is not "
            "necessarily caused by it.",
        ),
        trends=(
            "Reports span 2021-Q1 to 2024-Q4 by date of FDA receipt; the busiest quarter was "
            "2024-Q2 with 104 reports. Reporting volume reflects publicity, regulatory action and "
            "reporting practice as much as use.",
        ),
        new_signals=(
            "New since the previous report (data of 28 Jan 2025): Cholelithiasis and Eructation.",
            "No longer meeting the criteria: Dehydration.",
        ),
        limitations=(
            "FAERS is a spontaneous reporting system: reports are voluntary and unverified, and "
            "a report does not establish that the product caused the reaction.",
            "Under-reporting is substantial and varies with seriousness, novelty, publicity and "
            "time on the market.",
            "The same case may be reported more than once; openFDA does not remove every "
            "duplicate.",
            NO_DENOMINATOR_NOTICE,
            "Disproportionality measures reporting, not risk: a signal is a hypothesis for "
            "clinical review, and its absence does not show safety.",
        ),
    )
