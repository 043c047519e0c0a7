"""Liveness and readiness for load balancers and Kubernetes probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from services.gateway.deps import StateDep
from services.gateway.schemas import Readiness
from shared.bus.topology import STAGES
from shared.metrics import exposition

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(state: StateDep) -> JSONResponse:
    """DB and broker reachable, every stage queue has a consumer; else 503 naming what is not."""
    checks: dict[str, str] = {}
    try:
        async with state.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        checks["postgresql"] = "ok"
    except Exception as exc:
        checks["postgresql"] = f"unreachable ({type(exc).__name__})"
    bus = state.bus
    if bus is None or not bus.is_connected:
        checks["rabbitmq"] = "unreachable"
    else:
        checks["rabbitmq"] = "ok"
        for stage in STAGES:
            queue = bus.topology.work_queue(stage)
            try:
                queue_state = await bus.queue_state(queue)
            except Exception as exc:
                checks[stage] = f"queue check failed ({type(exc).__name__})"
                continue
            if queue_state is None:
                checks[stage] = f"queue {queue} does not exist"
            elif queue_state.consumers == 0:
                checks[stage] = f"no consumer on {queue} ({queue_state.messages} waiting)"
            else:
                checks[stage] = (
                    f"ok ({queue_state.consumers} consumers, {queue_state.messages} waiting)"
                )
    ready = all(value == "ok" or value.startswith("ok ") for value in checks.values())
    body = Readiness(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def metrics() -> Response:
    """Prometheus metrics in the text exposition format, for scrapers (docs/operations.md lists
    every metric). Unauthenticated like the probes: no figure names a tenant or a report."""
    return Response(exposition.render(), media_type=exposition.CONTENT_TYPE)
