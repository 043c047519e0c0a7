"""Notes found in DocumentReference and DiagnosticReport, and their encounter links."""

from __future__ import annotations

import pytest

from shared.intake.fhir import BundleError, NoteLink, parse_bundle
from tests.unit.intake.fhir.builders import (
    attachment,
    b64,
    bundle,
    diagnostic_report,
    document_reference,
    encounter,
    patient,
    ref,
)


def test_html_note_in_a_diagnostic_report_becomes_text_linked_to_its_encounter() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-05-02"),
            diagnostic_report(
                "r1",
                attachment("<p>Impression:</p><p>No acute findings.</p>", "text/html"),
                encounter_ref=ref("e2"),
                effectiveDateTime="2024-05-02T10:00:00Z",
            ),
        )
    )
    (note,) = parsed.encounters[1].notes
    assert note.text == "Impression:\n\nNo acute findings."
    assert (note.source.resource_type, note.attachment_path) == (
        "DiagnosticReport",
        "presentedForm[0]",
    )
    assert note.date == "2024-05-02T10:00:00+00:00"
    assert note.title is not None
    assert note.title.text == "Diagnostic imaging study"


def test_pdf_only_and_url_only_notes_are_skipped_with_their_reason() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            document_reference(
                "d1", attachment(b"%PDF-1.7", "application/pdf"), encounter_ref=ref("e1")
            ),
            document_reference(
                "d2",
                {"contentType": "application/pdf", "url": "https://example.org/Binary/9"},
                encounter_ref=ref("e1"),
            ),
        )
    )
    assert parsed.notes == ()
    assert [
        (s.source.resource_id, s.content_type, s.reason) for s in parsed.skipped_attachments
    ] == [
        ("d1", "application/pdf", "binary content (application/pdf) is not read"),
        ("d2", "application/pdf", "content is only a URL (not fetched)"),
    ]


def test_one_note_per_document_the_best_text_rendition_is_read() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            document_reference(
                "d1",
                attachment(b"%PDF", "application/pdf"),
                attachment("<b>Asthma</b> exacerbation", "text/html"),
                attachment("Asthma exacerbation", "text/plain"),
                encounter_ref=ref("e1"),
            ),
        )
    )
    (note,) = parsed.notes
    assert (note.text, note.attachment_path) == ("Asthma exacerbation", "content[2].attachment")
    assert [(s.attachment_path, s.reason) for s in parsed.skipped_attachments] == [
        ("content[0].attachment", "binary content (application/pdf) is not read"),
        ("content[1].attachment", "another rendition of the same document was read"),
    ]


def test_notes_without_a_link_go_to_the_only_encounter() -> None:
    parsed = parse_bundle(
        bundle(patient(), encounter("e1"), document_reference("d1", attachment("orphan")))
    )
    (note,) = parsed.encounters[0].notes
    assert note.link is NoteLink.ONLY_ENCOUNTER
    assert parsed.unlinked_notes == ()


def test_notes_without_a_link_stay_unlinked_when_there_are_several_encounters() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-06-01"),
            document_reference("d1", attachment("orphan")),
            document_reference("d2", attachment("linked"), encounter_ref=ref("e1")),
        )
    )
    assert [n.text for n in parsed.unlinked_notes] == ["orphan"]
    assert parsed.unlinked_notes[0].link is NoteLink.UNLINKED
    assert [n.text for n in parsed.notes] == ["linked", "orphan"]


def test_the_same_text_in_a_report_and_a_document_reference_is_read_once() -> None:
    text = "Progress note: stable."
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            encounter("e2", start="2024-06-01"),
            diagnostic_report("r1", attachment(text), encounter_ref=ref("e1")),
            document_reference("d1", attachment(text + "\n"), encounter_ref=ref("e1")),
            document_reference("d2", attachment(text), encounter_ref=ref("e2")),
        )
    )
    assert [n.source.resource_id for n in parsed.encounters[0].notes] == ["r1"]
    assert [n.source.resource_id for n in parsed.encounters[1].notes] == ["d2"]  # other visit
    assert parsed.duplicate_notes == 1


def test_notes_of_an_encounter_are_in_date_order() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            document_reference(
                "late", attachment("b"), encounter_ref=ref("e1"), date="2024-03-15T08:00:00Z"
            ),
            document_reference(
                "early", attachment("a"), encounter_ref=ref("e1"), date="2024-03-14T08:00:00Z"
            ),
        )
    )
    assert [n.source.resource_id for n in parsed.notes] == ["early", "late"]


def test_withdrawn_documents_are_not_read() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            document_reference(
                "d1",
                attachment("wrong patient"),
                encounter_ref=ref("e1"),
                status="entered-in-error",
            ),
        )
    )
    assert parsed.notes == ()
    assert parsed.skipped_attachments[0].reason == "DocumentReference status is entered-in-error"


def test_free_text_titles_are_marked_as_free_text() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            document_reference(
                "d1", attachment("x"), encounter_ref=ref("e1"), type={"text": "Dr. Kim's note"}
            ),
        )
    )
    title = parsed.notes[0].title
    assert title is not None
    assert (title.text, title.coded) == ("Dr. Kim's note", False)


def test_invalid_base64_in_a_note_rejects_the_bundle_naming_the_attachment() -> None:
    document = bundle(
        patient(),
        encounter("e1"),
        document_reference(
            "d1", {"contentType": "text/plain", "data": "Johanna1!!!!"}, encounter_ref=ref("e1")
        ),
    )
    with pytest.raises(BundleError) as caught:
        parse_bundle(document)
    assert [p.to_dict() for p in caught.value.problems] == [
        {
            "location": "entry[2] DocumentReference/d1.content[0].attachment.data",
            "message": "not valid base64",
        }
    ]
    assert "Johanna" not in str(caught.value.to_dict())


def test_charset_fallback_is_reported_on_the_note() -> None:
    parsed = parse_bundle(
        bundle(
            patient(),
            encounter("e1"),
            document_reference(
                "d1",
                {"contentType": "text/plain", "data": b64("38\xb0C", "cp1252")},
                encounter_ref=ref("e1"),
            ),
        )
    )
    assert parsed.notes[0].text == "38°C"
    assert parsed.notes[0].decoding_note == "not valid UTF-8; decoded as windows-1252"
