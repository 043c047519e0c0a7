"""Group commit of POST /v1/reports (services.gateway.group_accept) against the real database:
reports accepted together are each stored whole, numbered on their tenant's feed in arrival
order, idempotent, and one the database refuses does not take the others down with it."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from services.gateway.group_accept import GroupAccept
from shared.db.submissions import Acceptance, IdempotencyConflict, Submission, request_fingerprint
from shared.events import ReportKind
from tests.integration.bundles import NOTE, note_bundle
from tests.integration.harness import Pipeline


async def tenant(pool: asyncpg.Pool, name: str) -> UUID:
    tenant_id: UUID = await pool.fetchval(
        "INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), $1) RETURNING id", name
    )
    return tenant_id


def submission(note: str = NOTE, **parameters: Any) -> Submission:
    raw = note.encode()
    return Submission(
        kind=ReportKind.CODING,
        fingerprint=request_fingerprint({"note": note, **parameters}),
        parameters=parameters,
        raw_input=raw,
    )


async def feed(pool: asyncpg.Pool, tenant_id: UUID) -> list[tuple[int, str]]:
    rows = await pool.fetch(
        "SELECT seq, body ->> 'report_id' AS report FROM channel_events WHERE tenant_id = $1 "
        "ORDER BY seq",
        tenant_id,
    )
    return [(row["seq"], row["report"]) for row in rows]


async def stored_whole(pool: asyncpg.Pool, report_id: UUID) -> bool:
    """The report, its raw input, its first event and its two outbox rows are all there."""
    row = await pool.fetchrow(
        """SELECT (SELECT count(*) FROM reports WHERE id = $1 AND status = 'PENDING'
                     AND event_seq = 1) AS reports,
                  (SELECT count(*) FROM report_inputs WHERE report_id = $1) AS inputs,
                  (SELECT count(*) FROM report_events WHERE report_id = $1) AS events,
                  (SELECT count(*) FROM outbox
                   WHERE convert_from(body, 'UTF8') LIKE '%' || $1::text || '%') AS outbox""",
        report_id,
    )
    assert row is not None
    return (row["reports"], row["inputs"], row["events"], row["outbox"]) == (1, 1, 1, 2)


async def test_reports_arriving_together_are_stored_in_one_statement_numbered_in_order(
    pipeline: Pipeline,
) -> None:
    pool = await pipeline.pool()
    acme, other = await tenant(pool, "acme"), await tenant(pool, "other")
    group = GroupAccept(pool)
    # gather starts every accept before the first statement runs: one statement per tenant
    created = await asyncio.gather(
        *(group.accept(acme, Acceptance(submission(f"{NOTE} {n}"))) for n in range(12)),
        *(group.accept(other, Acceptance(submission(f"{NOTE} {n}"))) for n in range(3)),
    )

    assert group.statements == 2
    assert group.reports == 15
    assert len({c.id for c in created}) == 15
    assert not any(c.replayed for c in created)
    for report in created:
        assert await stored_whole(pool, report.id)
    # the feed numbers follow the order the reports arrived in, without gaps, per tenant
    assert await feed(pool, acme) == [(n + 1, str(c.id)) for n, c in enumerate(created[:12])]
    assert await feed(pool, other) == [(n + 1, str(c.id)) for n, c in enumerate(created[12:])]
    # the outbox keeps that order too: each report's notification, then its report.requested
    keys = await pool.fetch(
        "SELECT routing_key, body FROM outbox "
        "WHERE convert_from(body, 'UTF8') LIKE '%' || $1::text || '%' ORDER BY id",
        str(acme),
    )
    assert len(keys) == 24
    assert [k["routing_key"] for k in keys[:4]] == [
        "report.progress",
        "report.requested",
        "report.progress",
        "report.requested",
    ]
    assert str(created[0].id).encode() in keys[0]["body"]
    assert str(created[1].id).encode() in keys[2]["body"]
    assert str(created[11].id).encode() in keys[23]["body"]


async def test_a_repeated_idempotency_key_in_one_group_is_one_report_or_a_conflict(
    pipeline: Pipeline,
) -> None:
    pool = await pipeline.pool()
    acme = await tenant(pool, "acme")
    group = GroupAccept(pool)
    same = submission()
    outcomes = await asyncio.gather(
        group.accept(acme, Acceptance(same, "k-1")),
        group.accept(acme, Acceptance(same, "k-1")),
        group.accept(acme, Acceptance(submission(NOTE + " changed"), "k-1")),
        group.accept(acme, Acceptance(same, "k-2")),
        return_exceptions=True,
    )

    first, again, conflict, second = outcomes
    assert group.statements == 1
    assert not isinstance(first, BaseException)
    assert not isinstance(again, BaseException)
    assert not isinstance(second, BaseException)
    assert again.id == first.id
    assert (first.replayed, again.replayed) == (False, True)
    assert isinstance(conflict, IdempotencyConflict)
    assert second.id != first.id
    assert await pool.fetchval("SELECT count(*) FROM reports") == 2
    assert [seq for seq, _ in await feed(pool, acme)] == [1, 2]
    # and a later retry of the key finds the same report
    retried = await group.accept(acme, Acceptance(same, "k-1"))
    assert (retried.id, retried.replayed) == (first.id, True)


async def test_a_report_the_database_refuses_fails_alone(pipeline: Pipeline) -> None:
    pool = await pipeline.pool()
    acme = await tenant(pool, "acme")
    group = GroupAccept(pool)
    # PostgreSQL's jsonb cannot hold U+0000: that report's statement fails, and so would the
    # group's; the group is then stored report by report
    outcomes = await asyncio.gather(
        group.accept(acme, Acceptance(submission("a"))),
        group.accept(acme, Acceptance(submission("b", text="nul \x00"))),
        group.accept(acme, Acceptance(submission("c"))),
        return_exceptions=True,
    )

    good = [o for o in outcomes if not isinstance(o, BaseException)]
    assert isinstance(outcomes[1], asyncpg.PostgresError)
    assert len(good) == 2
    for report in good:
        assert await stored_whole(pool, report.id)
    assert await pool.fetchval("SELECT count(*) FROM reports") == 2
    assert [seq for seq, _ in await feed(pool, acme)] == [1, 2]  # nothing half-stored, no gap


async def test_groups_are_bounded_and_a_cancelled_request_does_not_stall_its_lane(
    pipeline: Pipeline,
) -> None:
    pool = await pipeline.pool()
    acme = await tenant(pool, "acme")
    group = GroupAccept(pool, max_reports=2)
    tasks = [
        asyncio.create_task(group.accept(acme, Acceptance(submission(f"{NOTE} {n}"))))
        for n in range(5)
    ]
    await asyncio.sleep(0)  # every request is waiting in the lane
    tasks[3].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(done[3], asyncio.CancelledError)
    assert group.statements == 3  # 2 + 2 + 1
    for report in done[:3] + done[4:]:
        assert not isinstance(report, BaseException)
        assert await stored_whole(pool, report.id)
    # the cancelled request's report was stored like the others (a retry with its key finds it)
    assert [seq for seq, _ in await feed(pool, acme)] == [1, 2, 3, 4, 5]
    await group.close()


@pytest.mark.parametrize("group_max", [1, 32])
async def test_concurrent_posts_each_get_their_own_report_and_tenants_stay_apart(
    pipeline: Pipeline, group_max: int
) -> None:
    await pipeline.start_gateway(outbox_relay=False, accept_group_max=group_max)
    keys = [await pipeline.api_key("acme"), await pipeline.api_key("globex")]
    bodies = [{"kind": "coding", "bundle": note_bundle(f"{NOTE} {n}")} for n in range(10)]
    async with pipeline.client(keys[0]) as acme, pipeline.client(keys[1]) as globex:
        responses = await asyncio.gather(
            *(acme.post("/v1/reports", json=body) for body in bodies),
            *(globex.post("/v1/reports", json=body) for body in bodies[:4]),
            *(
                acme.post("/v1/reports", json=bodies[0], headers={"Idempotency-Key": "same"})
                for _ in range(4)
            ),
        )
        assert all(r.status_code == 202 for r in responses), [r.text for r in responses]
        ids = [r.json()["id"] for r in responses]
        # each 202 came after its report was committed: it can be read at once, by its tenant
        for report_id in ids[:10] + ids[14:]:
            assert (await acme.get(f"/v1/reports/{report_id}")).status_code == 200
            assert (await globex.get(f"/v1/reports/{report_id}")).status_code == 404
        for report_id in ids[10:14]:
            assert (await globex.get(f"/v1/reports/{report_id}")).status_code == 200
            assert (await acme.get(f"/v1/reports/{report_id}")).status_code == 404

    assert len(set(ids[:14])) == 14
    assert len(set(ids[14:])) == 1  # one Idempotency-Key, one report
    pool = await pipeline.pool()
    assert await pool.fetchval("SELECT count(*) FROM reports") == 15
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 30
    seqs = await pool.fetch(
        "SELECT channel, array_agg(seq ORDER BY seq) AS seqs FROM channel_events GROUP BY channel"
    )
    assert sorted(len(row["seqs"]) for row in seqs) == [4, 11]
    assert all(row["seqs"] == list(range(1, len(row["seqs"]) + 1)) for row in seqs)
