"""Where the operator's tools find Kafka and PostgreSQL; flags override these."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class OpsSettings(BaseSettings):
    """Read from the environment (and `.env`), as the services read theirs."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    database_url: str | None = None
