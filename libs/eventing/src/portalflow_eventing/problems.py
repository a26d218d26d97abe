"""Problem details (RFC 9457): the one shape of every error answer of both APIs."""

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

MEDIA_TYPE = "application/problem+json"


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
