"""Where the operator's tools find Kafka and PostgreSQL; flags override these."""

from portalflow_eventing.settings import KafkaSettings


class OpsSettings(KafkaSettings):
    """Read from the environment (and `.env`), as the services read theirs: the same Kafka
    bootstrap, security and credentials settings."""

    database_url: str | None = None
