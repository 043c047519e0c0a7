"""PHI detection and de-identification of clinical text (the only code that must see PHI).

Public API (import from the submodules; this package imports nothing heavy on its own):

- ``detect.detect_phi(text, known) -> list[PhiSpan]``
- ``deidentify.deidentify_note(text, known, policy) -> DeidentifiedNote``
- ``deidentify.PhiDeidentifier(policy)``: the ingestor's ``port.NoteDeidentifier``
- ``policy.DeidPolicy``, ``settings.PhiSettings``
"""
