"""The coding report as a reader meets it: rendered, rasterised and read back as text."""

from __future__ import annotations

import re

import pytest

from services.renderer.coding.tables import claim_findings
from services.renderer.coding.view import build_coding_view, coding_summary
from services.renderer.meta import RenderedPdf, ReportMeta
from services.renderer.reports import coding_report_html, render_coding_pdf
from services.renderer.samples import long_coding_analysis, sample_coding_analysis
from shared.events.coding import (
    BilledCodeFinding,
    CodingAnalysis,
    Comparison,
    DataCollectionWindow,
    EncounterCoding,
    EncounterYear,
    RevenueReview,
    SecondOpinion,
    SecondOpinionAddition,
    SecondOpinionReview,
)
from tests.unit.renderer.pdf_inspection import (
    ink_fraction,
    page_image,
    pdf_fonts,
    pdf_info,
    pdf_text,
)

HEADINGS = (
    "Clinical coding review",
    "Summary",
    "Billed versus documented",
    "Suggested codes and their evidence",
    "Excluded mentions",
    "Risk adjustment",
    "Appendix: methods and limitations",
    "Methods",
    "Limitations",
)


@pytest.fixture(scope="module")
def sample_pdf(meta: ReportMeta) -> RenderedPdf:
    return render_coding_pdf(sample_coding_analysis(), meta)


@pytest.fixture(scope="module")
def long_pdf(meta: ReportMeta) -> RenderedPdf:
    return render_coding_pdf(long_coding_analysis(encounters=4), meta)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_first_page_is_not_blank(sample_pdf: RenderedPdf) -> None:
    image = page_image(sample_pdf.content, page=1)
    assert 0.02 < ink_fraction(image) < 0.5


def test_every_section_heading_and_key_figure_is_in_the_text(sample_pdf: RenderedPdf) -> None:
    text = flat(pdf_text(sample_pdf.content))
    for heading in HEADINGS:
        assert heading in text
    for code in ("E11.65", "I50.32", "E66.01", "Z68.41", "Z79.4", "J44.9", "E11.9", "E78.5"):
        assert code in text
    for excluded in ("J18.9", "C50.919", "E11.40", "I21.4"):
        assert excluded in text
    assert "Negated in the note" in text
    assert "Family history, not the patient" in text
    assert "A1c 9.4% today" in text  # the evidence snippet itself
    assert "Note N1 (assessment and plan), characters 412–490" in text
    assert "SNOMED CT inference is off" in text  # the analysis' notices


def test_cover_block_names_the_report_tenant_time_data_and_version(
    sample_pdf: RenderedPdf, meta: ReportMeta
) -> None:
    cover = flat(pdf_text(sample_pdf.content, page=1))
    assert f"Coding report · {meta.report_id}" in cover
    assert f"Riverside Medical Group · {meta.tenant_id}" in cover
    assert "Generated 2025-03-14 09:26 UTC" in cover
    assert "1 encounter, 2025-03-14 (dates as de-identified)" in cover
    assert "clinrelay 0.1.0" in cover
    assert "age 72, female" in cover


def test_summary_paragraph_says_what_differs_and_what_to_do(sample_pdf: RenderedPdf) -> None:
    text = flat(pdf_text(sample_pdf.content, page=1))
    assert "3 of 4 billed diagnosis codes are supported" in text
    assert "4 documented codes are not on the claim" in text
    assert "1 billed code has no support in the notes: J44.9" in text
    assert "E11.9 → E11.65" in text
    assert "$6,964 per year gained, $3,376 at risk, net +$3,588 (estimates)" in text
    assert "Next: confirm the documented codes" in text


def test_every_page_has_header_and_page_x_of_y(long_pdf: RenderedPdf) -> None:
    assert long_pdf.pages >= 4
    for page in range(1, long_pdf.pages + 1):
        text = pdf_text(long_pdf.content, page=page)
        assert f"Page {page} of {long_pdf.pages}" in text
        if page > 1:  # page 1 carries the cover block instead of the running header
            assert "clinrelay · Coding report" in text
            assert "Report 6f1c2a9e-4b7d-4e8a-9c3f-2d5e8a1b7c40" in text


DATA_ROW = re.compile(r"^\s*([A-Z]\d\d(\.[0-9A-Z]+)?|E\d+|Billed,|Documented,|More specific)\s")


def test_tables_split_across_pages_repeat_their_header(long_pdf: RenderedPdf) -> None:
    opened_with_header = 0
    for page in range(2, long_pdf.pages + 1):
        text = pdf_text(long_pdf.content, page=page, layout=True)
        first = [ln for ln in text.splitlines() if ln.strip()][1]  # after the running header
        # no page may open in the middle of a table without its header row
        assert not DATA_ROW.match(first), f"page {page} opens with a bare row: {first!r}"
        if "Code" in first and "Description" in first:
            opened_with_header += 1
    assert opened_with_header >= 2


