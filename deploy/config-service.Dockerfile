# syntax=docker/dockerfile:1
# config-service image. Build from the repository root:
#   docker build -f deploy/config-service.Dockerfile -t portalflow-config-service .
# deploy/README.md describes the image; deploy/compose.yaml runs it.

# --- build: the locked environment of this one service, made by uv ----------------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

# The same uv the Makefile pins.
RUN pip install uv==0.13.9

WORKDIR /app

# Dependencies first, from the lock alone: this layer is rebuilt only when a pyproject.toml or
# uv.lock changes. uv needs every workspace member's pyproject.toml to read the workspace.
COPY pyproject.toml uv.lock ./
COPY contracts/pyproject.toml contracts/
COPY libs/eventing/pyproject.toml libs/eventing/
COPY libs/documents/pyproject.toml libs/documents/
COPY libs/devstack/pyproject.toml libs/devstack/
COPY libs/ops/pyproject.toml libs/ops/
COPY libs/bench/pyproject.toml libs/bench/
COPY services/config-service/pyproject.toml services/config-service/
COPY services/portal-service/pyproject.toml services/portal-service/
RUN uv sync --frozen --no-dev --no-install-workspace --package portalflow-config

# Then the sources of the members this service needs. They stay installed in place (editable):
# the service finds its migrations beside its source tree (portalflow_config.config.MIGRATIONS).
COPY contracts/src contracts/src
COPY libs/eventing/src libs/eventing/src
COPY libs/documents/src libs/documents/src
COPY services/config-service/src services/config-service/src
COPY services/config-service/migrations services/config-service/migrations
RUN uv sync --frozen --no-dev --package portalflow-config \
 && /app/.venv/bin/python -m compileall -q contracts/src libs/eventing/src libs/documents/src \
      services/config-service/src

# --- runtime: the environment and sources, no build tools, not root ----------------------------
FROM python:3.11-slim AS runtime

# One uid for both services' images, so the blob volume they share is writable by both.
RUN groupadd --system --gid 10001 portalflow \
 && useradd --system --uid 10001 --gid portalflow --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin portalflow \
 && mkdir -p /var/lib/portalflow/blobs \
 && chown -R portalflow:portalflow /var/lib/portalflow

# Code and environment stay owned by root: the service cannot change what it runs.
COPY --from=build /app /app

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    BLOB_STORE_PATH=/var/lib/portalflow/blobs

WORKDIR /app
USER portalflow:portalflow
EXPOSE 8001

# /readyz answers 200 only while PostgreSQL and Kafka both answer; urlopen raises on 503.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8001/readyz', timeout=4)"]

CMD ["portalflow-config", "serve", "--host", "0.0.0.0", "--port", "8001"]
