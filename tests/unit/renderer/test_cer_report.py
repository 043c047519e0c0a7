"""The drug-safety report as a reader meets it: sections, figures, charts, queries."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from services.renderer.cer.view import build_cer_view, events_chart, forest_chart, trend_chart
from services.renderer.meta import RenderedPdf, ReportMeta
from services.renderer.reports import cer_report_html, render_cer_pdf
from services.renderer.samples import sample_case_listing, sample_cer_analysis
from shared.events.cer import (
    NO_DENOMINATOR_NOTICE,
    CerRequest,
    DrugScope,
    EventRow,
    Narrative,
    QuarterCount,
)
from tests.unit.renderer.pdf_inspection import ink_fraction, page_image, pdf_info, pdf_text

HEADINGS = (
    "Drug safety report",
    "1. Executive summary",
    "2. Data sources and methods",
    "3. Results",
    "3.1 Reported reactions",
    "3.2 Seriousness and outcomes",
    "3.3 Trends",
    "3.4 Signals of disproportionate reporting",
    "3.5 Signals against the previous report",
    "4. Limitations",
    "Appendix A: case line listing",
    "Appendix B: what was searched, data source and exact queries",
    "Queries sent to openFDA",
)


@pytest.fixture(scope="module")
def cer_pdf(meta: ReportMeta) -> RenderedPdf:
    return render_cer_pdf(sample_cer_analysis(), meta, sample_case_listing())


@pytest.fixture(scope="module")
def cer_text(cer_pdf: RenderedPdf) -> str:
    return " ".join(pdf_text(cer_pdf.content).split())


def test_first_page_is_not_blank(cer_pdf: RenderedPdf) -> None:
    assert 0.02 < ink_fraction(page_image(cer_pdf.content, page=1)) < 0.5


def test_every_section_heading_is_in_the_text(cer_text: str) -> None:
    for heading in HEADINGS:
        assert heading in cer_text


def test_key_figures_and_subject_are_stated(cer_text: str) -> None:
    # The title is what was searched; the brand openFDA names comes second.
    assert "NDC 00002-1433-80 · adverse event reports in FAERS" in cer_text
    assert "openFDA names the matches Trulicity (dulaglutide)" in cer_text
    assert "NDC 00002-1433-80 (entered as 0002-1433-80): openfda.product_ndc = 0002-1433" in (
        cer_text
    )
    assert "Roles counted suspect (primary or secondary)" in cer_text
    assert "1,258 reports analysed" in cer_text
    assert "380 in the reporting interval" in cer_text
    assert "412 serious (32.8% of reports)" in cer_text
    assert "18 signals (Evans)" in cer_text
    assert "7,184,553" in cer_text  # N of the 2×2 tables
    # Interval then cumulative, side by side: Nausea 75 in 2024 (12 serious), 248 in all.
    assert "Nausea 75 12 248 19.7% 41 0 signal" in cer_text
    assert "8.98 (7.82–10.31)" in cer_text  # nausea's ROR and CI, in plot and table
    assert cer_text.count(NO_DENOMINATOR_NOTICE) == 2  # page 1 (summary) and the limitations


def test_spelling_variants_are_named_once_and_never_as_the_same_term(cer_text: str) -> None:
    assert "also spelled Diarrhea" in cer_text
    assert "DIARRHOEA" not in cer_text  # only the case differs from the displayed term


def test_ebgm_columns_and_trend_alerts(cer_text: str) -> None:
    assert "EBGM EB05–EB95" in cer_text
    assert "25.33 17.87–35.06" in cer_text  # Eructation
    assert "Monthly trend alerts" in cer_text
    assert "Eructation 2024-05 9 1.4 2.1e-05 in interval new" in cer_text
    assert "prior fitted on 17,189 counts" in cer_text


def test_the_case_listing_appendix_is_on_landscape_pages(cer_pdf: RenderedPdf) -> None:
    text = " ".join(pdf_text(cer_pdf.content).split())
    assert "4 of 4 analysed cases" in text
    assert "● 24817733 v2 2024-12-18 Physician US 61 y / Female" in text
    assert "89 d" in text  # time to onset
    assert text.count("D1") >= 2  # the duplicate-suspect pair shares a group
    page = next(
        n
        for n in range(1, cer_pdf.pages + 1)
        if "Appendix A: case line listing" in pdf_text(cer_pdf.content, page=n)
    )
    image = page_image(cer_pdf.content, page=page)
    assert image.width > image.height  # landscape
    assert ink_fraction(image) > 0.01


def test_appendix_has_the_exact_queries_and_last_updated_date(cer_text: str) -> None:
    assert "Product NDCs covered (1) 0002-1433" in cer_text
    assert "Labelers (1) Eli Lilly and Company" in cer_text
    assert "openFDA last updated 2025-02-25" in cer_text
    assert 'search=patient.drug.openfda.product_ndc.exact:"0002-1433" AND receivedate:' in (
        cer_text
    )
    assert "count=patient.reaction.reactionmeddrapt.exact" in cer_text
    assert "1,310 reports, 2 pages, fetched" in cer_text
    assert "7,184,553 reports, from cache" in cer_text


def test_signal_changes_are_listed(cer_text: str) -> None:
    assert "new signal Cholelithiasis, Eructation" in cer_text
    assert "closed Dehydration" in cer_text
    assert "ongoing Eructation" not in cer_text
    assert "ongoing Blood glucose increased" in cer_text


def test_the_three_charts_are_inline_svg(meta: ReportMeta) -> None:
    html = cer_report_html(sample_cer_analysis(), meta).html
    assert html.count("<svg ") == 3
    for name in (
        "Most reported reactions",
        "Reports received per quarter",
        "Reporting odds ratio by reaction",
    ):
        assert f'aria-label="{name}"' in html


def test_charts_carry_the_analysis_numbers() -> None:
    analysis = sample_cer_analysis()
    svg = "{http://www.w3.org/2000/svg}"
    bars = ET.fromstring(str(events_chart(analysis)))
    drawn = [
        p.get("d") or "" for p in bars.iter(f"{svg}path") if p.get("fill") not in (None, "none")
    ]
    assert sum(d.count("M") for d in drawn) == 15  # the bars of one colour are one path
    trend = ET.fromstring(str(trend_chart(analysis)))
    assert len(list(trend.iter(f"{svg}circle"))) == 2 * len(analysis.trend)
    forest = ET.fromstring(str(forest_chart(analysis)))
    labels = [t.text for t in forest.iter(f"{svg}text")]
    assert labels.count("Eructation") == 1
    assert analysis.disproportionality[0].pt == "Eructation"  # signals first, by lower bound


def test_pdf_metadata(cer_pdf: RenderedPdf) -> None:
    info = pdf_info(cer_pdf.content)
    assert info["Title"] == "Drug safety report"
    assert "NDC 00002-1433-80" in info["Subject"]
    assert info["CreationDate"].startswith("2025-03-14T09:26:53")


def test_every_page_numbers_itself(cer_pdf: RenderedPdf) -> None:
    for page in range(1, cer_pdf.pages + 1):
        assert f"Page {page} of {cer_pdf.pages}" in pdf_text(cer_pdf.content, page=page)


def test_a_report_without_narrative_or_events_still_renders(meta: ReportMeta) -> None:
    bare = sample_cer_analysis(previous=False).model_copy(
        update={
            "narrative": Narrative(),
            "events": (),
            "trend": (),
            "disproportionality": (),
        }
    )
    view = build_cer_view(bare)
    assert view.events_chart is None
    assert view.trend_chart is None
    assert view.forest_chart is None
    assert "FAERS reports for NDC 00002-1433-80 were analysed" in view.summary[0]
    assert view.notices[0] == NO_DENOMINATOR_NOTICE  # not in the summary, so in the notice box
    text = " ".join(pdf_text(render_cer_pdf(bare, meta).content).split())
    assert "The analysed reports list no reactions." in text
    assert "No reaction had a complete 2×2 table." in text
    assert "This is the first report for this subject and signal preset." in text
    assert "FAERS is a spontaneous reporting system" in text  # default limitations


def test_product_names_in_the_data_are_escaped(meta: ReportMeta) -> None:
    analysis = sample_cer_analysis()
    product = analysis.product.model_copy(update={"brand_names": ("<b>EVIL</b>",)})
    html = cer_report_html(analysis.model_copy(update={"product": product}), meta).html
    assert "<B>Evil</B>" not in html  # the brand is title-cased, then escaped
    assert "&lt;B&gt;Evil&lt;/B&gt; (dulaglutide)" in html


def test_an_ingredient_report_is_titled_by_its_ingredient(meta: ReportMeta) -> None:
    analysis = sample_cer_analysis()
    request = CerRequest(scope=DrugScope.INGREDIENT, ingredient="DULAGLUTIDE")
    view = build_cer_view(analysis.model_copy(update={"request": request}))
    assert (
        view.document.subtitle == "Dulaglutide (active ingredient) · adverse event reports in FAERS"
    )
    assert (
        "Searched",
        "active ingredient DULAGLUTIDE: openfda.substance_name or generic_name",
    ) in (view.document.facts)


def test_a_few_quarters_are_drawn_as_columns_with_a_table(meta: ReportMeta) -> None:
    analysis = sample_cer_analysis().model_copy(
        update={"trend": (QuarterCount(quarter="2024-Q4", reports=7, serious=3),)}
    )
    svg = ET.fromstring(str(trend_chart(analysis)))
    namespace = "{http://www.w3.org/2000/svg}"
    assert not list(svg.iter(f"{namespace}circle"))  # no lone dot
    assert len([r for r in svg.iter(f"{namespace}rect") if r.get("height") != "8"]) == 2
    text = " ".join(pdf_text(render_cer_pdf(analysis, meta).content).split())
    assert "2024-Q4 7 3" in text  # the table under the columns
    assert "columns: too few quarters for a line" in text


def test_a_nil_report_renders_without_tables(meta: ReportMeta) -> None:
    nil = sample_cer_analysis(previous=False).model_copy(
        update={
            "nil": True,
            "events": (),
            "trend": (),
            "disproportionality": (),
            "narrative": Narrative(executive_summary=("Nil report. openFDA holds nothing.",)),
        }
    )
    pdf = render_cer_pdf(nil, meta)
    text = " ".join(pdf_text(pdf.content).split())
    assert "Drug safety report (nil report)" in text
    assert "Nil report. openFDA holds nothing." in text
    assert "no adverse event report matched what was searched" in text
    assert "3.1 Reported reactions" not in text
    assert 0.02 < ink_fraction(page_image(pdf.content, page=1)) < 0.5


def test_the_other_spellings_helper() -> None:
    from services.renderer.cer.tables import other_spellings

    row = EventRow(pt="Dyspnoea", reports=1, share=0.1, variants=("DYSPNOEA", "Dyspnea", "dyspnea"))
    assert other_spellings(row) == ("Dyspnea",)
