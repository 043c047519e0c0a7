"""The benchmark's baseline: a bare FastAPI app that validates the same body as the gateway
(the same ``interpret`` call: size limit, JSON, FHIR validation at the default depth, admission
check; on the event loop for a small body and in the thread pool for a larger one, as the gateway
does) and answers 202 without authenticating, storing or queueing anything.

    python -m bench.bare_gateway PORT
"""

from __future__ import annotations

import sys
from uuid import uuid4

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.gateway.errors import ApiError
from services.gateway.intake import interpret, read_body
from services.gateway.routes.reports import INLINE_BODY_BYTES

app = FastAPI()


@app.post("/v1/reports", status_code=202)
async def accept(request: Request) -> JSONResponse:
    try:
        body = await read_body(request, 10 * 1024 * 1024)
        content_type = request.headers.get("content-type", "")
        if len(body) <= INLINE_BODY_BYTES:
            interpret(body, content_type)
        else:
            await run_in_threadpool(interpret, body, content_type)
    except ApiError as exc:
        return JSONResponse(exc.body(), status_code=exc.status)
    return JSONResponse({"id": str(uuid4()), "status": "PENDING"}, status_code=202)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
