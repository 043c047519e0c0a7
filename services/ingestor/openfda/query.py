"""openFDA queries: the search expressions a drug or device report needs, and canonical URLs.

Every search on a product uses the ``.exact`` field with quoted values: unquoted values are
tokenised by openFDA and match unrelated reports. Dates are openFDA's ``YYYYMMDD`` ranges on
``receivedate`` (drug/event: the date FDA received the report) or ``date_received``
(device/event).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from shared.events.cer import CerRequest, DrugScope, QueryPurpose

ENDPOINT = "/drug/event.json"
DEVICE_ENDPOINT = "/device/event.json"
PRODUCT_NDC_FIELD = "patient.drug.openfda.product_ndc.exact"
SUBSTANCE_FIELD = "patient.drug.openfda.substance_name.exact"
GENERIC_FIELD = "patient.drug.openfda.generic_name.exact"
BRAND_FIELD = "patient.drug.openfda.brand_name.exact"
REACTION_FIELD = "patient.reaction.reactionmeddrapt.exact"
RECEIVE_DATE = "receivedate"
MAX_LIMIT = 1000


def quote(value: str) -> str:
    """A value as a quoted openFDA phrase (quotes and backslashes escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def any_of(field: str, values: Sequence[str]) -> str:
    """``field:"a"`` or ``field:("a" "b")``: openFDA ORs space-separated terms."""
    if len(values) == 1:
        return f"{field}:{quote(values[0])}"
    return f"{field}:(" + " ".join(quote(v) for v in values) + ")"


def window(since: date | None, until: date | None, field: str = RECEIVE_DATE) -> str | None:
    """The receive-date range clause, or None for all time."""
    if since is None and until is None:
        return None
    low = since.strftime("%Y%m%d") if since else "19000101"
    high = until.strftime("%Y%m%d") if until else "29991231"
    return f"{field}:[{low} TO {high}]"


def any_field(fields: Sequence[str], value: str) -> str:
    """``(a:"v" OR b:"v")``: one value in any of several fields."""
    return "(" + " OR ".join(f"{field}:{quote(value)}" for field in fields) + ")"


def scope_clause(request: CerRequest) -> str:
    """What a drug entry must carry to be the requested product, as an openFDA clause."""
    match request.scope:
        case DrugScope.NDC:
            return any_of(PRODUCT_NDC_FIELD, request.product_ndcs)
        case DrugScope.INGREDIENT:
            return any_field((SUBSTANCE_FIELD, GENERIC_FIELD), request.searched)
        case DrugScope.BRAND:
            return any_of(BRAND_FIELD, [request.searched])


def scope_search(request: CerRequest) -> str:
    """The search for the scope's reports in the request's window."""
    search = all_of(scope_clause(request), window(request.since, request.effective_until))
    assert search is not None
    return search


def request_window(request: CerRequest) -> str | None:
    return window(request.since, request.effective_until)


def all_of(*clauses: str | None) -> str | None:
    present = [c for c in clauses if c]
    if not present:
        return None
    return " AND ".join(
        f"({c})" if " OR " in c and not (c.startswith("(") and c.endswith(")")) else c
        for c in present
    )


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
    endpoint: str = ENDPOINT

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
        return f"{base_url.rstrip('/')}{self.endpoint}?{urlencode(self.params())}"


def cache_key(url: str) -> bytes:
    """The cache key of a request URL (which never includes the API key)."""
    return hashlib.sha256(url.encode()).digest()
