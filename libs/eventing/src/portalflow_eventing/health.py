"""`/healthz` and `/readyz`, the same on every service."""

from fastapi import APIRouter, Request, status

from portalflow_eventing.problems import problem


def router() -> APIRouter:
    """Liveness answers while the process runs; readiness only while every part is ready."""
    health = APIRouter(tags=["health"])

    @health.get("/healthz", operation_id="healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @health.get("/readyz", operation_id="readyz")
    async def readyz(request: Request) -> dict:  # a Response when not ready
        checks = await request.app.state.runtime.ready()
        if failing := {part: state for part, state in checks.items() if state != "ok"}:
            return problem(status.HTTP_503_SERVICE_UNAVAILABLE,
                           "; ".join(f"{part}: {state}" for part, state in failing.items()),
                           checks=checks, headers={"Retry-After": "1"})
        return {"status": "ok", "checks": checks}

    return health
