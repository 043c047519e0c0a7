"""Clinical notes: DocumentReference.content and DiagnosticReport.presentedForm attachments.

A resource yields at most one note: FHIR says the several ``content`` (or ``presentedForm``)
elements of one document are renditions of the same text, so the most faithful text rendition is
read (plain > HTML > RTF) and the others are reported as skipped. Binary renditions (PDF, images),
URL-only attachments and XML documents are skipped with their reason, never fatal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shared.intake.fhir.attachments import (
    AttachmentSkip,
    AttachmentText,
    InvalidAttachmentData,
    read_attachment,
)
from shared.intake.fhir.elements import first_label, iso, label_of
from shared.intake.fhir.errors import BundleError, BundleErrorKind, Problem
from shared.intake.fhir.parsed import Label, NoteLink, ParsedNote, SkippedAttachment
from shared.intake.fhir.validation import ValidEntry
from shared.intake.fhir.view import BundleView

_NOTE_SOURCES = ("DocumentReference", "DiagnosticReport")
_WITHDRAWN_STATUSES = frozenset({"entered-in-error", "cancelled"})


@dataclass
class NotesFound:
    notes: list[ParsedNote] = field(default_factory=list)
    skipped: list[SkippedAttachment] = field(default_factory=list)


def read_notes(view: BundleView) -> NotesFound:
    """Every note with text, linked to its Encounter when the resource says so.

    Raises :class:`BundleError` when an attachment's data is not valid base64.
    """
    found = NotesFound()
    problems: list[Problem] = []
    for source_type in _NOTE_SOURCES:
        for entry in view.of_type(source_type):
            try:
                _read_resource(view, entry, found)
            except _BadAttachment as bad:
                problems.append(Problem(f"{entry.ref.label}.{bad.path}.data", str(bad)))
    if problems:
        raise BundleError(
            "Note attachments in the Bundle are not valid FHIR R4.",
            problems,
            kind=BundleErrorKind.INVALID_RESOURCES,
        )
    found.notes.sort(key=lambda note: note.source.index)
    return found


class _BadAttachment(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _read_resource(view: BundleView, entry: ValidEntry, found: NotesFound) -> None:
    resource = entry.model
    attachments = list(_attachments(entry))
    if resource.status in _WITHDRAWN_STATUSES:
        found.skipped.extend(
            SkippedAttachment(
                source=entry.ref,
                attachment_path=path,
                content_type=None,
                reason=f"{entry.ref.resource_type} status is {resource.status}",
            )
            for path, _ in attachments
        )
        return
    texts: list[tuple[str, AttachmentText]] = []
    for path, raw in attachments:
        try:
            result = read_attachment(raw.get("contentType"), raw.get("data"), raw.get("url"))
        except InvalidAttachmentData as error:
            raise _BadAttachment(path, str(error)) from None
        if isinstance(result, AttachmentSkip):
            found.skipped.append(
                SkippedAttachment(
                    source=entry.ref,
                    attachment_path=path,
                    content_type=result.content_type,
                    reason=result.reason,
                )
            )
        else:
            texts.append((path, result))
    if not texts:
        return
    best_path, best = min(texts, key=lambda item: item[1].rank)
    found.skipped.extend(
        SkippedAttachment(
            source=entry.ref,
            attachment_path=path,
            content_type=text.content_type,
            reason="another rendition of the same document was read",
        )
        for path, text in texts
        if path != best_path
    )
    encounter = _encounter_of(view, entry)
    found.notes.append(
        ParsedNote(
            source=entry.ref,
            attachment_path=best_path,
            content_type=best.content_type,
            title=_title(resource, entry.ref.resource_type),
            date=_date(resource, entry.ref.resource_type),
            text=best.text,
            encounter_entry=encounter,
            link=NoteLink.REFERENCE if encounter is not None else NoteLink.UNLINKED,
            decoding_note=best.decoding_note,
        )
    )


def _attachments(entry: ValidEntry) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, raw Attachment) pairs; raw, because the models decode base64 leniently."""
    if entry.ref.resource_type == "DocumentReference":
        for index, content in enumerate(entry.raw.get("content") or ()):
            yield f"content[{index}].attachment", content.get("attachment") or {}
    else:
        for index, form in enumerate(entry.raw.get("presentedForm") or ()):
            yield f"presentedForm[{index}]", form


def _encounter_of(view: BundleView, entry: ValidEntry) -> int | None:
    resource = entry.model
    if entry.ref.resource_type == "DocumentReference":
        context = resource.context
        references = list(context.encounter or ()) if context is not None else []
        paths = [f"context.encounter[{i}]" for i in range(len(references))]
    else:
        references = [resource.encounter] if resource.encounter is not None else []
        paths = ["encounter"]
    for reference, path in zip(references, paths, strict=False):
        target = view.follow(reference, f"{entry.ref.label}.{path}", "Encounter")
        if target is not None:
            return target.ref.index
    return None


def _title(resource: Any, resource_type: str) -> Label | None:
    if resource_type == "DiagnosticReport":
        return label_of(resource.code)
    label = label_of(resource.type)
    if label is None and resource.description:
        label = Label(text=str(resource.description).strip(), coded=False)
    return label or first_label(resource.category)


def _date(resource: Any, resource_type: str) -> str | None:
    if resource_type == "DiagnosticReport":
        if resource.effectiveDateTime is not None:
            return iso(resource.effectiveDateTime)
        if resource.effectivePeriod is not None and resource.effectivePeriod.start is not None:
            return iso(resource.effectivePeriod.start)
        return iso(resource.issued)
    if resource.date is not None:
        return iso(resource.date)
    context = resource.context
    if context is not None and context.period is not None:
        return iso(context.period.start)
    return None
