"""Settings of the HTTP edge both services share: heads, bodies, timeouts, rate limits."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

KIB, MIB = 1024, 1024 * 1024


class HttpSettings(BaseSettings):
    """Read from the environment; `serve` reads it for the server, `create_app` for the app."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    http_max_head_bytes: int = Field(
        16 * KIB, description="Request line and headers together at most; larger heads get 431.")
    http_max_headers: int = Field(100, description="Headers per request at most; more get 431.")
    http_head_timeout_seconds: float = Field(
        10.0, description="A request's whole head must arrive within it, counted from the "
                          "connection or the next request's first byte; else 408 and closed.")
    http_body_idle_timeout_seconds: float = Field(
        15.0, description="A request body that sends nothing for this long gets 408, closed.")
    http_keep_alive_seconds: float = Field(
        5.0, description="How long an idle keep-alive connection waits for its next request.")
    max_json_bytes: int = Field(
        MIB, description="Bodies of routes other than uploads at most; larger ones get 413.")
    max_drawing_bytes: int = Field(
        2 * MIB, description="The body of a roof drawing (PUT …/drawing) at most; else 413.")
    shutdown_timeout_seconds: float = Field(
        10.0, description="After SIGTERM the process ends within this, whatever it is doing: "
                          "open requests get half of it to finish, then the rest shuts down.")
    metrics_token: str | None = Field(
        None, description="When set, /metrics answers only requests bearing this token.")
    rate_limit_customer: str = Field(
        "1200/minute", description="Requests per portal access token (moving window, `limits` "
                                   "notation such as `20/second;1200/minute`); past it 429.")
    rate_limit_admin: str = Field(
        "600/second", description="Requests per admin subject (JWT `sub` in its `org`), in the "
                                  "same notation; integrations writing in bulk use it too.")
    max_streams_per_token: int = Field(
        5, description="Concurrent live-update (SSE) streams per portal access token; past it 429.")
