"""openFDA drug/event queries: the search expressions a CER needs, and their canonical URLs.

Every search on a product uses the ``.exact`` field with quoted values: unquoted values are
tokenised by openFDA and match unrelated reports. Dates are openFDA's ``YYYYMMDD`` ranges on
``receivedate`` (the date FDA received the report).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from shared.events.cer import QueryPurpose

ENDPOINT = "/drug/event.json"
PRODUCT_NDC_FIELD = "patient.drug.openfda.product_ndc.exact"
REACTION_FIELD = "patient.reaction.reactionmeddrapt.exact"
MAX_LIMIT = 1000


def quote(value: str) -> str:
    """A value as a quoted openFDA phrase (quotes and backslashes escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def any_of(field: str, values: Sequence[str]) -> str:
    """``field:"a"`` or ``field:("a" "b")``: openFDA ORs space-separated terms."""
    if len(values) == 1:
        return f"{field}:{quote(values[0])}"
    return f"{field}:(" + " ".join(quote(v) for v in values) + ")"


def window(since: date | None, until: date | None) -> str | None:
    """The ``receivedate`` range clause, or None for all time."""
    if since is None and until is None:
        return None
    low = since.strftime("%Y%m%d") if since else "19000101"
    high = until.strftime("%Y%m%d") if until else "29991231"
    return f"receivedate:[{low} TO {high}]"


def all_of(*clauses: str | None) -> str | None:
    present = [c for c in clauses if c]
    if not present:
        return None
    return " AND ".join(f"({c})" if " OR " in c else c for c in present)


def product_search(product_ndcs: Sequence[str], since: date | None, until: date | None) -> str:
    search = all_of(any_of(PRODUCT_NDC_FIELD, product_ndcs), window(since, until))
    assert search is not None
    return search


def reaction_search(term: str, since: date | None, until: date | None) -> str:
    search = all_of(any_of(REACTION_FIELD, [term]), window(since, until))
    assert search is not None
    return search


def fallback_search(names: Sequence[str]) -> str:
    """A free-text search of the reported product name, which needs no openFDA harmonisation."""
    return any_of("patient.drug.medicinalproduct", names)


@dataclass(frozen=True)
class Query:
    """One request to the drug/event endpoint (before paging and without the API key)."""

    purpose: QueryPurpose
    search: str | None = None
    count: str | None = None
    sort: str | None = None
    limit: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"openFDA limit must be 0..{MAX_LIMIT}, not {self.limit}")

    def params(self) -> dict[str, str]:
        """Query parameters in a fixed order (so equal queries have equal URLs)."""
        params: dict[str, str] = {}
        if self.search:
            params["search"] = self.search
        if self.count:
            params["count"] = self.count
        if self.sort:
            params["sort"] = self.sort
        params["limit"] = str(self.limit)
        return params

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{ENDPOINT}?{urlencode(self.params())}"


def cache_key(url: str) -> bytes:
    """The cache key of a request URL (which never includes the API key)."""
    return hashlib.sha256(url.encode()).digest()
