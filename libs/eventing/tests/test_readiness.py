"""Readiness: 503 naming each part that is not ready; 200 `degraded` while keys are parked."""

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from portalflow_eventing import health
from portalflow_eventing.parking import Parked


class Runtime:
    """The parts readiness asks about, as a test sets them."""

    def __init__(self, checks: dict[str, str], parked: list[Parked] = ()) -> None:
        self.checks, self.parked = checks, list(parked)

    async def ready(self) -> dict[str, str]:
        return self.checks

    def degraded(self) -> list[str]:
        return [key.describe() for key in self.parked]


def readiness(runtime: Runtime):
    app = FastAPI()
    app.include_router(health.router())
    app.state.runtime = runtime
    return TestClient(app).get("/readyz")


OK = {"database": "ok", "broker": "ok", "relay": "ok"}


def test_every_part_ready_is_ok():
    answer = readiness(Runtime(OK))
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_a_part_not_ready_is_503_naming_it_with_retry_after():
    answer = readiness(Runtime({**OK, "relay": "unavailable: KafkaConnectionError"}))
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.json()["detail"] == "relay: unavailable: KafkaConnectionError"


def test_a_parked_key_is_degraded_but_still_ready():
    key = Parked("config-service", "portalflow.opportunities", "opp-1", 7, "e-1",
                 "MessageSizeTooLargeError: too large", datetime.now(UTC))
    answer = readiness(Runtime(OK, [key]))
    assert answer.status_code == 200
    assert answer.json()["status"] == "degraded"
    assert "opp-1 waits since event e-1" in answer.json()["degraded"][0]
