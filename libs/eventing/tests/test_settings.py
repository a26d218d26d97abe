"""Settings refuse development defaults outside development; Kafka security reaches clients."""

import ssl

import pytest
from faststream.kafka.security import parse_security
from pydantic import ValidationError

from portalflow_eventing import kafka
from portalflow_eventing.settings import EventingSettings

SERVERS = {"DATABASE_URL": "postgresql://portalflow@db.internal/portalflow",
           "KAFKA_BOOTSTRAP_SERVERS": "kafka-0.internal:9093"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env file
    for name in ("ENVIRONMENT", "DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS",
                 "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME",
                 "KAFKA_SASL_PASSWORD", "KAFKA_SSL_CAFILE"):
        monkeypatch.delenv(name, raising=False)


class ServiceSettings(EventingSettings):
    """As each service declares it: a development default for its database."""

    database_url: str = "postgresql://postgres@127.0.0.1:5432/portalflow_config"


def test_development_runs_on_its_defaults():
    settings = ServiceSettings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert kafka.security(settings) == {"security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize("given, missing", [
    ({}, "DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS"),
    ({"DATABASE_URL": SERVERS["DATABASE_URL"]}, "KAFKA_BOOTSTRAP_SERVERS must be set"),
    ({"KAFKA_BOOTSTRAP_SERVERS": SERVERS["KAFKA_BOOTSTRAP_SERVERS"]}, "DATABASE_URL must be"),
])
def test_production_refuses_the_development_servers(monkeypatch, given, missing):
    monkeypatch.setenv("ENVIRONMENT", "production")
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=missing):
        ServiceSettings()


def test_production_takes_the_servers_it_is_given(monkeypatch):
    for name, value in {"ENVIRONMENT": "production", **SERVERS}.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings()
    assert (settings.database_url, settings.kafka_bootstrap_servers) == (
        SERVERS["DATABASE_URL"], SERVERS["KAFKA_BOOTSTRAP_SERVERS"])


def test_sasl_needs_its_mechanism_and_credentials(monkeypatch):
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "portalflow")
    with pytest.raises(ValidationError, match="needs KAFKA_SASL_MECHANISM"):
        ServiceSettings()
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "PLAIN")
    with pytest.raises(ValidationError, match="use SASL_PLAINTEXT or SASL_SSL"):
        ServiceSettings()


def test_sasl_over_tls_reaches_every_client_alike(monkeypatch):
    for name, value in {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
                        "KAFKA_SASL_USERNAME": "portalflow",
                        "KAFKA_SASL_PASSWORD": "s3cret"}.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings()
    assert "s3cret" not in repr(settings)
    options = kafka.security(settings)
    assert isinstance(options.pop("ssl_context"), ssl.SSLContext)
    assert options == {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
                       "sasl_plain_username": "portalflow", "sasl_plain_password": "s3cret"}
    consumers = parse_security(kafka._faststream_security(settings))  # the consumers' options
    assert isinstance(consumers.pop("ssl_context"), ssl.SSLContext)
    assert consumers == options


def test_replication_factor_and_group_timing_are_settings(monkeypatch):
    monkeypatch.setenv("KAFKA_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("KAFKA_SESSION_TIMEOUT_MS", "3000")
    monkeypatch.setenv("KAFKA_HEARTBEAT_INTERVAL_MS", "2000")
    with pytest.raises(ValidationError, match="at most a third"):
        ServiceSettings()
    monkeypatch.setenv("KAFKA_HEARTBEAT_INTERVAL_MS", "1000")
    settings = ServiceSettings()
    assert settings.kafka_replication_factor == 3
    broker = kafka.broker(settings.kafka_bootstrap_servers, settings)
    assert broker.consumer_defaults["session_timeout_ms"] == 3000