def test_pdf_metadata_has_title_subject_and_creation_date(sample_pdf: RenderedPdf) -> None:
    info = pdf_info(sample_pdf.content)
    assert info["Title"] == "Clinical coding review"
    assert "ICD-10-CM" in info["Subject"]
    assert info["CreationDate"].startswith("2025-03-14T09:26:53")
    assert info["Creator"] == "clinrelay 0.1.0"
    assert info["Tagged"] == "yes"  # structure for screen readers
    assert int(info["Pages"]) == sample_pdf.pages


def test_fonts_are_dejavu_and_embedded(sample_pdf: RenderedPdf) -> None:
    fonts = pdf_fonts(sample_pdf.content)
    assert fonts
    for name, embedded in fonts:
        assert "DejaVu" in name
        assert embedded


def test_rendering_is_deterministic_and_hash_matches(
    sample_pdf: RenderedPdf, meta: ReportMeta
) -> None:
    import hashlib

    again = render_coding_pdf(sample_coding_analysis(), meta)
    assert again.content == sample_pdf.content
    assert sample_pdf.sha256 == hashlib.sha256(sample_pdf.content).hexdigest()


def test_note_text_is_escaped_in_the_html(meta: ReportMeta) -> None:
    planted = 'BP fine <b>bold</b> <script>alert(1)</script> & "quoted"'
    html = coding_report_html(sample_coding_analysis(planted), meta).html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html


def test_summary_when_claim_and_notes_agree() -> None:
    analysis = sample_coding_analysis()
    encounter = analysis.encounters[0].model_copy(
        update={"comparison": Comparison(matched=("E11.65", "E78.5"))}
    )
    agreed = analysis.model_copy(update={"encounters": (encounter,)})
    summary = coding_summary(agreed)
    assert "No action is needed" in summary
    assert "not on the claim" not in summary
    assert claim_findings(encounter) == ()


def test_summary_without_encounters_says_what_is_missing() -> None:
    empty = sample_coding_analysis().model_copy(update={"encounters": ()})
    assert "no encounter with clinical notes" in coding_summary(empty)


def test_claim_findings_put_unsupported_billed_codes_first() -> None:
    rows = claim_findings(sample_coding_analysis().encounters[0])
    assert [r.finding for r in rows] == [
        "Billed, not documented",
        "Documented, not billed",
        "Documented, not billed",
        "Documented, not billed",
        "Documented, not billed",
        "More specific code",
    ]
    assert rows[0].code == "J44.9"
    assert "Billed as E11.9" in rows[-1].detail


def test_view_counts_match_the_analysis() -> None:
    view = build_coding_view(sample_coding_analysis())
    counts = view.counts
    assert (counts.suggested, counts.matched, counts.documented_not_billed) == (7, 2, 4)
    assert (counts.billed_not_documented, counts.upgrades, counts.excluded) == (1, 1, 4)
    assert (counts.billed, counts.supported) == (4, 3)
    assert [f.value for f in view.key_figures] == [
        "3 of 4", "4", "1", "+$6,964", "−$3,376", "+$3,588"
    ]  # fmt: skip
    assert all("estimate" in f.label for f in view.key_figures[-3:])


def test_encounter_without_setting_or_date_still_renders(meta: ReportMeta) -> None:
    bare = EncounterCoding(encounter_id="E9", setting="other")
    analysis: CodingAnalysis = sample_coding_analysis().model_copy(update={"encounters": (bare,)})
    pdf = render_coding_pdf(analysis, meta)
    text = flat(pdf_text(pdf.content))
    assert "Encounter E9" in text
    assert "dates withheld by the de-identification policy" in text
    assert "The notes of this encounter support no ICD-10-CM code." in text


def test_risk_adjustment_shows_gained_at_risk_and_net_separately(sample_pdf: RenderedPdf) -> None:
    text = flat(pdf_text(sample_pdf.content))
    # Hand check: the sample's demographic 0.386, HCC38 0.166, HCC280 0.319 (billed J44.9, not
    # supported), HCC48 0.186 + HCC226 0.360 + DIABETES_HF 0.112 (documented, not billed);
    # payment = raw × 0.941 ÷ 1.067; money = payment × $1,000 × 12.
    assert "payment RAF moves from 0.768 (billed) to 1.067 (+0.299)" in text
    gained = "Revenue gained (estimate) documented codes added and upgrades applied (HCC48, HCC226)"
    assert f"{gained} +$6,964" in text
    at_risk = "Revenue at risk (estimate) billed HCC codes the notes do not support (HCC280)"
    assert f"{at_risk} −$3,376" in text
    assert "Net (estimate) corrected claim against the claim as billed +$3,588" in text
    assert "Billed Supported by the notes Corrected claim" in text
    for item in ("HCC226", "Heart Failure, Except End-Stage and Acute", "DIABETES_HF_V28"):
        assert item in text
    assert "age 72 (as of February 1 of the payment year)" in text
    assert "2025 (the data-collection year): encounters E1 counted" in text
    for item in ("Normalization factor 1.067", "MA coding-intensity adjustment 5.9%"):
        assert item in text
    assert "Monthly base rate (assumed) $1,000 × 12 months" in text


