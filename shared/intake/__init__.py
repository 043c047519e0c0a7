"""Domain pieces more than one service needs at a boundary: pure, no I/O.

The gateway checks what clients send with the same code the ingestor later parses it with, so a
request the gateway accepts is one the ingestor can read:

- :mod:`shared.intake.fhir`: FHIR R4 Bundle parsing and admission (``parse_bundle``,
  ``check_coding_bundle``), and the known-PHI extraction it does on the way;
- :mod:`shared.intake.known_phi`: the PHI a record states in structured form (``KnownPhi``);
- :mod:`shared.intake.note_limits`: how long a note may be;
- :mod:`shared.intake.ndc`: NDC product codes in their accepted forms;
- :mod:`shared.intake.cadence`: schedule cadences.

Nothing here opens a socket, a file or a database connection (an import contract checks it).
"""
