"""Records config-service can never apply go to its dead-letter topic once, and the good record
behind them on the same partition applies: a 2 MiB record and a malformed one."""

from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from flows import configure_flow, ok, open_with_access

from portalflow_contracts.topics import CUSTOMER_EVENTS, dead_letter_topic
from portalflow_devstack.processes import run_sync
from portalflow_devstack.testing import eventually


def headers(opportunity_id: str, org_id: str) -> list[tuple[str, bytes]]:
    return [("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()),
            ("ce_source", b"portal-service"),
            ("ce_type", b"portalflow.customer.offer-accepted.v1"),
            ("ce_subject", opportunity_id.encode()), ("ce_time", b"2026-12-04T10:00:00+00:00"),
            ("ce_orgid", org_id.encode()), ("ce_correlationid", b"poison-test"),
            ("content-type", b"application/json")]


async def publish_poison(bootstrap: str, opportunity_id: str, org_id: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=3 * 1024 * 1024)
    await producer.start()
    try:
        key = opportunity_id.encode()
        await producer.send_and_wait(CUSTOMER_EVENTS, b"{" + b"x" * (2 * 1024 * 1024), key,
                                     headers=headers(opportunity_id, org_id))
        await producer.send_and_wait(CUSTOMER_EVENTS, b"not json", key,
                                     headers=headers(opportunity_id, org_id))
    finally:
        await producer.stop()


async def dead_letters_about(bootstrap: str, opportunity_id: str) -> list:
    consumer = AIOKafkaConsumer(dead_letter_topic("config-service"), bootstrap_servers=bootstrap,
                                group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    try:
        records = [r for batch in (await consumer.getmany(timeout_ms=2000)).values()
                   for r in batch]
    finally:
        await consumer.stop()
    return [r for r in records if opportunity_id.encode() in (r.key or b"")]


def test_a_huge_and_a_malformed_record_are_set_aside_and_the_next_one_applies(services):
    org_id = f"org-{uuid4().hex[:8]}"
    admin = services.admin(org_id)
    flow = configure_flow(admin)
    opportunity_id, token, offers = open_with_access(admin, flow, "Oferta enviada")
    customer = services.customer(token)
    eventually(lambda: customer.get(f"/v1/portal/opportunities/{opportunity_id}")
               .status_code == 200)

    bootstrap = services.stack.kafka_bootstrap
    run_sync(lambda: publish_poison(bootstrap, opportunity_id, org_id))
    ok(customer.post(f"/v1/portal/opportunities/{opportunity_id}/offers/{offers[0]}/accept"),
       202)

    eventually(lambda: ok(admin.get(f"/v1/opportunities/{opportunity_id}"))["substate_id"]
               == flow.substates["Oferta aceptada"], timeout=30)
    letters = run_sync(lambda: dead_letters_about(bootstrap, opportunity_id))
    assert len(letters) == 2
    references = [dict(r.headers).get("x-dead-letter-reference") for r in letters]
    assert sorted(references, key=str) == [None, b"true"]