def test_every_money_figure_is_labelled_an_estimate(sample_pdf: RenderedPdf) -> None:
    text = flat(pdf_text(sample_pdf.content))
    amounts = list(re.finditer(r"[−-]?\$[\d,]+", text))
    assert amounts
    for amount in amounts:
        around = text[max(0, amount.start() - 160) : amount.end() + 60].lower()
        assert "estimate" in around or "assumed" in around, around


def test_without_a_risk_estimate_there_is_no_money(meta: ReportMeta) -> None:
    analysis = sample_coding_analysis().model_copy(update={"risk_adjustment": None})
    text = flat(pdf_text(render_coding_pdf(analysis, meta).content))
    assert "Risk adjustment" not in text
    assert "$" not in text
    assert "more specific code available" in text  # counts replace the money figures


def test_evidence_quotes_the_sentence_and_marks_the_mention(sample_pdf: RenderedPdf) -> None:
    text = flat(pdf_text(sample_pdf.content))
    assert (
        "“2. chronic diastolic heart failure, last echo EF 55%, euvolemic on furosemide 40 mg "
        "daily.”" in text
    )
    assert "Alternatives: E11.9" in text
    assert "combination code E11.65 replaces E11.9" in text


def test_second_opinion_and_non_comparable_codes_are_shown(meta: ReportMeta) -> None:
    base = sample_coding_analysis()
    encounter = base.encounters[0]
    comparison = encounter.comparison.model_copy(
        update={
            "not_comparable": (
                BilledCodeFinding(
                    code="99214",
                    description="Office visit, established patient, moderate",
                    system="http://www.ama-assn.org/go/cpt",
                    reason="A procedure code, not a diagnosis.",
                ),
            )
        }
    )
    analysis = base.model_copy(
        update={
            "encounters": (encounter.model_copy(update={"comparison": comparison}),),
            "second_opinion": SecondOpinion(
                status="completed",
                model="llama-3.1-8b-instruct",
                reviews=(
                    SecondOpinionReview(code="I50.32", verdict="agree", comment="EF <b>55%</b>"),
                ),
                additions=(
                    SecondOpinionAddition(
                        code="E11.42",
                        description="Type 2 diabetes mellitus with diabetic polyneuropathy",
                        comment="consider if the exam confirms it",
                    ),
                ),
            ),
        }
    )
    html = coding_report_html(analysis, meta).html
    assert "EF &lt;b&gt;55%&lt;/b&gt;" in html
    text = flat(pdf_text(render_coding_pdf(analysis, meta).content))
    assert "Second opinion" in text
    assert "Reviewed by an external model (llama-3.1-8b-instruct)." in text
    assert "E11.42" in text
    assert "Not comparable" in text
    assert "A procedure code, not a diagnosis." in text


def test_without_a_claim_the_report_is_a_documentation_review(meta: ReportMeta) -> None:
    base = sample_coding_analysis()
    encounter = base.encounters[0].model_copy(
        update={"comparison": Comparison(has_claim=False), "billed_diagnoses": ()}
    )
    risk = base.risk_adjustment
    assert risk is not None
    documentation = risk.model_copy(
        update={"review": RevenueReview.DOCUMENTATION, "revenue_at_risk": 0.0}
    )
    analysis = base.model_copy(
        update={"encounters": (encounter,), "risk_adjustment": documentation}
    )
    text = flat(pdf_text(render_coding_pdf(analysis, meta).content))
    assert "Nothing was billed to compare" in text
    assert "Documented, not billed" not in text
    assert "Revenue at risk (estimate)" not in text
    assert "value of the documented HCCs per year (estimate)" in text
    assert "Demographics only With the documented codes" in text


def test_an_encounter_outside_the_data_collection_year_is_flagged(meta: ReportMeta) -> None:
    base = sample_coding_analysis()
    old = base.encounters[0].model_copy(update={"service_year": 2019})
    window = DataCollectionWindow(
        payment_year=2026,
        data_collection_year=2025,
        outside=(EncounterYear(encounter_id="E1", service_year=2019),),
    )
    analysis = base.model_copy(update={"encounters": (old,), "data_collection": window})
    text = flat(pdf_text(render_coding_pdf(analysis, meta).content))
    assert "Dated 2019, outside the 2025 data-collection year of payment year 2026" in text
    assert "No encounter is dated in 2025" in text
    assert "left out, dated outside it: E1 (2019)" in text
