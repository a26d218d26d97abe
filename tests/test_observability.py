"""What operators watch: metrics on both services, JSON logs, one correlation id end to end."""

import json

from flows import configure_flow, open_with_access

from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_devstack.testing import eventually, read_back

EXPECTED_METRICS = {
    "config": ["portalflow_events_appended_total", "portalflow_relay_lag_events",
               'portalflow_http_request_duration_seconds_count{method="POST",'
               'route="/v1/opportunity-types",status="201"}'],
    "portal": ["portalflow_events_consumed_total", "portalflow_handler_duration_seconds",
               "portalflow_consumer_lag_messages{group="],
}


def test_both_services_expose_prometheus_metrics(services):
    configure_flow(services.admin())
    for name, expected in EXPECTED_METRICS.items():
        url = f"{getattr(services, name).url}/metrics"

        def exposed(url=url, expected=expected) -> bool:
            response = services.portal_client().get(url)
            return response.status_code == 200 and all(m in response.text for m in expected)

        eventually(exposed)


async def test_a_correlation_id_follows_the_customer_action_to_the_transition(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, (offer_id, _) = open_with_access(admin, flow, "Oferta enviada")
    customer = services.customer(token)
    eventually(lambda: customer.get(f"/v1/portal/opportunities/{opportunity_id}")
               .status_code == 200)
    correlation = "corr-" + opportunity_id

    answer = customer.post(f"/v1/portal/opportunities/{opportunity_id}/offers/{offer_id}/accept",
                           headers={"X-Correlation-Id": correlation})

    assert answer.status_code == 202 and answer.headers["X-Correlation-Id"] == correlation
    events = await read_back(services.stack.kafka_bootstrap, OPPORTUNITIES, {opportunity_id},
                             count=8, timeout=15)
    caused = [e for e in events if e.correlation_id == correlation]
    assert {e.type.split(".")[2] for e in caused} >= {"offer-accepted", "substate-changed"}
    assert all(e.causation_id == answer.json()["customer_event_id"] for e in caused)

    def logged() -> list[dict]:
        lines = services.config.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines
                if line.startswith("{") and correlation in line]

    assert all(entry["service"] == "config-service" for entry in eventually(logged))
