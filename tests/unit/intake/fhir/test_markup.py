"""HTML/XHTML and RTF notes to plain text."""

from __future__ import annotations

from shared.intake.fhir.markup import html_to_text, rtf_to_text


def test_html_keeps_line_structure_and_drops_markup() -> None:
    html = (
        "<html><head><title>x</title><style>p {color: red}</style></head><body>"
        "<h1>Assessment</h1><p>Type 2   diabetes,\n  uncontrolled.</p>"
        "<p>Plan:<br>metformin&nbsp;500&#160;mg<br/>recheck A1c &amp; lipids</p>"
        "<ul><li>HTN</li><li>CKD stage 3</li></ul>"
        "<table><tr><th>Test</th><th>Value</th></tr><tr><td>HbA1c</td><td>9.1 %</td></tr></table>"
        "<script>alert('x')</script></body></html>"
    )
    assert html_to_text(html) == (
        "Assessment\n\nType 2 diabetes, uncontrolled.\n\nPlan:\nmetformin 500 mg\n"
        "recheck A1c & lipids\n\n- HTN\n- CKD stage 3\n\nTest\tValue\nHbA1c\t9.1 %"
    )


def test_xhtml_narrative_with_namespace_prefixes() -> None:
    xhtml = (
        '<xhtml:div xmlns:xhtml="http://www.w3.org/1999/xhtml"><xhtml:p>Line one</xhtml:p>'
        "<xhtml:p>Line <xhtml:b>two</xhtml:b></xhtml:p></xhtml:div>"
    )
    assert html_to_text(xhtml) == "Line one\n\nLine two"


def test_preformatted_html_keeps_its_spacing() -> None:
    assert html_to_text("<pre>BP   120/80\nHR    72</pre>") == "BP   120/80\nHR    72"


def test_rtf_paragraphs_escapes_and_skipped_destinations() -> None:
    rtf = (
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}{\colortbl;\red0\green0\blue0;}"
        r"{\*\generator Riched20 10.0}{\info{\author Dr. Someone}}"
        "\r\n"
        r"\pard\f0\fs22 Assessment:\par "
        r"Caf\'e9 au lait spots, no \b fever\b0 .\line Temp 37\'b0C\par "
        r"Unicode: \u8212? dash and \u-3913? char\par "
        r"Braces \{ok\} and back\\slash\tab tabbed\par}"
    )
    assert rtf_to_text(rtf) == (
        "Assessment:\nCafé au lait spots, no fever.\nTemp 37°C\n"
        "Unicode: \u2014 dash and \uf0b7 char\nBraces {ok} and back\\slash\ttabbed"
    )


def test_rtf_field_result_is_kept_and_instruction_dropped() -> None:
    rtf = r'{\rtf1 See {\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt the chart}} today.\par}'
    assert rtf_to_text(rtf) == "See the chart today."
