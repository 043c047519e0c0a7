"""What the trained PHI model sees of each token: its features, by named feature set.

A note is cut into tokens (a run of letters, a run of digits, or one other character); each
token gets a list of CRFsuite string features. A model file names the feature set it was trained
with, so a model trained by an earlier version keeps working:

- ``tokens-v1``: the word, its shape, case, 3-letter prefix, 2/3-letter suffixes, digit count,
  a combined gazetteer class, words and shapes of two neighbours each side, neighbours'
  gazetteer classes, word bigrams, the space before the token, the start of the note.
- ``tokens-v2``: v1's, plus prefixes and suffixes of 1-4 letters,
  each gazetteer flag on its own (given name, surname, place, region, English, clinical), a
  window of three tokens each side with their shape, case and gazetteer flags, where the token
  stands in its line (first word, index), the label that opens the line (``Name:``, ``Dr.``,
  ``cc:``), whether the line is typed in capitals, a title word (Dr, Mr, Mrs...) within two
  tokens before, and a run of capitalised words around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.ingestor.phi.lexicon import Lexicon

_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
_TITLES = frozenset(
    {
        *("dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "md", "rn", "np", "pa"),
        *("sr", "sister", "nurse", "dear", "attending", "fellow"),
    }
)


@dataclass(frozen=True, slots=True)
class Tok:
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Tok]:
    return [Tok(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=1 << 16)
def shape(word: str) -> str:
    out = re.sub(r"[A-Z]", "X", word)
    out = re.sub(r"[a-z]", "x", out)
    out = re.sub(r"\d", "d", out)
    return re.sub(r"(.)\1{2,}", r"\1\1", out)  # "Xxxxxxx" -> "Xxx"


@lru_cache(maxsize=1 << 16)
def _short_shape(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", shape(word))  # "Xxx" -> "Xx", "dd/dd" -> "d/d"


def _case(word: str) -> str:
    if not word[0].isalpha():
        return "digit" if word[0].isdigit() else "punct"
    if word.isupper():
        return "upper"
    return "title" if word[0].isupper() else "lower"


def _gazetteer(key: str, lex: Lexicon) -> tuple[str, ...]:
    flags = []
    if lex.given_weight(key) > 0:
        flags.append(f"g{lex.given_weight(key):.1f}")
    if lex.surname_weight(key) > 0:
        flags.append(f"s{lex.surname_weight(key):.1f}")
    if key in lex.places:
        flags.append("place")
    if key in lex.regions:
        flags.append("region")
    if key in lex.english:
        flags.append("eng")
    if key in lex.clinical or key in lex.medical:
        flags.append("clin")
    return tuple(flags)


def _word_features(tok: Tok, gaz: tuple[str, ...]) -> dict[str, str]:
    """What one token looks like, without its neighbours (v1); ``gaz``: its gazetteer flags."""
    word = tok.text
    key = word.lower()
    f = {"w": key, "sh": shape(word)}
    if word[0].isalpha():
        f["p3"] = key[:3]
        f["s3"] = key[-3:]
        f["s2"] = key[-2:]
        f["case"] = (
            "title"
            if word[0].isupper() and not word.isupper()
            else ("upper" if word.isupper() else "lower")
        )
        f["gaz"] = "+".join(gaz) or "none"
    elif word[0].isdigit():
        f["nd"] = str(min(len(word), 11))
    return f


def _gazetteers(toks: Sequence[Tok], lex: Lexicon) -> list[tuple[str, ...]]:
    memo: dict[str, tuple[str, ...]] = {}
    out = []
    for tok in toks:
        key = tok.text.lower()
        if key not in memo:
            memo[key] = _gazetteer(key, lex) if key[0].isalpha() else ()
        out.append(memo[key])
    return out


def features_v1(
    text: str, toks: Sequence[Tok], lex: Lexicon, gaz: list[tuple[str, ...]] | None = None
) -> list[list[str]]:
    """CRFsuite item features for each token: its own, its neighbours', where it stands."""
    gaz = _gazetteers(toks, lex) if gaz is None else gaz
    own = [_word_features(t, g) for t, g in zip(toks, gaz, strict=True)]
    out: list[list[str]] = []
    for i, tok in enumerate(toks):
        feats = [f"{k}={v}" for k, v in own[i].items()]
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(toks):
                other = own[j]
                feats.append(f"{offset}w={other['w']}")
                feats.append(f"{offset}sh={other['sh']}")
                if "gaz" in other and abs(offset) == 1:
                    feats.append(f"{offset}gaz={other['gaz']}")
            else:
                feats.append(f"{offset}w=<edge>")
        if i > 0:
            gap = text[toks[i - 1].end : tok.start]
            feats.append("sp=" + ("nl" if "\n" in gap else ("s" if gap else "none")))
            feats.append(f"-1w|w={own[i - 1]['w']}|{own[i]['w']}")
        else:
            feats.append("bos")
        if i + 1 < len(toks):
            feats.append(f"w|+1w={own[i]['w']}|{own[i + 1]['w']}")
        out.append(feats)
    return out


