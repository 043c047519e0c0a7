"""A fixture server speaking openFDA's drug/event and device/event APIs, for tests and machines
without internet.

It serves openFDA content (see ``data/SOURCE.md``): real FAERS reports at
``/drug/event.json``; real MAUDE records and records generated from FDA's device/event schema
(labelled synthetic) at ``/device/event.json``. Searches and counts are computed over the bundled
reports with :mod:`~clinrelay.openfda_fixture.query`, and the recorded responses are
replayed verbatim for the queries they were recorded for. Like openFDA it answers 404
``NOT_FOUND`` for zero matches, 400 for a limit over 1,000 or a skip over 25,000, pages with
``search_after`` in a ``Link: <…>; rel="next"`` header, counts a date field by day (``time``),
and carries ``meta.last_updated`` (one per endpoint).

Tests steer it through :class:`FixtureState`: queue faults (429, 500, …), alias a query to a
recorded response, or change ``last_updated`` to simulate a new data release.
``clinrelay openfda-fixture --port N`` runs it with uvicorn.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clinrelay.openfda_fixture.query import QuerySyntaxError, count_terms, parse_search

DEFAULT_LAST_UPDATED = date(2014, 3, 31)
DEFAULT_DEVICE_LAST_UPDATED = date(2025, 1, 28)
"""The bundled device records run to December 2024."""
DATE_FIELDS = frozenset({"receivedate", "date_received"})
MAX_LIMIT = 1000
MAX_SKIP = 25_000
DISCLAIMER = (
    "Do not rely on openFDA to make decisions regarding medical care. While we make every effort "
    "to ensure that data is accurate, you should assume all results are unvalidated."
)
OVER_RATE_LIMIT = {
    "error": {
        "code": "OVER_RATE_LIMIT",
        "message": "You have exceeded your rate limit. Try again later.",
    }
}


def _data_dir() -> Path:
    return Path(str(resources.files("clinrelay.openfda_fixture").joinpath("data")))


def recorded(name: str) -> Any:
    """A recorded openFDA response body from ``data/recorded``."""
    return json.loads((_data_dir() / "recorded" / name).read_text("utf-8"))


def bundled_reports() -> list[dict[str, Any]]:
    """Every real report the fixture serves, de-duplicated by safetyreportid."""
    data = _data_dir()
    reports: list[dict[str, Any]] = json.loads(
        (data / "drug_event_limit100_results.json").read_text("utf-8")
    )
    reports.append(json.loads((data / "event.postannotation.json").read_text("utf-8")))
    for name in (
        "event_product_ndc_50242-051_seriousnessdeath.json",
        "event_product_ndc_65862-659_seriousnesscongenitalanomali.json",
    ):
        reports.extend(recorded(name)["results"])
    unique: dict[str, dict[str, Any]] = {}
    for report in reports:
        unique.setdefault(str(report.get("safetyreportid")), report)
    return list(unique.values())


def bundled_device_reports() -> list[dict[str, Any]]:
    """Every device/event record the fixture serves: the real MAUDE samples, then the synthetic
    ones generated from FDA's schema (``bench/device/make_maude_fixture.py``)."""
    data = _data_dir()
    reports: list[dict[str, Any]] = []
    for name in ("device_event_maude_samples.json", "device_event_synthetic.json"):
        reports.extend(json.loads((data / name).read_text("utf-8")))
    return reports


# The real queries the recorded responses answer (search text as decoded from their URLs).
RECORDINGS: dict[str, str] = {
    "patient.drug.openfda.product_ndc:50242-051 AND seriousnessdeath:1": (
        "event_product_ndc_50242-051_seriousnessdeath.json"
    ),
    "patient.drug.openfda.product_ndc:65862-659 AND seriousnesscongenitalanomali:1": (
        "event_product_ndc_65862-659_seriousnesscongenitalanomali.json"
    ),
}


@dataclass
class Fault:
    """Answer the next ``times`` requests with ``status`` (and ``body``) instead of data."""

    status: int
    body: Any = None
    times: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class FixtureState:
    reports: list[dict[str, Any]] = field(default_factory=bundled_reports)
    last_updated: date = DEFAULT_LAST_UPDATED
    device_reports: list[dict[str, Any]] = field(default_factory=bundled_device_reports)
    device_last_updated: date = DEFAULT_DEVICE_LAST_UPDATED
    faults: deque[Fault] = field(default_factory=deque)
    aliases: dict[str, str] = field(default_factory=lambda: dict(RECORDINGS))
    """search text → recorded file replayed for it (tests add their own)."""
    requests: list[str] = field(default_factory=list)
    """Query strings received, in order (api_key removed), for tests to inspect."""


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


@dataclass(frozen=True)
class _Endpoint:
    """What differs between drug/event and device/event."""

    id_field: str
    date_field: str
    device: bool

    def reports(self, state: FixtureState) -> list[dict[str, Any]]:
        return state.device_reports if self.device else state.reports

    def last_updated(self, state: FixtureState) -> date:
        return state.device_last_updated if self.device else state.last_updated


DRUG = _Endpoint("safetyreportid", "receivedate", device=False)
DEVICE = _Endpoint("mdr_report_key", "date_received", device=True)


