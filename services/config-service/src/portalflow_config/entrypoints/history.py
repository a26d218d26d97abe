"""Admin API: who changed what, when and why, read from the event store."""

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from portalflow_config.application.flows import load_flow
from portalflow_config.application.opportunities import load_opportunity
from portalflow_config.entrypoints.deps import FlowReader, OpportunityReader, Pool
from portalflow_config.entrypoints.problem_schemas import REFUSALS
from portalflow_eventing import store
from portalflow_eventing.checked_input import CheckedRoute

router = APIRouter(tags=["history"], route_class=CheckedRoute, responses=REFUSALS)


class Change(BaseModel):
    version: int
    type: str
    recorded_at: datetime
    actor: str | None
    cause: dict | None
    correlation_id: str
    causation_id: str | None
    data: dict


async def _history(pool, stream_id: str, load, org_id: str) -> list[Change]:
    async with pool.acquire() as conn:
        await load(conn, org_id, stream_id)  # 404 unless it is the org's
        events = await store.load(conn, stream_id)
    return [Change(version=e.version, type=e.envelope.type, recorded_at=e.envelope.time,
                   actor=e.envelope.actor, cause=e.envelope.data.get("cause"),
                   correlation_id=e.envelope.correlation_id,
                   causation_id=e.envelope.causation_id, data=e.envelope.data)
            for e in events]


@router.get("/v1/opportunities/{opportunity_id}/history", operation_id="opportunity_history")
async def opportunity_history(opportunity_id: str, caller: OpportunityReader,
                              pool: Pool) -> list[Change]:
    """Every change of the opportunity, oldest first, with who made it and why."""
    return await _history(pool, opportunity_id, load_opportunity, caller.org_id)


@router.get("/v1/opportunity-types/{opportunity_type_id}/history",
            operation_id="opportunity_type_history")
async def opportunity_type_history(opportunity_type_id: str, caller: FlowReader,
                                   pool: Pool) -> list[Change]:
    """Every change of the opportunity type's configuration, oldest first."""
    return await _history(pool, opportunity_type_id, load_flow, caller.org_id)
