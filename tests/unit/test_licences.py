"""No installed distribution may be GPL, AGPL or (unless allow-listed) LGPL licensed.

clinrelay is Apache-2.0 and its rule is absolute: no GPL or AGPL dependency, direct or
transitive; installed-but-unused does not count as absent. This reads the metadata of every
distribution in the running environment (runtime, dev and — when installed — bench extras):
``License-Expression`` when present (PEP 639 makes it authoritative; an SPDX ``OR`` with a
non-copyleft alternative is a licence we can choose), otherwise ``License`` and the licence
``Classifier`` lines.
"""

from __future__ import annotations

import importlib.metadata
import re
from email.message import Message
from typing import cast

import pytest

COPYLEFT = re.compile(
    r"\b(?:A|L)?GPL|GNU (?:Affero |Lesser |Library )?General Public|Affero", re.IGNORECASE
)

ALLOWED: dict[str, str] = {
    # Needed by WeasyPrint (the renderer's PDF engine, BSD) for CSS hyphenation. Its code is
    # tri-licensed GPL-2.0+ / LGPL-2.1+ / MPL-1.1 (see its LICENSE); clinrelay takes it under
    # MPL-1.1. Its bundled LibreOffice hyphenation dictionaries carry their own licences and a
    # few are GPL-only (e.g. hyph_gl, hyph_nb_NO, hyph_pt_PT, hyph_ro_RO, hyph_uk_UA); WeasyPrint
    # loads one only for `hyphens: auto` in that language. Reported to the lead for a decision.
    "pyphen": "MPL-1.1 (tri-licensed GPL-2.0+/LGPL-2.1+/MPL-1.1)",
    # Bench extras only (vigipy needs it; the services never install it). SciPy is BSD-3-Clause;
    # its wheel bundles the GCC runtime (libgfortran), GPL-3.0-or-later WITH GCC-exception-3.1,
    # an exception that exists so programs linking it carry no GPL obligation.
    "scipy": "BSD-3-Clause (bundled libgfortran: GPL-3.0+ WITH GCC-exception-3.1)",
}


def declared_licences(metadata: Message) -> list[str]:
    """The licence statements of one distribution's metadata, as written."""
    expression = metadata.get("License-Expression")
    if expression:
        return [expression.strip()]
    licence = (metadata.get("License") or "").strip()
    classifiers = [
        c.removeprefix("License :: ")
        for c in metadata.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    return ([licence] if licence else []) + classifiers


def is_copyleft_only(metadata: Message) -> bool:
    """Whether the distribution declares a GPL-family licence with no other licence to choose.

    With an SPDX expression, any top-level ``OR`` alternative free of GPL/AGPL/LGPL will do
    (``MIT OR GPL-2.0-or-later``); parentheses or ``AND`` are read conservatively, as one. Without
    one, any GPL-family mention flags the distribution: classifiers do not say whether several
    licences are alternatives or all apply.
    """
    expression = (metadata.get("License-Expression") or "").strip()
    if expression:
        if "(" in expression or re.search(r"\bAND\b|\bWITH\b", expression):
            alternatives = [expression]
        else:
            alternatives = re.split(r"\s+OR\s+", expression)
        return all(COPYLEFT.search(_spdx_words(a)) for a in alternatives)
    return any(COPYLEFT.search(text) for text in declared_licences(metadata))


def _spdx_words(identifier: str) -> str:
    # SPDX ids are "GPL-2.0-only", "LGPL-2.1-or-later", "AGPL-3.0": the pattern needs a word edge
    return identifier.replace("-", " ")


def _metadata(**fields: str | list[str]) -> Message:
    message = Message()
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            message[name.replace("_", "-")] = item
    return message


@pytest.mark.parametrize(
    ("fields", "flagged"),
    [
        ({"License": "MIT"}, False),
        ({"License_Expression": "Apache-2.0"}, False),
        ({"License_Expression": "GPL-2.0-or-later"}, True),
        ({"License_Expression": "AGPL-3.0-only"}, True),
        ({"License_Expression": "LGPL-2.1-only"}, True),
        ({"License_Expression": "MIT OR GPL-3.0-only"}, False),
        ({"License_Expression": "MIT AND GPL-3.0-only"}, True),
        ({"License_Expression": "(MIT OR GPL-3.0-only) AND LGPL-2.1-only"}, True),
        ({"License": "GPL"}, True),
        (
            {
                "Classifier": [
                    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)"
                ]
            },
            True,
        ),
        ({"Classifier": ["License :: OSI Approved :: GNU Affero General Public License v3"]}, True),
        ({"Classifier": ["License :: OSI Approved :: BSD License"]}, False),
        ({"Classifier": ["Topic :: Scientific/Engineering :: GPL tools"]}, False),
        ({"License": "Mozilla Public License 2.0 (MPL 2.0)"}, False),
    ],
)
def test_the_check_recognises_gpl_family_licences(
    fields: dict[str, str | list[str]], flagged: bool
) -> None:
    assert is_copyleft_only(_metadata(**fields)) is flagged


def test_no_installed_distribution_is_gpl_or_agpl() -> None:
    offenders = {}
    for distribution in importlib.metadata.distributions():
        metadata = _message(distribution)
        name = metadata["Name"]
        if is_copyleft_only(metadata) and _normalized(name) not in ALLOWED:
            offenders[f"{name} {metadata['Version']}"] = _summary(metadata)
    assert not offenders, f"GPL-family licences installed: {offenders}"


def test_the_allow_list_names_installed_distributions_only_when_still_needed() -> None:
    installed = {
        _normalized(d.metadata["Name"]): _message(d) for d in importlib.metadata.distributions()
    }
    for name in ALLOWED:
        if name in installed:
            # an allow-listed package that stopped declaring a GPL-family licence needs no entry
            assert is_copyleft_only(installed[name]), f"{name} no longer needs an allow-list entry"


def _summary(metadata: Message) -> list[str]:
    """Each licence statement cut to its first line, with the GPL-family words it contains (a
    ``License`` field sometimes holds whole licence texts, bundled libraries' included)."""
    summary = []
    for text in declared_licences(metadata):
        first_line = text.splitlines()[0][:80] if text else ""
        words = sorted({m.group(0) for m in COPYLEFT.finditer(text)})
        summary.append(f"{first_line} (mentions {', '.join(words)})" if words else first_line)
    return summary


def _message(distribution: importlib.metadata.Distribution) -> Message:
    # the metadata is an email.message.Message subclass; its typed protocol lacks ``get``
    return cast(Message, distribution.metadata)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
