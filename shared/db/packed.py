"""Rows of models kept beside a report as one compressed JSON value with its SHA-256: what is too
big for a message (a safety report's cases, its case line listing) and travels by reference.

The writer stores :func:`pack`'s value and hands on the digest; the reader gets the models back
with :func:`unpack`, which refuses a value that does not hash to the digest it was given.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import orjson
from pydantic import BaseModel, TypeAdapter

Model = TypeVar("Model", bound=BaseModel)


class NotAsPacked(ValueError):
    """The stored value does not hash to the digest its reference carries."""


@dataclass(frozen=True)
class Packed:
    compressed: bytes
    sha256: bytes
    """Of the uncompressed JSON."""
    count: int


def models_json(models: Sequence[BaseModel]) -> bytes:
    """The models as one JSON array (what :func:`pack` compresses)."""
    return orjson.dumps([model.model_dump(mode="json") for model in models])


def pack(models: Sequence[BaseModel]) -> Packed:
    raw = models_json(models)
    return Packed(zlib.compress(raw, 6), hashlib.sha256(raw).digest(), len(models))


def unpack(compressed: bytes, sha256_hex: str, model: type[Model]) -> tuple[Model, ...]:
    """The models of a packed value; :class:`NotAsPacked` when it is not what was packed."""
    raw = zlib.decompress(compressed)
    if hashlib.sha256(raw).hexdigest() != sha256_hex:
        raise NotAsPacked
    return TypeAdapter(tuple[model, ...]).validate_json(raw)  # type: ignore[valid-type]
