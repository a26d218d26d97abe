"""Structured JSON logs with the correlation id, request metrics, `/metrics`, optional tracing."""

import hmac
import logging
import re
import sys
import time

import structlog
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portalflow_eventing.metrics import HTTP_REQUESTS
from portalflow_eventing.problems import problem

CORRELATION_HEADER = "X-Correlation-Id"
CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""What a correlation id may be: a UUID, a W3C trace id, `svc:1234.5`; it is copied into every
event the request causes, so its size is bounded."""

FASTAPI_TELEMETRY = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's own OpenTelemetry instruments, off (`FastAPI(telemetry=...)`): `instrument` times
every request into Prometheus and traces through the OpenTelemetry instrumentor when an endpoint
is configured. Left on, FastAPI asks three providers on every request whether one is
configured: 5 µs a request (`timeit`), of the 90–120 µs a `/healthz` takes in process."""


def _add_correlation_id(_, __, event: dict) -> dict:
    if "correlation_id" not in event and (current := correlation_id.get()):
        event["correlation_id"] = current
    return event


def configure_logging(service: str, level: str = "INFO") -> None:
    """Every log line, ours and the libraries', as one JSON object on stdout."""
    shared = [structlog.contextvars.merge_contextvars, _add_correlation_id,
              structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso"),
              structlog.processors.format_exc_info]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(), cache_logger_on_first_use=True)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[lambda _, __, event: {**event, "service": service},
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer()]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class RequestMetrics:
    """Times every HTTP request by method, route template and status (plain ASGI: cheap)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], route, str(status[0])).observe(
                time.perf_counter() - started)


class InvalidCorrelationIdError(Exception):
    pass


def _valid_correlation_id(value: str) -> bool:
    if CORRELATION_ID.fullmatch(value) is None:
        raise InvalidCorrelationIdError
    return True


class CorrelationIds(CorrelationIdMiddleware):
    """asgi-correlation-id's middleware, answering 400 to an id it would otherwise replace."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except InvalidCorrelationIdError:  # raised by the validator, before the app runs
            await problem(400, f"{CORRELATION_HEADER} must be 1 to 128 characters of "
                               "A-Z, a-z, 0-9 and . _ : -", errors=[{
                                   "loc": ["header", CORRELATION_HEADER], "type": "value_error",
                                   "msg": "1 to 128 characters of A-Z a-z 0-9 . _ : -"}],
                          )(scope, receive, send)


def instrument(app: FastAPI, otlp_endpoint: str | None = None,
               metrics_token: str | None = None) -> None:
    """Correlation ids in and out, a duration per request, `/metrics` (behind `metrics_token`
    if given), tracing if configured."""

    app.add_middleware(RequestMetrics)
    app.add_middleware(CorrelationIds, header_name=CORRELATION_HEADER,
                       validator=_valid_correlation_id)
    metrics = APIRouter(tags=["health"])
    expected = f"Bearer {metrics_token}".encode() if metrics_token else None

    @metrics.get("/metrics", operation_id="metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if expected is not None and not hmac.compare_digest(given, expected):
            return problem(401, "/metrics needs the bearer token set in METRICS_TOKEN",
                           headers={"WWW-Authenticate": "Bearer"})
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(metrics)
    if otlp_endpoint:
        _trace(app, otlp_endpoint)


def _trace(app: FastAPI, endpoint: str) -> None:
    """Export spans over OTLP/HTTP; needs the `otel` extra installed."""
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": app.title}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    FastAPIInstrumentor.instrument_app(app)
