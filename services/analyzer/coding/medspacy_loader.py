"""Import medspaCy without its QuickUMLS loader.

``medspacy.util`` imports ``quickumls`` at module level only to register the QuickUMLS spaCy
factory, and QuickUMLS imports NLTK and Unidecode (GPL-2.0+). clinrelay uses ConText and the
sectionizer only, never QuickUMLS, so a placeholder stands in for ``quickumls`` while medspaCy is
imported: no GPL code is loaded into the process (a unit test checks this).
"""

from __future__ import annotations

import sys
import threading
import types

_lock = threading.Lock()


def import_medspacy() -> None:
    """Import ``medspacy.context`` and ``medspacy.section_detection`` (idempotent)."""
    if "medspacy.context" in sys.modules and "medspacy.section_detection" in sys.modules:
        return
    with _lock:
        placeholder = None
        if "quickumls" not in sys.modules:
            placeholder = types.ModuleType("quickumls")
            placeholder.__doc__ = "clinrelay placeholder: QuickUMLS is not used"
            placeholder.spacy_component = None  # type: ignore[attr-defined]
            sys.modules["quickumls"] = placeholder
        try:
            import medspacy.context  # noqa: PLC0415
            import medspacy.section_detection  # noqa: F401, PLC0415
        finally:
            if placeholder is not None and sys.modules.get("quickumls") is placeholder:
                del sys.modules["quickumls"]