def _meta(
    state: FixtureState, results: Mapping[str, int] | None, endpoint: _Endpoint = DRUG
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "disclaimer": DISCLAIMER,
        "terms": "https://open.fda.gov/terms/",
        "license": "https://open.fda.gov/license/",
        "last_updated": endpoint.last_updated(state).isoformat(),
    }
    if results is not None:
        meta["results"] = dict(results)
    return meta


def _sort_key(field_name: str, id_field: str = "safetyreportid") -> Any:
    def key(report: Mapping[str, Any]) -> tuple[str, str]:
        return (str(report.get(field_name) or ""), str(report.get(id_field) or ""))

    return key


def _page(
    state: FixtureState,
    request: Request,
    matches: Sequence[dict[str, Any]],
    limit: int,
    endpoint: _Endpoint = DRUG,
) -> Response:
    params = request.query_params
    skip = int(params.get("skip") or 0)
    ordered = list(matches)
    sort = params.get("sort")
    if sort:
        field_name, _, direction = sort.partition(":")
        ordered.sort(key=_sort_key(field_name, endpoint.id_field), reverse=direction == "desc")
    else:
        field_name = endpoint.date_field
    start = skip
    after = params.get("search_after")
    if after:
        cursor = dict(part.split("=", 1) for part in after.split(";") if "=" in part)
        position = (cursor.get("0", ""), cursor.get("1", ""))
        keys = [_sort_key(field_name, endpoint.id_field)(r) for r in ordered]
        start = next((i + 1 for i, k in enumerate(keys) if k == position), len(ordered))
    page = ordered[start : start + limit]
    headers = {}
    if start + limit < len(ordered) and page:
        last_key = _sort_key(field_name, endpoint.id_field)(page[-1])
        query = [(k, v) for k, v in params.multi_items() if k not in {"skip", "search_after"}]
        query += [("skip", "0"), ("search_after", f"0={last_key[0]};1={last_key[1]}")]
        link = f"{request.url.scheme}://{request.url.netloc}{request.url.path}?{urlencode(query)}"
        headers["Link"] = f'<{link}>; rel="next"'
    meta = _meta(state, {"skip": skip, "limit": limit, "total": len(ordered)}, endpoint)
    return JSONResponse({"meta": meta, "results": page}, headers=headers)


def _take_fault(state: FixtureState) -> Response | None:
    if not state.faults:
        return None
    fault = state.faults[0]
    fault.times -= 1
    if fault.times <= 0:
        state.faults.popleft()
    body = fault.body if fault.body is not None else _fault_body(fault.status)
    return JSONResponse(body, status_code=fault.status, headers=dict(fault.headers))


def _limit_error(limit_text: str | None, skip_text: str | None) -> Response | None:
    if not (limit_text or "1").isdigit() or not (skip_text or "0").isdigit():
        return _error(400, "BAD_REQUEST", "limit and skip must be non-negative integers")
    if int(limit_text or 1) > MAX_LIMIT:
        return _error(400, "BAD_REQUEST", f"Limit cannot exceed {MAX_LIMIT} results.")
    if int(skip_text or 0) > MAX_SKIP:
        return _error(400, "BAD_REQUEST", f"Skip value must {MAX_SKIP} or less.")
    return None


async def _answer(request: Request, endpoint: _Endpoint) -> Response:
    state: FixtureState = request.app.state.fixture
    params = request.query_params
    state.requests.append(urlencode([(k, v) for k, v in params.multi_items() if k != "api_key"]))
    search = params.get("search")
    early = _take_fault(state) or _limit_error(params.get("limit"), params.get("skip"))
    if early is None and search and search in state.aliases:
        early = JSONResponse(recorded(state.aliases[search]))
    if early is not None:
        return early
    try:
        predicate = parse_search(search)
    except QuerySyntaxError as exc:
        return _error(400, "BAD_REQUEST", f"Invalid search: {exc}")
    matches = [r for r in endpoint.reports(state) if predicate(r)]
    if not matches:
        return JSONResponse(recorded("error_404.json"), status_code=404)
    limit = int(params.get("limit") or 1)
    count = params.get("count")
    if count:
        if count in DATE_FIELDS:  # openFDA counts a date field by day, oldest first
            days = sorted(count_terms(matches, f"{count}.exact"))
            results = [{"time": day, "count": n} for day, n in days]
        else:
            terms = count_terms(matches, count)[: limit if "limit" in params else 100]
            results = [{"term": term, "count": n} for term, n in terms]
        return JSONResponse({"meta": _meta(state, None, endpoint), "results": results})
    return _page(state, request, matches, limit, endpoint)


async def drug_event(request: Request) -> Response:
    return await _answer(request, DRUG)


async def device_event(request: Request) -> Response:
    return await _answer(request, DEVICE)


def _fault_body(status: int) -> Any:
    if status == 429:
        return OVER_RATE_LIMIT
    if status >= 500:
        return recorded("error_500.json")
    return {"error": {"code": "BAD_REQUEST", "message": "fixture fault"}}


def create_fixture_app(state: FixtureState | None = None) -> Starlette:
    """The ASGI app; ``app.state.fixture`` is the :class:`FixtureState` tests steer."""
    app = Starlette(
        routes=[
            Route("/drug/event.json", drug_event, methods=["GET"]),
            Route("/device/event.json", device_event, methods=["GET"]),
        ]
    )
    app.state.fixture = state or FixtureState()
    return app
