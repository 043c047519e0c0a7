"""One error shape for every 4xx/5xx: ``{"error": {"code", "message", ...}}``.

Error bodies never echo request values: FastAPI's validation errors include the offending input,
which in a clinical request may be PHI, so they are rebuilt from locations and messages only.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """An error meant for the client: HTTP status, a stable code and a sentence a person reads."""

    def __init__(
        self,
        http_status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = http_status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def not_found(what: str = "report") -> ApiError:
    return ApiError(404, "not_found", f"No such {what}.")


def _problems_from(exc: RequestValidationError) -> list[dict[str, str]]:
    problems = []
    for error in exc.errors()[:20]:
        loc = [str(part)[:64] for part in error.get("loc", ())]
        message = str(error.get("msg", "invalid"))
        if error.get("type") == "extra_forbidden" and loc:
            # The last part is the unknown field's name: the client's text, not ours.
            loc, message = loc[:-1], "unknown field (not accepted here)"
        problems.append({"location": ".".join(loc) or "request", "message": message})
    return problems


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _problems_from(exc)
        first = problems[0] if problems else {"location": "request", "message": "invalid"}
        message = f"Invalid request: {first['location']}: {first['message']}"
        return JSONResponse(
            {"error": {"code": "invalid_request", "message": message, "problems": problems}},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
