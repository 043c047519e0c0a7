"""Names grown from names already found: signature lines, neighbouring name-like words, and
every other occurrence of a confidently found name in the note."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.ingestor.phi.name_words import CREDENTIALS, KIN, STOPWORDS, STRONG_TITLES
from services.ingestor.phi.tokens import CaseStyle

if TYPE_CHECKING:
    from services.ingestor.phi.names import NameFinder


def signature_lines(finder: NameFinder) -> None:
    """Short last lines of a note are signatures: ``Ilene Macdonald RN``, ``SUSAN``."""
    lines: dict[int, list[int]] = {}
    for i, tok in enumerate(finder.tokens):
        lines.setdefault(finder.text.rfind("\n", 0, tok.start), []).append(i)
    for start in sorted(lines)[-2:]:
        line = lines[start]
        end = finder.text.find("\n", finder.tokens[line[-1]].end)
        rest = finder.text[finder.tokens[line[-1]].end : end if end >= 0 else len(finder.text)]
        if (
            len(line) > 5
            or ":" in rest
            or any(c.isdigit() for c in finder.text[start + 1 : finder.tokens[line[-1]].end])
        ):
            continue
        words = [
            finder.tokens[i]
            for i in line
            if finder.tokens[i].key not in CREDENTIALS and not finder.initial(i)
        ]
        if not words or not all(finder.name_like(w, finder.medium) for w in words):
            continue
        if not any(finder.dictionary_name(w) for w in words):
            continue
        for i in line:
            if finder.tokens[i].key not in CREDENTIALS:
                finder.mark(i, 0.8, "name.signature")


def grow_into_neighbours(finder: NameFinder) -> None:
    """Grow names into neighbouring name-like tokens: ``Karen Ann Yanulis``."""
    changed = True
    while changed:
        changed = False
        for i in sorted(finder.scores):
            if finder.scores[i][0] < 0.75:
                continue
            for j in (i - 1, i + 1):
                if (
                    j < 0
                    or j >= len(finder.tokens)
                    or (j in finder.scores and finder.scores[j][0] >= 0.5)
                ):
                    continue
                a, b = (
                    (finder.tokens[j], finder.tokens[i])
                    if j < i
                    else (finder.tokens[i], finder.tokens[j])
                )
                if not finder.joined(a, b, " -"):
                    continue
                tok = finder.tokens[j]
                if tok.key in KIN or tok.key in CREDENTIALS or tok.key in STRONG_TITLES:
                    continue  # "Dtr Hope": the kin word stays
                given_first = (
                    j < i and finder.lex.given_weight(tok.key) >= 0.7 and tok.key not in STOPWORDS
                )
                # "John Doe": an ordinary word that is a surname, after a given name
                surname_after = (
                    j > i
                    and finder.scores[i][0] >= 0.8
                    and finder.lex.given_weight(finder.tokens[i].key) >= 0.7
                    and finder.lex.surname_weight(tok.key) >= 0.6
                    and finder.capitalised(tok)
                )
                if (
                    surname_after
                    or finder.dictionary_name(tok)
                    or (finder.unknown_word(tok) and finder.capitalised(tok))
                    or (
                        given_first and (finder.capitalised(tok) or finder.style is CaseStyle.UPPER)
                    )
                ):
                    finder.mark(j, 0.75, "name.adjacent")
                    changed = True


def repeat_confident_names(finder: NameFinder) -> None:
    """A name found with confidence is masked wherever else it occurs in the note."""
    confident = {
        finder.tokens[i].key
        for i, (score, _) in finder.scores.items()
        if score >= 0.8
        and len(finder.tokens[i].key) >= 3
        and not finder.lex.is_vocabulary(finder.tokens[i].key)
    }
    for i, tok in enumerate(finder.tokens):
        if tok.key in confident:
            finder.mark(i, 0.8, "name.propagated")
