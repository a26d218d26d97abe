"""The customer's reads and actions, checked against the current substate's panel."""

import hashlib
import json
from collections.abc import Sequence

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_contracts.values import PanelKey
from portalflow_eventing import store
from portalflow_portal.domain import definition, view
from portalflow_portal.domain.errors import ActionNotAllowedError, NotFoundError

SOURCE = "portal-service"

_LOAD = """
SELECT o.opportunity_id, o.org_id, o.substate_id, o.visited, o.title, o.locale, o.offers,
       f.definition
FROM portal_access a
JOIN portal_opportunities o USING (opportunity_id)
JOIN flows f USING (opportunity_type_id)
WHERE a.token_sha256 = $1 AND o.opportunity_id = $2
"""


async def _load(conn: asyncpg.Connection, token: str, opportunity_id: str) -> dict:
    """The opportunity the token opens, with its flow; NotFoundError for any other."""
    row = await conn.fetchrow(_LOAD, hashlib.sha256(token.encode()).hexdigest(), opportunity_id)
    if row is None:
        raise NotFoundError(f"opportunity {opportunity_id} not found for this access token")
    return {**row, "offers": json.loads(row["offers"]),
            "definition": json.loads(row["definition"])}


async def get_view(pool: asyncpg.Pool, token: str, opportunity_id: str,
                   locales: Sequence[str], default_locale: str) -> dict:
    """The portal view of the opportunity in the customer's locale."""
    async with pool.acquire() as conn:
        opportunity = await _load(conn, token, opportunity_id)
    preferred = [*locales, *filter(None, [opportunity["locale"], default_locale])]
    return view.build(opportunity["definition"], opportunity, preferred)


async def accept_offer(pool: asyncpg.Pool, token: str, opportunity_id: str, offer_id: str,
                       correlation_id: str) -> str:
    """Emit the customer's acceptance of an open offer; return the customer event id."""
    async with pool.acquire() as conn, conn.transaction():
        opportunity = await _load(conn, token, opportunity_id)
        current = definition.substate(opportunity["definition"], opportunity["substate_id"])
        if current["panel"] != PanelKey.OFFER:
            raise ActionNotAllowedError(
                f"offers can be accepted only on the offer panel; the current step shows "
                f"{current['panel'] or 'no panel'}")
        offer = opportunity["offers"].get(offer_id)
        if offer is None:
            raise NotFoundError(f"offer {offer_id} not found")
        if offer["status"] != "open":
            raise ActionNotAllowedError(f"offer {offer_id} is {offer['status']}, not open")
        envelope = Envelope.wrap(
            CustomerAcceptedOffer(opportunity_id=opportunity_id, offer_id=offer_id),
            source=SOURCE, subject=opportunity_id, org_id=opportunity["org_id"],
            correlation_id=correlation_id, actor=f"customer:{opportunity_id}")
        await store.append(conn, opportunity_id, [envelope], expected_version=None)
        return envelope.id
