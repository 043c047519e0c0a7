"""What one note of a report teaches about the others.

The notes of one report belong to one patient and one stay: the surname a nurse wrote after
"Dr." in the morning note is the same surname written bare in the night note, and the hospital
named once after "transferred from" is the one the other notes call by name alone. Words found
with confidence in any note of the report are masked in every note of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from services.ingestor.phi.lexicon import Lexicon, load_lexicon
from services.ingestor.phi.name_words import STOPWORDS
from services.ingestor.phi.spans import PhiSpan, PhiType
from services.ingestor.phi.tokens import tokenize

# a finding must be at least this sure to be taught to the other notes
MIN_NAME_SCORE = 0.8
MIN_PLACE_SCORE = 0.6
RECALL_SCORE = 0.7
_PLACE_SOURCES = (
    "location.facility",
    "location.ward",
    "location.cue",
    "location.unit",
    "location.acronym",
    "location.geographic",
)


@dataclass
class ReportMemory:
    """Names and place words learnt from the notes of one report (build one per report)."""

    lexicon: Lexicon = field(default_factory=load_lexicon)
    words: dict[str, PhiType] = field(default_factory=dict)
    """Lower-case words that are names or places in this report."""
    acronyms: dict[str, PhiType] = field(default_factory=dict)
    """Short capitalised place acronyms ("GH"), matched in capitals only."""

    def learn(self, text: str, spans: Iterable[PhiSpan]) -> None:
        """Remember the confident name and place words of ``spans`` (offsets into ``text``)."""
        tokens = tokenize(text)
        for span in spans:
            if not self._teachable(span):
                continue
            for tok in tokens:
                if not span.start <= tok.start < span.end:
                    continue
                if tok.text.isupper() and 2 <= len(tok.text) <= 4 and span.type is PhiType.LOCATION:
                    self.acronyms[tok.text] = span.type
                elif self._distinctive(tok.key):
                    self.words.setdefault(tok.key, span.type)

    def recall(self, text: str) -> list[PhiSpan]:
        """Every occurrence in ``text`` of a word learnt from any note of the report."""
        found = []
        for tok in tokenize(text):
            kind = self.words.get(tok.key) or self.acronyms.get(tok.text.split("'")[0])
            if kind is not None:
                found.append(
                    PhiSpan(
                        start=tok.start,
                        end=tok.end,
                        type=kind,
                        score=RECALL_SCORE,
                        source="report.recalled",
                    )
                )
        return found

    @staticmethod
    def _teachable(span: PhiSpan) -> bool:
        if span.type is PhiType.NAME:
            return span.score >= MIN_NAME_SCORE
        return (
            span.type is PhiType.LOCATION
            and span.score >= MIN_PLACE_SCORE
            and span.source.startswith(_PLACE_SOURCES)
        )

    def _distinctive(self, key: str) -> bool:
        """A word that is a name wherever it appears: not an English or clinical word."""
        return len(key) >= 3 and key not in STOPWORDS and not self.lexicon.is_vocabulary(key)
