"""`/healthz` and `/readyz`, the same on every service."""

from fastapi import APIRouter, Request, Response, status


def router() -> APIRouter:
    """Liveness answers while the process runs; readiness only while Postgres and Kafka answer."""
    health = APIRouter(tags=["health"])

    @health.get("/healthz", operation_id="healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @health.get("/readyz", operation_id="readyz", responses={503: {
        "description": "PostgreSQL or Kafka does not answer; `error` says what failed."}})
    async def readyz(request: Request, response: Response) -> dict:
        try:
            await request.app.state.runtime.ready()
        except Exception as error:  # any failure means not ready
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
            return {"status": "unavailable", "error": repr(error)}
        return {"status": "ok"}

    return health
