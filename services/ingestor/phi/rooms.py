"""Room, bed and bay numbers: where in a building a patient lies (``ROOM 14``, ``RM 512-B``,
``Bed 12``, ``Bay 3 Bed 4``, ``Ward B-3``, ``LOC: 4C-12``)."""

from __future__ import annotations

import re

from services.ingestor.phi.spans import PhiSpan, PhiType

_ROOM = re.compile(
    r"\b(?:(?i:room|rm|bed|bay|ward|cubicle)\b\.?[ \t]*[:#]?|(?i:loc)[ \t]*:)[ \t]*"
    r"(?P<value>\d{1,4}[A-Za-z]?(?:-[A-Za-z0-9]{1,4})?|[A-Z]{1,2}-?\d{1,3}[A-Z]?(?:-\d{1,3})?)\b"
    # "bed 30 degrees", "bed 2 hours", "room 2 times": measures, not places
    r"(?![ \t]*(?:°|%|degrees?|deg\b|hours?|hrs?\b|min|minutes?|times|x\b|days?|weeks?|mg|ml|cc))",
)


def find_rooms(text: str) -> list[PhiSpan]:
    """The number after a room, bed, bay or ward word, as a place."""
    return [
        PhiSpan(
            start=m.start("value"),
            end=m.end("value"),
            type=PhiType.LOCATION,
            score=0.75,
            source="location.room",
        )
        for m in _ROOM.finditer(text)
    ]
