"""Named SQL parameters: placeholders numbered once per name, casts and words left alone, and the
binding dataclass checked against the statement where it is defined."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shared.db.named import NamedQuery


@dataclass(frozen=True)
class Params:
    report_id: str
    status: str
    details: dict[str, int]


def test_each_name_is_one_numbered_parameter_and_casts_stay() -> None:
    query = NamedQuery.parse(
        "UPDATE reports SET status = :status, details = :details::jsonb "
        "WHERE id = :report_id AND (:status <> 'x:y' OR kind::text = 'a')",
        Params,
    )
    assert query.sql == (
        "UPDATE reports SET status = $1, details = $2::jsonb "
        "WHERE id = $3 AND ($1 <> 'x:y' OR kind::text = 'a')"
    )
    assert query.args(Params("r1", "FAILED", {"n": 1})) == ["FAILED", {"n": 1}, "r1"]


def test_a_field_the_sql_does_not_use_or_a_name_with_no_field_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not in the SQL \['details'\]"):
        NamedQuery.parse("SELECT :report_id, :status", Params)
    with pytest.raises(ValueError, match=r"not a field \['kind'\]"):
        NamedQuery.parse("SELECT :report_id, :status, :details, :kind", Params)