@dataclass(frozen=True, slots=True)
class _Line:
    index: int
    """The token's place in its line (0: first)."""
    label: str
    """The line's opening label (``name`` for ``Name: ...``, ``dr`` for ``Dr. ...``) or ``-``."""
    upper: bool
    """The line's letters are all capitals (an ICU nursing note, a header)."""


def _lines(text: str, toks: Sequence[Tok]) -> list[_Line]:
    out: list[_Line] = []
    first = 0
    for i, tok in enumerate(toks):
        if i == 0 or "\n" in text[toks[i - 1].end : tok.start]:
            first = i
            end = text.find("\n", tok.start)
            line = text[tok.start : len(text) if end < 0 else end]
            letters = [c for c in line if c.isalpha()]
            upper = len(letters) >= 4 and all(c.isupper() for c in letters)
            head = re.match(r"\s*([A-Za-z]+(?:\s[A-Za-z]+)?)\s*(:|\.)", line)
            label = head.group(1).lower().replace(" ", "_") if head else "-"
            if head and head.group(2) == "." and label not in _TITLES:
                label = "-"
        out.append(_Line(i - first, label, upper))
    return out


def features_v2(text: str, toks: Sequence[Tok], lex: Lexicon) -> list[list[str]]:
    """v1's features and more context (see the module doc)."""
    gaz = _gazetteers(toks, lex)
    base = features_v1(text, toks, lex, gaz)
    keys = [t.text.lower() for t in toks]
    cases = [_case(t.text) for t in toks]
    shapes = [_short_shape(t.text) for t in toks]
    lines = _lines(text, toks)
    n = len(toks)
    for i, feats in enumerate(base):
        key = keys[i]
        if key[0].isalpha():
            feats += [f"p{k}={key[:k]}" for k in (1, 2, 4) if len(key) >= k]
            feats += [f"s{k}={key[-k:]}" for k in (1, 4) if len(key) >= k]
            feats.append(f"len={min(len(key), 10)}")
        feats += [f"gz={g}" for g in gaz[i]]
        feats.append(f"ssh={shapes[i]}")
        for offset in (-3, -2, -1, 1, 2, 3):
            j = i + offset
            if not 0 <= j < n:
                continue
            if abs(offset) == 3:
                feats.append(f"{offset}w={keys[j]}")
            feats.append(f"{offset}case={cases[j]}")
            feats.append(f"{offset}ssh={shapes[j]}")
            feats += [f"{offset}gz={g}" for g in gaz[j]]
        if i >= 2:
            feats.append(f"-2w|-1w={keys[i - 2]}|{keys[i - 1]}")
        line = lines[i]
        feats.append(f"li={min(line.index, 4)}")
        feats.append(f"lab={line.label}")
        if line.upper:
            feats.append("upline")
        if any(keys[j] in _TITLES for j in range(max(0, i - 2), i)):
            feats.append("title<")
        capitalised = cases[i] in ("title", "upper") and not line.upper
        run = capitalised and any(0 <= j < n and cases[j] == "title" for j in (i - 1, i + 1))
        if run:
            feats.append("caprun")
    return base


FEATURE_SETS: dict[str, Callable[[str, Sequence[Tok], Lexicon], list[list[str]]]] = {
    "tokens-v1": features_v1,
    "tokens-v2": features_v2,
}
DEFAULT_FEATURES = "tokens-v2"
