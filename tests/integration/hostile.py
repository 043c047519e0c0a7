"""A corpus of hostile and careless requests, each with the 4xx it must get.

Every value a client sends that must never come back in an error carries ``MARKER``. Shared by
the hostile-input test and the gateway memory benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import orjson

from tests.integration.bundles import note_bundle, without

MARKER = "Zqxv7Marker"


@dataclass(frozen=True)
class Hostile:
    name: str
    method: str
    path: str
    status: int
    body: bytes | None = None
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    key: str = "client"
    """Which key sends it: client, admin, none (no Authorization header) or a literal header."""
    code: str | None = None


def _json(value: Any) -> bytes:
    return orjson.dumps(value)


def _nested(depth: int, inner: bytes = b"1") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def _deep_bundle(depth: int) -> bytes:
    bundle = note_bundle()
    text = _json({"kind": "coding", "bundle": bundle})
    deep = b'"extension":' + b"[" * depth + b"{}" + b"]" * depth
    return text.replace(b'"type":"collection"', b'"type":"collection",' + deep, 1)


def _cer(**fields: Any) -> bytes:
    return _json({"kind": "cer", "ndc": "61958-0801", **fields})


def _schedule(**fields: Any) -> bytes:
    return _json({"ndc": "61958-0801", "every": "P1D", **fields})


def _bad_status_bundle() -> bytes:
    bundle = note_bundle()
    bundle["entry"][1]["resource"]["period"]["start"] = f"March 14th, by {MARKER}"
    return _json(bundle)


def corpus(max_body: int, max_batch_items: int) -> list[Hostile]:
    """Each case is one request; ``max_body`` and ``max_batch_items`` are the gateway's limits."""
    rid = uuid4()
    nd = "application/x-ndjson"
    cases = [
        # --- who is calling
        Hostile("no key", "GET", "/v1/reports", 401, key="none", code="unauthenticated"),
        Hostile("bearer without key", "GET", "/v1/reports", 401, key="Bearer"),
        Hostile("basic scheme", "GET", "/v1/reports", 401, key=f"Basic {MARKER}"),
        Hostile("10 KB token", "GET", "/v1/reports", 401, key="Bearer cr_" + "a" * 10_000),
        Hostile("unknown key", "GET", "/v1/reports", 401, key=f"Bearer cr_{MARKER}"),
        Hostile("client on admin", "GET", "/v1/admin/dead-letters", 403, code="forbidden"),
        Hostile(
            "client bulk replay",
            "POST",
            "/v1/admin/dead-letters/replay",
            403,
            body=_json({}),
        ),
        # --- headers
        Hostile(
            "40 KB header, no key",
            "GET",
            "/healthz",
            431,
            key="none",
            headers={"X-Padding": "a" * 40_000},
            code="headers_too_large",
        ),
        Hostile(
            "150 headers",
            "GET",
            "/v1/reports",
            431,
            headers={f"X-H{i}": "1" for i in range(150)},
        ),
        Hostile(
            "empty Idempotency-Key",
            "POST",
            "/v1/reports",
            400,
            body=_cer(),
            headers={"Idempotency-Key": ""},
            code="invalid_idempotency_key",
        ),
        Hostile(
            "300-char Idempotency-Key",
            "POST",
            "/v1/reports",
            400,
            body=_cer(),
            headers={"Idempotency-Key": "k" * 300},
        ),
        Hostile(
            "Idempotency-Key with a space",
            "POST",
            "/v1/batches",
            400,
            body=_cer() + b"\n",
            content_type=nd,
            headers={"Idempotency-Key": "two words"},
        ),
        # --- content types
        Hostile("report as text/plain", "POST", "/v1/reports", 415, _cer(), "text/plain"),
        Hostile("report without type", "POST", "/v1/reports", 415, _cer(), None),
        Hostile(
            "report in latin-1",
            "POST",
            "/v1/reports",
            415,
            _cer(),
            "application/json; charset=latin-1",
        ),
        Hostile("schedule as text", "POST", "/v1/schedules", 415, _schedule(), "text/plain"),
        Hostile(
            "schedule as form",
            "POST",
            "/v1/schedules",
            415,
            b"ndc=1",
            "application/x-www-form-urlencoded",
        ),
        Hostile("batch as xml", "POST", "/v1/batches", 415, b"<bundle/>", "application/xml"),
        Hostile(
            "discard as text",
            "POST",
            f"/v1/admin/dead-letters/{rid}/discard",
            415,
            b"reason",
            "text/plain",
            key="admin",
        ),
        # --- sizes
        Hostile("report over the limit", "POST", "/v1/reports", 413, b" " * (max_body + 1)),
        Hostile("schedule over the limit", "POST", "/v1/schedules", 413, b"[" * (max_body + 1)),
        Hostile(
            "replay body over the limit",
            "POST",
            "/v1/admin/dead-letters/replay",
            413,
            b" " * (max_body + 1),
            key="admin",
        ),
        Hostile(
            "too many batch items",
            "POST",
            "/v1/batches",
            413,
            b"\n".join([_cer()] * (max_batch_items + 1)),
            nd,
            code="too_many_items",
        ),
        # --- nesting
        Hostile(
            "254-deep in a bundle",
            "POST",
            "/v1/reports",
            400,
            _deep_bundle(254),
            code="json_too_deep",
        ),
        Hostile("100k-deep array", "POST", "/v1/reports", 400, _nested(100_000)),
        Hostile("deep object", "POST", "/v1/reports", 400, b'{"a":' * 5000 + b"1" + b"}" * 5000),
        Hostile("deep schedule", "POST", "/v1/schedules", 400, _nested(10_000)),
        Hostile("deep batch line", "POST", "/v1/batches", 400, _nested(500) + b"\n", nd),
        Hostile(
            "deep replay filter",
            "POST",
            "/v1/admin/dead-letters/replay",
            400,
            b'{"stage":' + _nested(300) + b"}",
            key="admin",
        ),
        # --- not JSON, not an object
        Hostile(
            "broken JSON", "POST", "/v1/reports", 400, b'{"kind": "cer", ', code="invalid_json"
        ),
        Hostile("empty body", "POST", "/v1/reports", 400, b""),
        Hostile("array body", "POST", "/v1/reports", 400, b"[1, 2]"),
        Hostile("NaN literal", "POST", "/v1/reports", 400, b'{"kind": "cer", "ndc": NaN}'),
        Hostile("invalid UTF-8", "POST", "/v1/reports", 400, b'{"kind": "\xff\xfe"}'),
        Hostile("schedule array", "POST", "/v1/schedules", 400, b"[]"),
        Hostile("schedule broken", "POST", "/v1/schedules", 400, b'{"ndc": '),
        # --- report requests with bad values
        Hostile("unknown kind", "POST", "/v1/reports", 422, _json({"kind": MARKER})),
        Hostile(
            "unknown coding field",
            "POST",
            "/v1/reports",
            422,
            _json({"kind": "coding", "bundle": note_bundle(), MARKER: 1}),
        ),
        Hostile("unknown CER field", "POST", "/v1/reports", 422, _cer(**{MARKER: True})),
        Hostile(
            "5,000-digit NDC", "POST", "/v1/reports", 422, _cer(ndc="1" * 5000), code="invalid_ndc"
        ),
        Hostile("NDC of words", "POST", "/v1/reports", 422, _cer(ndc=MARKER)),
        Hostile("NDC as number", "POST", "/v1/reports", 422, _cer(ndc=12345678901)),
        Hostile("NDC as object", "POST", "/v1/reports", 422, _cer(ndc={"x": MARKER})),
        Hostile("since not a date", "POST", "/v1/reports", 422, _cer(since=MARKER)),
        Hostile(
            "since after until",
            "POST",
            "/v1/reports",
            422,
            _cer(since="2024-05-01", until="2024-01-01"),
        ),
        Hostile("preset object", "POST", "/v1/reports", 422, _cer(signal_preset={MARKER: 1})),
        Hostile("preset unknown", "POST", "/v1/reports", 422, _cer(signal_preset=MARKER)),
        Hostile(
            "bundle a string",
            "POST",
            "/v1/reports",
            422,
            _json({"kind": "coding", "bundle": MARKER}),
        ),
        Hostile(
            "bundle without Encounter",
            "POST",
            "/v1/reports",
            422,
            _json(without(note_bundle(), "Encounter")),
            "application/fhir+json",
        ),
        Hostile(
            "value in a bad field",
            "POST",
            "/v1/reports",
            422,
            _bad_status_bundle(),
            "application/fhir+json",
        ),
        # --- schedules with bad values
        Hostile(
            "cadence words",
            "POST",
            "/v1/schedules",
            422,
            _schedule(every=MARKER),
            code="invalid_every",
        ),
        Hostile(
            "cadence overflow", "POST", "/v1/schedules", 422, _schedule(every="P99999999999999D")
        ),
        Hostile(
            "cadence 10k chars",
            "POST",
            "/v1/schedules",
            422,
            _schedule(every="P" + "1" * 10_000 + "D"),
        ),
        Hostile("cadence months", "POST", "/v1/schedules", 422, _schedule(every="P1M")),
        Hostile("cadence missing", "POST", "/v1/schedules", 422, _json({"ndc": "61958-0801"})),
        Hostile(
            "schedule 5,000-digit NDC", "POST", "/v1/schedules", 422, _schedule(ndc="9" * 5000)
        ),
        Hostile("schedule unknown field", "POST", "/v1/schedules", 422, _schedule(**{MARKER: 1})),
        # --- query strings and paths
        Hostile("limit 1000", "GET", "/v1/reports?limit=1000", 422, None, None),
        Hostile("limit negative", "GET", "/v1/reports?limit=-1", 422, None, None),
        Hostile("limit huge", "GET", "/v1/reports?limit=" + "9" * 40, 422, None, None),
        Hostile("status unknown", "GET", f"/v1/reports?status={MARKER}", 422, None, None),
        Hostile(
            "cursor forged",
            "GET",
            f"/v1/reports?cursor={MARKER}",
            422,
            None,
            None,
            code="invalid_cursor",
        ),
        Hostile("cursor 300 chars", "GET", "/v1/reports?cursor=" + "A" * 300, 422, None, None),
        Hostile(
            "unknown parameter",
            "GET",
            f"/v1/reports?{MARKER}=1",
            422,
            None,
            None,
            code="unknown_parameter",
        ),
        Hostile("parameter on a report", "GET", f"/v1/reports/{rid}?{MARKER}=1", 422, None, None),
        Hostile("report id not a UUID", "GET", f"/v1/reports/{MARKER}", 422, None, None),
        Hostile("batch id not a UUID", "GET", f"/v1/batches/{MARKER}", 422, None, None),
        Hostile("no such report", "GET", f"/v1/reports/{rid}", 404, None, None, code="not_found"),
        Hostile("no such batch", "GET", f"/v1/batches/{rid}", 404, None, None),
        Hostile(
            "dead letters since words",
            "GET",
            f"/v1/admin/dead-letters?since={MARKER}",
            422,
            None,
            None,
            key="admin",
        ),
        Hostile(
            "dead letters tenant not UUID",
            "GET",
            f"/v1/admin/dead-letters?tenant_id={MARKER}",
            422,
            None,
            None,
            key="admin",
        ),
        Hostile("unknown route", "GET", f"/v1/{MARKER}", 404, None, None),
        Hostile("wrong method", "DELETE", "/v1/reports", 405, None, None),
        # --- batches
        Hostile(
            "empty batch", "POST", "/v1/batches", 400, b"\n" * 1_000_000, nd, code="empty_batch"
        ),
        Hostile("batch not an array", "POST", "/v1/batches", 400, _json({"kind": "cer"})),
        Hostile(
            "no acceptable item",
            "POST",
            "/v1/batches",
            422,
            b"\n".join([b"{oops", _json({"kind": MARKER}), _json([1])]),
            nd,
            code="no_acceptable_item",
        ),
        # --- dead-letter operations
        Hostile(
            "discard reason too long",
            "POST",
            f"/v1/admin/dead-letters/{rid}/discard",
            422,
            _json({"reason": "r" * 501}),
            key="admin",
        ),
        Hostile(
            "discard no reason",
            "POST",
            f"/v1/admin/dead-letters/{rid}/discard",
            422,
            _json({}),
            key="admin",
        ),
        Hostile(
            "bulk limit huge",
            "POST",
            "/v1/admin/dead-letters/replay",
            422,
            _json({"limit": 10**9}),
            key="admin",
        ),
        Hostile(
            "bulk unknown field",
            "POST",
            "/v1/admin/dead-letters/replay",
            422,
            _json({MARKER: 1}),
            key="admin",
        ),
        Hostile(
            "bulk stage unknown",
            "POST",
            "/v1/admin/dead-letters/replay",
            422,
            _json({"stage": MARKER}),
            key="admin",
        ),
        Hostile(
            "replay unknown id",
            "POST",
            f"/v1/admin/dead-letters/{rid}/replay",
            404,
            None,
            None,
            key="admin",
        ),
    ]
    return cases
