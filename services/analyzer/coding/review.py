"""Async wrapper that asks the optional second-opinion reviewer about a finished analysis.

The analysis never waits on the reviewer to exist: when the reviewer is off, the analysis comes
back unchanged; when it fails (timeout after the retry, HTTP error, unreadable reply), the
analysis comes back with a notice saying so.
"""

from __future__ import annotations

from services.analyzer.chat_client import ChatModel, ChatUnavailable, OpenAICompatibleChat
from services.analyzer.coding.config import SecondOpinionConfig
from services.analyzer.coding.second_opinion import parse_review, review_messages
from shared.events.coding import CodingAnalysis, CodingCase, SecondOpinion


def chat_model(config: SecondOpinionConfig) -> OpenAICompatibleChat:
    return OpenAICompatibleChat(
        base_url=config.base_url,
        model=config.model,
        api_key=config.api_key.get_secret_value() if config.api_key else None,
        timeout_s=config.timeout_s,
        retries=config.retries,
    )


async def add_second_opinion(
    analysis: CodingAnalysis,
    case: CodingCase,
    config: SecondOpinionConfig,
    chat: ChatModel | None = None,
) -> CodingAnalysis:
    """``analysis`` with the reviewer's opinion attached, or with a notice why there is none."""
    if not config.enabled:
        return analysis
    chat = chat or chat_model(config)
    notes = {n.note_id: n.text for e in case.encounters for n in e.notes}
    suggested = {s.code for e in analysis.encounters for s in e.suggestions}
    try:
        reply = await chat.complete(review_messages(analysis, notes, config.max_note_chars))
    except ChatUnavailable as problem:
        opinion = SecondOpinion(status="unavailable", model=chat.model, detail=str(problem))
    else:
        opinion = parse_review(reply, chat.model, suggested)
    notices = analysis.notices
    if opinion.status != "completed":
        notices = (
            *notices,
            f"The second-opinion review was unavailable ({opinion.detail}); "
            "the suggestions are clinrelay's alone.",
        )
    return analysis.model_copy(update={"second_opinion": opinion, "notices": notices})
