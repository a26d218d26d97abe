"""The config-service ASGI app: admin API, relay and customer-event consumer in one process."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response, status

from portalflow_config.config import MIGRATIONS, Settings
from portalflow_config.domain.errors import (
    ConflictError,
    InUseError,
    InvalidError,
    NotFoundError,
)
from portalflow_config.entrypoints import (
    catalog,
    consumers,
    documents,
    history,
    opportunities,
    opportunity_types,
)
from portalflow_config.entrypoints.authentication import AdminAuthentication
from portalflow_contracts.topics import CUSTOMER_EVENTS
from portalflow_documents import http as document_errors
from portalflow_documents.store import blob_store
from portalflow_eventing import health, problems, store
from portalflow_eventing.edge import BodyLimit, ResponseDefaults, upload_body_limit
from portalflow_eventing.observability import FASTAPI_TELEMETRY, configure_logging, instrument
from portalflow_eventing.problems import problem
from portalflow_eventing.runtime import Subscription, running
from portalflow_eventing.store import ConcurrencyError


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until it starts."""
    settings = settings or Settings()
    configure_logging("config-service", settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        subscriptions = lambda pool: [  # noqa: E731
            Subscription("config-service", [CUSTOMER_EVENTS], consumers.HANDLERS,
                         apply_together=consumers.APPLY_TOGETHER)]
        async with running(settings, name="config-service", migrations=MIGRATIONS,
                           subscriptions=subscriptions) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(title="Portalflow config-service", version="1", lifespan=lifespan,
                  telemetry=FASTAPI_TELEMETRY,
                  description="Admin API: flows, their portal config, opportunities.")
    app.state.settings = settings
    # Innermost first: authentication, then body limits, so either refuses before any read.
    app.add_middleware(AdminAuthentication, secret=settings.jwt_secret,
                       audience=settings.jwt_audience, rate_limit=settings.rate_limit_admin)
    app.add_middleware(BodyLimit, default=settings.max_json_bytes, routes=[
        ("POST", r"/v1/documents", upload_body_limit(settings.max_upload_bytes))])
    instrument(app, settings.otel_exporter_otlp_endpoint, settings.metrics_token)
    app.add_middleware(ResponseDefaults)  # outermost: every answer, the middleware's own too
    app.state.blobs = blob_store(settings)
    for module in (opportunity_types, opportunities, catalog, documents, history):
        app.include_router(module.router)
    app.include_router(health.router())
    _map_errors(app)
    store.limit_event_size(settings.max_event_bytes)
    return app


def _map_errors(app: FastAPI) -> None:
    def invalid(_: Request, error: InvalidError) -> Response:
        loc = ["body", *error.field.replace("[", ".").replace("]", "").split(".")]
        loc = [int(p) if p.isdigit() else p for p in loc]
        return problem(status.HTTP_422_UNPROCESSABLE_CONTENT, "some values were not accepted",
                       errors=[{"loc": loc, "msg": error.message, "type": "value_error"}])

    def lost_race(request: Request, error: ConcurrencyError) -> Response:
        if "if-match" in request.headers:
            return problem(status.HTTP_412_PRECONDITION_FAILED,
                           f"{error}: reload it and apply your change again")
        return problem(status.HTTP_409_CONFLICT, f"{error}: concurrent changes, try again")

    problems.install(app, {
        NotFoundError: status.HTTP_404_NOT_FOUND,
        InvalidError: invalid,
        ConflictError: status.HTTP_409_CONFLICT,
        InUseError: lambda _, error: problem(status.HTTP_409_CONFLICT, str(error),
                                             references=error.references),
        store.EventTooLargeError: status.HTTP_413_CONTENT_TOO_LARGE,
        ConcurrencyError: lost_race,
        **document_errors.ERROR_STATUSES,
    })
