"""The optional reviewer, against a fake OpenAI-compatible server started on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from services.analyzer.coding.analysis import analyze_case
from services.analyzer.coding.config import CodingConfig, SecondOpinionConfig
from services.analyzer.coding.review import add_second_opinion
from shared.events.coding import (
    CareSetting,
    CodingCase,
    Demographics,
    EncounterCase,
    Note,
    PhiSummary,
    Sex,
)

NOTE = "Assessment: type 2 diabetes with hyperglycemia. Seen by [NAME] on [DATE]."


@dataclass
class Script:
    """What the fake server answers, in order; ``delay_s`` holds each answer back."""

    replies: list[tuple[int, Any]] = field(default_factory=list)
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def chat_reply(content: str) -> dict[str, Any]:
    return {"choices": [{"message": {"role": "assistant", "content": content}}]}


@pytest.fixture
def fake_server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            script.requests.append(json.loads(body))
            script.headers.append(dict(self.headers))
            time.sleep(script.delay_s)
            status, payload = script.replies.pop(0) if script.replies else (500, {})
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", script
    finally:
        server.shutdown()
        server.server_close()


def make_case() -> CodingCase:
    return CodingCase(
        bundle_type="collection",
        resource_counts={},
        demographics=Demographics(age_years=70, sex=Sex.MALE),
        encounters=(
            EncounterCase(
                encounter_id="E1",
                setting=CareSetting.OUTPATIENT,
                notes=(Note(note_id="N1", source="DocumentReference", text=NOTE),),
            ),
        ),
        phi=PhiSummary(method="test", policy="tag"),
    )


def config(url: str, timeout_s: float = 5.0) -> SecondOpinionConfig:
    return SecondOpinionConfig(
        enabled=True, base_url=url, model="reviewer-1", api_key="test-key", timeout_s=timeout_s
    )


async def test_review_is_attached(fake_server: tuple[str, Script]) -> None:
    url, script = fake_server
    reply = {
        "reviews": [
            {"code": "E11.65", "verdict": "agree", "comment": "hyperglycemia documented"},
            {"code": "Z99.99", "verdict": "agree"},
        ],
        "additions": [{"code": "E78.5", "comment": "?"}, {"code": "NOT-A-CODE"}],
    }
    script.replies.append((200, chat_reply("```json\n" + json.dumps(reply) + "\n```")))
    case = make_case()
    analysis = analyze_case(case, CodingConfig())

    reviewed = await add_second_opinion(analysis, case, config(url))

    opinion = reviewed.second_opinion
    assert opinion is not None
    assert opinion.status == "completed"
    assert [(r.code, r.verdict) for r in opinion.reviews] == [("E11.65", "agree")]
    assert [a.code for a in opinion.additions] == ["E78.5"]
    sent = script.requests[0]
    assert sent["model"] == "reviewer-1"
    assert NOTE in sent["messages"][1]["content"]  # the de-identified text, tags and all
    assert script.headers[0]["Authorization"] == "Bearer test-key"


async def test_one_retry_then_success(fake_server: tuple[str, Script]) -> None:
    url, script = fake_server
    script.replies.extend([(503, {}), (200, chat_reply('{"reviews": [], "additions": []}'))])
    case = make_case()
    reviewed = await add_second_opinion(analyze_case(case, CodingConfig()), case, config(url))
    assert reviewed.second_opinion is not None
    assert reviewed.second_opinion.status == "completed"
    assert len(script.requests) == 2


async def test_timeout_degrades_gracefully(fake_server: tuple[str, Script]) -> None:
    url, script = fake_server
    script.delay_s = 1.0
    case = make_case()
    analysis = analyze_case(case, CodingConfig())
    reviewed = await add_second_opinion(analysis, case, config(url, timeout_s=0.2))
    assert reviewed.second_opinion is not None
    assert reviewed.second_opinion.status == "unavailable"
    assert "timed out" in (reviewed.second_opinion.detail or "")
    assert len(script.requests) == 2  # one retry
    assert any("second-opinion review was unavailable" in n for n in reviewed.notices)
    assert reviewed.encounters == analysis.encounters  # the analysis itself is complete
    assert "test-key" not in reviewed.model_dump_json()


async def test_unreadable_reply_is_reported(fake_server: tuple[str, Script]) -> None:
    url, script = fake_server
    script.replies.append((200, chat_reply("I think the codes look fine.")))
    case = make_case()
    reviewed = await add_second_opinion(analyze_case(case, CodingConfig()), case, config(url))
    assert reviewed.second_opinion is not None
    assert reviewed.second_opinion.status == "unavailable"


async def test_off_by_default() -> None:
    case = make_case()
    analysis = analyze_case(case, CodingConfig())
    assert await add_second_opinion(analysis, case, CodingConfig().second_opinion) is analysis


def test_enabling_without_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="base URL or model"):
        SecondOpinionConfig(enabled=True)
