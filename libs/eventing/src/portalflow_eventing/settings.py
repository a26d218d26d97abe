"""Settings every service shares: where Postgres and Kafka are, and how to reach them."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from portalflow_eventing.http_settings import HttpSettings
from portalflow_eventing.store import MAX_EVENT_BYTES

REQUIRED_OUTSIDE_DEVELOPMENT = ("database_url", "kafka_bootstrap_servers")


class KafkaSettings(BaseSettings):
    """How every Kafka client (producer, consumers, admin) reaches the cluster."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka brokers, `host:port[,host:port...]`; required "
                                      "outside development.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="How clients talk to the brokers.")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="SASL mechanism; required with a SASL_* security protocol.")
    kafka_sasl_username: str | None = Field(None, description="SASL user name.")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password.")
    kafka_ssl_cafile: str | None = Field(
        None, description="CA bundle that signed the brokers' certificates (SSL, SASL_SSL); "
                          "the system's trust store when unset.")
    kafka_ssl_certfile: str | None = Field(None, description="Client certificate (mutual TLS).")
    kafka_ssl_keyfile: str | None = Field(None, description="Client certificate's private key.")

    @model_validator(mode="after")
    def _sasl_complete(self) -> "KafkaSettings":
        sasl = self.kafka_security_protocol.startswith("SASL_")
        if sasl and not (self.kafka_sasl_mechanism and self.kafka_sasl_username
                         and self.kafka_sasl_password):
            raise ValueError(f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                             "KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        if not sasl and self.kafka_sasl_mechanism:
            raise ValueError("KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL is "
                             f"{self.kafka_security_protocol}: use SASL_PLAINTEXT or SASL_SSL")
        return self


class EventingSettings(KafkaSettings, HttpSettings):
    """Read from the environment; the defaults suit the embedded development stack."""

    environment: str = Field("development", description="`development` or `production`.")
    database_url: str = Field(description="asyncpg DSN of this service's own database.")
    kafka_idempotent_producer: bool = Field(
        False, description="Turn on with Apache Kafka; the embedded broker does not support it.")
    kafka_replication_factor: int = Field(
        1, ge=1, description="Replicas of every topic the services create (3 on a production "
                             "cluster).")
    kafka_session_timeout_ms: int = Field(
        6000, ge=1000, description="A consumer silent this long is dropped from its group and "
                                   "its partitions go to the others.")
    kafka_heartbeat_interval_ms: int = Field(
        1000, ge=100, description="How often a consumer tells its group it is alive; well "
                                  "below the session timeout.")
    kafka_group_instance_id: str | None = Field(
        None, description="Static group membership (KIP-345): a stable name per replica (e.g. "
                          "the pod name) lets a restarted replica take its partitions back at "
                          "once; its partitions then wait out the session timeout before "
                          "moving to another replica.")
    topic_check_interval_seconds: float = Field(
        5.0, gt=0, description="How often a service checks that its topics exist with their "
                               "partition counts (a broker that lost its data is refilled).")
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

    @model_validator(mode="after")
    def _servers_given_outside_development(self) -> "EventingSettings":
        # The defaults name the development servers: elsewhere they would silently point a
        # service at whatever listens on localhost.
        missing = [f for f in REQUIRED_OUTSIDE_DEVELOPMENT if f not in self.model_fields_set]
        if self.environment != "development" and missing:
            raise ValueError(f"{' and '.join(f.upper() for f in missing)} must be set when "
                             f"ENVIRONMENT={self.environment} (only development has defaults)")
        if self.kafka_heartbeat_interval_ms * 3 > self.kafka_session_timeout_ms:
            raise ValueError("KAFKA_HEARTBEAT_INTERVAL_MS must be at most a third of "
                             "KAFKA_SESSION_TIMEOUT_MS, or a slow heartbeat drops a live member")
        return self
