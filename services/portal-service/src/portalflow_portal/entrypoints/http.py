"""The customer API: the portal view and the customer's actions."""

from fastapi import APIRouter, Request, status

from portalflow_portal.application import portal
from portalflow_portal.entrypoints.deps import CorrelationId, Locales, Pool, Token
from portalflow_portal.entrypoints.schemas import Accepted, PortalView

router = APIRouter(prefix="/v1/portal/opportunities/{opportunity_id}", tags=["portal"])


@router.get("", operation_id="get_portal_view", response_model_exclude_none=False)
async def get_portal_view(opportunity_id: str, token: Token, locales: Locales, pool: Pool,
                          request: Request) -> PortalView:
    """What the customer sees now: the steps, the current one and its panel."""
    return PortalView.model_validate(await portal.get_view(
        pool, token, opportunity_id, locales, request.app.state.settings.default_locale))


@router.post("/offers/{offer_id}/accept", status_code=status.HTTP_202_ACCEPTED,
             operation_id="accept_offer")
async def accept_offer(opportunity_id: str, offer_id: str, token: Token, pool: Pool,
                       correlation_id: CorrelationId) -> Accepted:
    """Accept an open offer; the opportunity moves on once config-service applies it."""
    event_id = await portal.accept_offer(pool, token, opportunity_id, offer_id, correlation_id)
    return Accepted(customer_event_id=event_id)
