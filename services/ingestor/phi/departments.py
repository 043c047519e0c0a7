"""A hospital's departments and services are not identifiers: "Plastic Surgery", "Internal
Medicine clinic", "seen in Orthopedic Surgery clinic", "Vascular Surgery".

The organisation and facility rules take capitalised words before a tail (Surgery, Clinic,
Service) as a name; when every word of such a finding names a specialty or a kind of service, it
names a department (i2b2's DEPARTMENT, which Safe Harbor does not list), and is dropped. A word
that names nothing clinical ("Oak Hill Family Practice", "Kelar Orthopedics") keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.word_sets import word_set

# specialties and the words of a service's name (general knowledge, written by hand)
SERVICE_WORDS = word_set(
    "plastic plastics surgery surgical surgeon internal medicine medical orthopedic orthopedics"
    " orthopaedic orthopaedics ortho vascular general cardiology cardiac cardiothoracic thoracic"
    " cardiovascular neurology neuro neurosurgery neurosurgical infectious disease diseases id"
    " oncology hematology haematology radiation gastroenterology gi pulmonary pulmonology"
    " respiratory renal nephrology urology urologic gynecology gynaecology obstetrics ob gyn"
    " pediatrics paediatrics pediatric paediatric family emergency critical care dermatology"
    " ent otolaryngology ophthalmology optometry psychiatry psychiatric psychology behavioral"
    " behavioural mental health rheumatology endocrinology endocrine diabetes geriatrics"
    " geriatric palliative hospice physical occupational speech therapy rehabilitation rehab"
    " transplant trauma colorectal hepatology liver allergy immunology sleep pain wound"
    " interventional radiology imaging nuclear sports breast bariatric hand spine podiatry"
    " nutrition social work case management anesthesia anesthesiology neonatology neonatal"
    " maternal fetal adolescent primary urgent women's womens men's child children's outpatient"
    " inpatient ambulatory acute clinic clinics department dept service services division team"
    " unit program programme section consult consults lab laboratory pathology and & of"
)
# words of the frame that a finding may have taken along at its start ("Seen in", "F/u in")
_LEADING = word_set("seen in at to with the f u fu follow followed up by from per referred refer")
_KINDS = (PhiType.LOCATION,)
_KEPT_SOURCES = ("known", "site")
_WORD = re.compile(r"[A-Za-z][A-Za-z'&]*|&")


def _department(words: list[str]) -> bool:
    while words and words[0] in _LEADING:
        words = words[1:]
    return bool(words) and all(w in SERVICE_WORDS for w in words)


def without_departments(spans: Iterable[PhiSpan], text: str) -> list[PhiSpan]:
    """``spans`` less the places whose every word names a specialty or a service."""
    kept = []
    for span in spans:
        if span.type in _KINDS and not span.source.startswith(_KEPT_SOURCES):
            words = [w.lower() for w in _WORD.findall(text[span.start : span.end])]
            if _department(words):
                continue
        kept.append(span)
    return kept
