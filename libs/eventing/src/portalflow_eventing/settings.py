"""Settings every service shares: where Postgres and Kafka are."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from portalflow_eventing.store import MAX_EVENT_BYTES


class EventingSettings(BaseSettings):
    """Read from the environment; the defaults suit the embedded development stack."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field("development", description="`development` or `production`.")
    database_url: str = Field(description="asyncpg DSN of this service's own database.")
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092")
    kafka_idempotent_producer: bool = Field(
        False, description="Turn on with Apache Kafka; the embedded broker does not support it.")
    database_pool_size: int = 10
    relay_batch_size: int = 500
    max_event_bytes: int = Field(MAX_EVENT_BYTES, gt=0, description=(
        "Largest Kafka record an event may take; writes that would exceed it get 413. Keep it "
        "below the broker's and producer's limit (1 MiB by default)."))
    consumer_max_attempts: int = Field(5, description="Tries before a message is dead-lettered.")
    consumer_batch_size: int = Field(
        200, description="Events a consumer applies in one transaction at most.")
    kafka_fetch_max_wait_ms: int = Field(
        20, description="How long a fetch waits for new records; lower means less latency "
                        "with brokers that answer only at the deadline, more idle fetches.")
    consumer_group_suffix: str = Field(
        "", description="Appended to every consumer group name: lets a second, independent "
                        "deployment read the same topics (each group has all the events).")
    log_level: str = Field("INFO", description="Python logging level of the JSON logs.")
    otel_exporter_otlp_endpoint: str | None = Field(
        None, description="OTLP/HTTP endpoint for traces; needs the `otel` extra installed.")
