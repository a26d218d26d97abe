"""The portal-service ASGI app: customer API, read-model projection and outbox relay."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response, status

from portalflow_contracts.topics import FLOW_DEFINITIONS, OPPORTUNITIES
from portalflow_documents import http as document_errors
from portalflow_documents.store import blob_store
from portalflow_eventing import health, problems, store
from portalflow_eventing.edge import BodyLimit, ResponseDefaults, upload_body_limit
from portalflow_eventing.observability import FASTAPI_TELEMETRY, configure_logging, instrument
from portalflow_eventing.problems import problem
from portalflow_eventing.runtime import Subscription, running
from portalflow_portal.adapters import live, projection
from portalflow_portal.application import portal
from portalflow_portal.config import MIGRATIONS, Settings
from portalflow_portal.domain.errors import (
    ActionNotAllowedError,
    InvalidActionError,
    NotFoundError,
    StepIncompleteError,
)
from portalflow_portal.entrypoints import actions, http, stream
from portalflow_portal.entrypoints.access import CustomerAccess

READ_MODEL_GROUP = "portal-service.read-model"
OPPORTUNITY = "/v1/portal/opportunities/[^/]+"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until it starts."""
    settings = settings or Settings()
    configure_logging("portal-service", settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        subscriptions = lambda pool: [  # noqa: E731
            Subscription(READ_MODEL_GROUP, [FLOW_DEFINITIONS, OPPORTUNITIES],
                         projection.HANDLERS, projection.tell_watchers)]
        async with running(settings, name="portal-service", migrations=MIGRATIONS,
                           subscriptions=subscriptions) as runtime, \
                live.listening(settings.database_url) as hub:
            app.state.runtime = runtime
            app.state.live = hub  # one LISTEN connection, fanned out to every SSE stream
            app.state.views = portal.Views(runtime.pool, settings.default_locale)
            yield

    app = FastAPI(title="Portalflow portal-service", version="1", lifespan=lifespan,
                  telemetry=FASTAPI_TELEMETRY,
                  description="Customer API: what the customer sees and may do in the portal.")
    app.state.settings = settings
    app.state.blobs = blob_store(settings)
    app.state.streams = stream.StreamCap(settings.max_streams_per_token)
    # Innermost first: the token, then body limits, so either refuses before any read.
    app.add_middleware(CustomerAccess, rate_limit=settings.rate_limit_customer)
    upload = upload_body_limit(settings.max_upload_bytes)
    app.add_middleware(BodyLimit, default=settings.max_json_bytes, routes=[
        ("POST", rf"{OPPORTUNITY}/fields/[^/]+/document", upload),
        ("POST", rf"{OPPORTUNITY}/contracts/[^/]+/signed", upload),
        ("PUT", rf"{OPPORTUNITY}/drawing", settings.max_drawing_bytes)])
    instrument(app, settings.otel_exporter_otlp_endpoint, settings.metrics_token)
    app.add_middleware(ResponseDefaults)  # outermost: every answer, the middleware's own too
    app.include_router(http.router)
    app.include_router(actions.router)
    app.include_router(stream.router)
    app.include_router(health.router())

    store.limit_event_size(settings.max_event_bytes)
    _map_errors(app)
    return app


def _map_errors(app: FastAPI) -> None:
    def invalid(_: Request, error: InvalidActionError) -> Response:
        return problem(status.HTTP_422_UNPROCESSABLE_CONTENT, "some values were not accepted",
                       errors=[{"loc": list(loc), "msg": message, "type": "value_error"}
                               for loc, message in error.problems])

    problems.install(app, {
        NotFoundError: status.HTTP_404_NOT_FOUND,
        ActionNotAllowedError: status.HTTP_409_CONFLICT,
        InvalidActionError: invalid,
        StepIncompleteError: lambda _, error: problem(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                                      str(error), missing=error.missing),
        store.EventTooLargeError: status.HTTP_413_CONTENT_TOO_LARGE,
        **document_errors.ERROR_STATUSES,
    })
