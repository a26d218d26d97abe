"""The portal-service ASGI app: customer API, read-model projection and outbox relay."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from portalflow_contracts.topics import FLOW_DEFINITIONS, OPPORTUNITIES
from portalflow_eventing import health
from portalflow_eventing.observability import configure_logging, instrument
from portalflow_eventing.runtime import Subscription, running
from portalflow_portal.adapters import projection
from portalflow_portal.config import MIGRATIONS, Settings
from portalflow_portal.domain.errors import ActionNotAllowedError, NotFoundError
from portalflow_portal.entrypoints import http

READ_MODEL_GROUP = "portal-service.read-model"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until it starts."""
    settings = settings or Settings()
    configure_logging("portal-service", settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        subscriptions = lambda pool: [  # noqa: E731
            Subscription(READ_MODEL_GROUP, [FLOW_DEFINITIONS, OPPORTUNITIES],
                         projection.HANDLERS)]
        async with running(settings, name="portal-service", migrations=MIGRATIONS,
                           subscriptions=subscriptions) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(title="Portalflow portal-service", version="1", lifespan=lifespan,
                  description="Customer API: what the customer sees and may do in the portal.")
    app.state.settings = settings
    instrument(app, settings.otel_exporter_otlp_endpoint)
    app.include_router(http.router)
    app.include_router(health.router())

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, error: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(ActionNotAllowedError)
    async def not_allowed(_: Request, error: ActionNotAllowedError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=status.HTTP_409_CONFLICT)

    return app
