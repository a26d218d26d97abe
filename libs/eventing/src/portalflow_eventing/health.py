"""`/healthz` and `/readyz`, the same on every service."""

from fastapi import APIRouter, Request, status

from portalflow_eventing.problems import problem


def router() -> APIRouter:
    """Liveness answers while the process runs; readiness only while every part is ready, and
    says `degraded` (still 200) while a relay holds back the events of parked keys."""
    health = APIRouter(tags=["health"])

    @health.get("/healthz", operation_id="healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @health.get("/readyz", operation_id="readyz", responses={503: {
        "description": "A part is not ready; `checks` says which, and why."}})
    async def readyz(request: Request) -> dict:  # a Response when not ready
        runtime = request.app.state.runtime
        checks = await runtime.ready()
        if failing := {part: state for part, state in checks.items() if state != "ok"}:
            return problem(status.HTTP_503_SERVICE_UNAVAILABLE,
                           "; ".join(f"{part}: {state}" for part, state in failing.items()),
                           checks=checks, headers={"Retry-After": "1"})
        # A parked key holds back its own events only: the service stays in rotation.
        if degraded := runtime.degraded():
            return {"status": "degraded", "checks": checks, "degraded": degraded}
        return {"status": "ok", "checks": checks}

    return health
