"""`lag`: how far each consumer group is behind, per partition."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from portalflow_contracts.topics import CUSTOMER_EVENTS, FLOW_DEFINITIONS, OPPORTUNITIES
from portalflow_ops import brokers

# The groups as the services' bootstraps name them. Not imported: config-service exports no
# constant, and importing portal-service's bootstrap loads the whole service (seconds).
# test_lag checks the names against the services.
CONFIG_SERVICE_GROUP = "config-service"
READ_MODEL_GROUP = "portal-service.read-model"

GROUPS: dict[str, tuple[str, ...]] = {
    CONFIG_SERVICE_GROUP: (CUSTOMER_EVENTS,),
    READ_MODEL_GROUP: (FLOW_DEFINITIONS, OPPORTUNITIES),
}
"""Portalflow's consumer groups and the topics each subscribes to."""


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int


async def lag(bootstrap_servers: str, groups: Iterable[str] = GROUPS) -> list[PartitionLag]:
    """Committed offset, end offset and lag of every partition the groups read or committed."""
    rows = []
    async with brokers.connected(bootstrap_servers) as broker:
        for group in groups:
            rows += await _group_lag(broker, group)
    return rows


async def _group_lag(broker: brokers.Broker, group: str) -> list[PartitionLag]:
    known = GROUPS.get(group)
    partitions = await broker.partitions(known or await broker.topics())
    committed = await broker.committed(group, partitions)
    if not known:  # another system's group: only what it has committed on
        partitions = [tp for tp in partitions if committed[tp] >= 0]
    begin, end = await broker.bounds(partitions)
    rows = []
    for tp in partitions:
        offset = committed[tp] if committed[tp] >= 0 else None
        # Without a commit, the group starts from the earliest offset (auto_offset_reset).
        behind = end[tp] - (begin[tp] if offset is None else offset)
        rows.append(PartitionLag(group, tp.topic, tp.partition, offset, end[tp], behind))
    return rows


def as_json(row: PartitionLag) -> dict:
    return asdict(row)
