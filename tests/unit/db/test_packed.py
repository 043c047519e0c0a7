"""Rows packed beside a report come back as they went in, and a value that is not what its
reference's digest says is refused rather than read."""

from __future__ import annotations

import zlib

import pytest
from pydantic import BaseModel

from shared.db.packed import NotAsPacked, pack, unpack


class Case(BaseModel):
    id: str
    reactions: tuple[str, ...]


CASES = [Case(id="1", reactions=("Nausea",)), Case(id="2", reactions=("Rash", "Fever"))]


def test_packed_rows_come_back_as_they_went_in() -> None:
    packed = pack(CASES)
    assert packed.count == 2
    assert unpack(packed.compressed, packed.sha256.hex(), Case) == tuple(CASES)


def test_a_value_that_does_not_hash_to_its_reference_is_refused() -> None:
    packed = pack(CASES)
    other = zlib.compress(b'[{"id": "1", "reactions": ["Nausea"]}]')
    with pytest.raises(NotAsPacked):
        unpack(other, packed.sha256.hex(), Case)
