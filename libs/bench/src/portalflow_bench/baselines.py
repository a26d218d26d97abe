"""The bare limits, measured on the same servers in the same run: commits and produce→consume."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from portalflow_bench.procstats import cpu_seconds
from portalflow_bench.stats import summary
from portalflow_eventing.kafka import ensure_topics, producer

PAYLOAD = "x" * 200  # about the size of an event's data column
PARTITIONS = 6  # as portalflow.opportunities


def _reader(bootstrap: str, topic: str, offset_reset: str,
            fetch_max_wait_ms: int = 500) -> AIOKafkaConsumer:
    """A consumer of every partition of `topic`, outside any group (500 ms: aiokafka's default)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset=offset_reset,
                                fetch_max_wait_ms=fetch_max_wait_ms)
    consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
    return consumer


async def commits(database_url: str, connections: int, seconds: float) -> dict:
    """Single-row autocommit INSERTs from `connections` connections for `seconds`."""
    conns = [await asyncpg.connect(database_url) for _ in range(connections)]
    try:
        await conns[0].execute("CREATE TABLE IF NOT EXISTS bench_commits"
                               " (id bigserial PRIMARY KEY, payload text NOT NULL)")
        latencies: list[float] = []
        started = time.perf_counter()
        stop = started + seconds

        async def writer(conn: asyncpg.Connection) -> None:
            while (begun := time.perf_counter()) < stop:
                await conn.execute("INSERT INTO bench_commits (payload) VALUES ($1)", PAYLOAD)
                latencies.append((time.perf_counter() - begun) * 1000)

        await asyncio.gather(*(writer(conn) for conn in conns))
        return summary(latencies, time.perf_counter() - started)
    finally:
        for conn in conns:
            await conn.close()


async def produce_consume(bootstrap: str, topic: str, messages: int, size: int = 600) -> dict:
    """`messages` records produced with acks=all (the services' producer options) to a fresh
    topic while one consumer reads them back; rate = messages / (first send → last read)."""
    await ensure_topics(bootstrap, {topic: PARTITIONS})
    consumer = _reader(bootstrap, topic, "earliest")
    await consumer.start()
    sender = producer(bootstrap)
    await sender.start()
    try:
        value = b"v" * size

        async def consume() -> float:
            seen = 0
            while seen < messages:
                batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
                seen += sum(len(records) for records in batches.values())
            return time.perf_counter()

        reading = asyncio.create_task(consume())
        started = time.perf_counter()
        acks = [await sender.send(topic, value, key=f"k{i % 1000}".encode())
                for i in range(messages)]
        await asyncio.gather(*acks)
        produced = time.perf_counter()
        finished = await asyncio.wait_for(reading, timeout=120)
    finally:
        await sender.stop()
        await consumer.stop()
    return {"messages": messages, "per_second": messages / (finished - started),
            "produce_per_second": messages / (produced - started)}


async def hop_latency(bootstrap: str, topic: str, samples: int,
                      fetch_max_wait_ms: int = 500) -> dict:
    """Latency of one record produced (acks=all) until a consumer reads it, one at a time.

    500 ms is aiokafka's and FastStream's default `fetch_max_wait_ms`; the services run with
    KAFKA_FETCH_MAX_WAIT_MS. A broker that completes a fetch as soon as data arrives makes it
    irrelevant; one that answers only at the deadline (the embedded one) adds it to every hop.
    """
    await ensure_topics(bootstrap, {topic: PARTITIONS})
    consumer = _reader(bootstrap, topic, "latest", fetch_max_wait_ms)
    await consumer.start()
    sender = producer(bootstrap)
    await sender.start()
    try:
        await consumer.getmany(timeout_ms=100)  # positions resolved before the first send
        latencies = []
        for index in range(samples):
            started = time.perf_counter()
            await sender.send_and_wait(topic, b"hop", key=f"k{index}".encode())
            while not any((await consumer.getmany(timeout_ms=2000)).values()):
                pass
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.01)
    finally:
        await sender.stop()
        await consumer.stop()
    return summary(latencies)


async def stored_batches(bootstrap: str, topic: str, stored: int, rate: int, seconds: float,
                         fetch_max_wait_ms: int, broker_pid: int | None) -> dict:
    """Records at `rate`/s, one per produce as a relay sends them at that rate, through a topic
    that already holds `stored` one-record batches; their latency and the broker's CPU.

    The embedded broker lists every batch a partition has stored whenever a fetch finds new
    records in it, so its cost per fetch grows with the topic's history, as the services'
    topics grow during a run (see docs/BENCHMARKS.md). Apache Kafka finds an offset by index.
    """
    await ensure_topics(bootstrap, {topic: PARTITIONS})
    sender = producer(bootstrap)
    await sender.start()
    consumer = _reader(bootstrap, topic, "latest", fetch_max_wait_ms)
    try:
        for _ in range(stored // PARTITIONS):  # one record per partition and request: a batch each
            await asyncio.gather(*[await sender.send(topic, b"stored", partition=partition)
                                   for partition in range(PARTITIONS)])
        await consumer.start()  # after the stored batches: "latest" starts behind them
        await consumer.getmany(timeout_ms=100)  # positions resolved after the stored batches
        count, sent, latencies = round(rate * seconds), {}, []

        async def consume() -> None:
            while len(latencies) < count:
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    now = time.perf_counter()
                    latencies.extend((now - sent[r.value]) * 1000 for r in records)

        reading = asyncio.create_task(consume())
        cpu_before = cpu_seconds(broker_pid) if broker_pid else None
        started = time.perf_counter()
        for index in range(count):
            value = str(index).encode()
            sent[value] = time.perf_counter()
            await sender.send(topic, value, key=value)
            await asyncio.sleep(max(0.0, started + (index + 1) / rate - time.perf_counter()))
        await asyncio.wait_for(reading, timeout=60)
        elapsed = time.perf_counter() - started
        cpu = None if cpu_before is None else (cpu_seconds(broker_pid) - cpu_before) / elapsed
    finally:
        await sender.stop()
        await consumer.stop()
    return {"stored_batches": stored, "rate": rate, "broker_cpu": cpu, **summary(latencies)}
