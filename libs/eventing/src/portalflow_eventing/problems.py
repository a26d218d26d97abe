"""Problem details (RFC 9457): the one shape of every error answer of both APIs."""

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from portalflow_eventing.consumer import TRANSIENT

MEDIA_TYPE = "application/problem+json"
UNPROCESSABLE = 422  # HTTPStatus names it UNPROCESSABLE_CONTENT only from Python 3.13 on


class FieldProblem(BaseModel):
    """One value that was not accepted."""

    loc: list[str | int] = Field(
        description="Where it is: `body`, `path`, `query` or `header`, then the field's path.",
        examples=[["body", "fields", 0, "required"]])
    msg: str = Field(description="What was wrong and what would be accepted.")
    type: str = Field(examples=["value_error"])


class Problem(BaseModel):
    """An error answer: `title` and `detail` for people, `type`, `status` and `errors` for
    programs; some answers carry more members (e.g. `missing`, `references`, `reason`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="The status's reason phrase, or a short summary.",
                       examples=["Unprocessable Content"])
    status: int = Field(description="The HTTP status code.", examples=[422])
    detail: str | None = Field(None, description="What happened, in words.")
    errors: list[FieldProblem] | None = Field(
        None, description="Each value that was not accepted (validation errors).")


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        # A lone surrogate quoted from the input goes out as `\\udXXX`: UTF-8 cannot carry it.
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "backslashreplace")


def problem(status: int, detail: str | None = None, *, problem_type: str = "about:blank",
            errors: Sequence[Mapping[str, Any]] | None = None,
            headers: Mapping[str, str] | None = None, **extensions: Any) -> ProblemResponse:
    """An answer in the problem-details shape; also a plain ASGI app, for middleware."""
    body: dict[str, Any] = {"type": problem_type, "title": HTTPStatus(status).phrase,
                            "status": status}
    if detail is not None:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = list(errors)
    return ProblemResponse({**body, **extensions}, status_code=status, headers=headers)


class RefusedInputError(HTTPException):
    """Values refused before validation (e.g. text PostgreSQL cannot store): a 422 that names
    each of them. An HTTPException, so that FastAPI passes it on while it reads the body."""

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(UNPROCESSABLE, "some values were not accepted")
        self.errors = list(errors)


Answer = Callable[[Request, Any], Response]
UNAVAILABLE = (*TRANSIENT, asyncpg.exceptions.InternalClientError)
"""Errors of infrastructure away: TRANSIENT's, and the state asyncpg leaves a connection in
when the server went away during an operation ("another operation is in progress")."""
RETRY_AFTER_SECONDS = 5
"""What a client is told to wait while PostgreSQL is away: about a restart's length."""
_NO_BODY = {HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED}
log = structlog.get_logger(__name__)


def install(app: FastAPI, answers: Mapping[type[Exception], Answer | int]) -> None:
    """Answer every error of `app` as problem details: FastAPI's own, infrastructure away (503
    with Retry-After) and the service's domain errors, `answers` mapping each to its response
    (or to a status, answered with the error's message as `detail`)."""
    handlers: dict[type[Exception], Answer | int] = {
        StarletteHTTPException: _http_error, RequestValidationError: _invalid,
        **dict.fromkeys(UNAVAILABLE, _unavailable), **answers,
        Exception: _unexpected}  # a defect: still logged with its traceback by the server
    for error_type, answer in handlers.items():
        app.add_exception_handler(error_type, _asynchronous(answer))
    _document_as_problems(app)


def responses(statuses: Iterable[int] | Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` of error statuses, each a Problem (`install` gives their media type);
    a mapping gives each its description, the status's own otherwise."""
    described = statuses if isinstance(statuses, Mapping) else dict.fromkeys(statuses, "")
    return {status: {"model": Problem, "description": text or HTTPStatus(status).description,
                     **(_RETRY_AFTER if status in _RETRIED else {})}
            for status, text in sorted(described.items())}


_RETRIED = {HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE}
_RETRY_AFTER = {"headers": {"Retry-After": {
    "description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}}


def field_problems(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`errors` as FieldProblems; the input is never echoed back (it may be megabytes)."""
    return [{"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
            for error in errors]


def _asynchronous(answer: Answer | int) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, error: Exception) -> Response:
        if isinstance(answer, int):
            return problem(answer, str(error))
        return answer(request, error)
    return handle


def _http_error(_: Request, error: StarletteHTTPException) -> Response:
    if error.status_code in _NO_BODY:
        return Response(status_code=error.status_code, headers=error.headers)
    detail = error.detail if isinstance(error.detail, str) else None
    errors = field_problems(error.errors) if isinstance(error, RefusedInputError) else None
    return problem(error.status_code, detail, errors=errors, headers=error.headers)


def _invalid(_: Request, error: RequestValidationError) -> Response:
    return problem(UNPROCESSABLE, "some values were not accepted",
                   errors=field_problems(error.errors()))


def _unavailable(request: Request, error: Exception) -> Response:
    log.warning("infrastructure unavailable", path=request.url.path, error=repr(error))
    return problem(HTTPStatus.SERVICE_UNAVAILABLE,
                   "the database or the storage is not reachable at the moment: try again shortly",
                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _unexpected(_: Request, error: Exception) -> Response:
    return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "an unexpected error; it has been logged")


def _document_as_problems(app: FastAPI) -> None:
    """Error responses documented as `application/problem+json`, the media type they have."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            for operation in _operations(document):
                for status, response in operation.get("responses", {}).items():
                    # FastAPI files them under the route's own media type (JSON, SSE, ...).
                    described = [c for c in response.get("content", {}).values() if "schema" in c]
                    if status[0] in "45" and described:
                        response["content"] = {MEDIA_TYPE: described[0]}
        return app.openapi_schema

    app.openapi = openapi


def _operations(document: Mapping[str, Any]):
    for path_item in document.get("paths", {}).values():
        yield from path_item.values()
