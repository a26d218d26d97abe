"""The data a run needs, made through the admin API as a back office would make it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg
import httpx

# The flow of the end-to-end tests (tests/flows.py): accept-budget moves "Oferta enviada" on.
STATES = [("Captación", [("Documentación", "initial-documentation")]),
          ("Oferta", [("Oferta enviada", "offer"), ("Oferta aceptada", None)]),
          ("Instalación", [("Visita", "installer-visit")])]
OFFERED, ACCEPTED, EDITED = "Oferta enviada", "Oferta aceptada", "Visita"
OFFERS_EACH = 2


class SeedError(RuntimeError):
    """The admin API refused a call while seeding."""


@dataclass(frozen=True)
class Flow:
    opportunity_type_id: str
    substates: dict[str, str]  # internal name → substate id


@dataclass(frozen=True)
class Opportunity:
    opportunity_id: str
    token: str
    offer_ids: tuple[str, ...]


def admin_token(org_id: str) -> str:
    """An admin JWT with every permission, signed as config-service's default settings check."""
    from portalflow_config.config import Settings
    from portalflow_config.entrypoints import auth

    settings = Settings(database_url="unused")
    return auth.mint(settings.jwt_secret, settings.jwt_audience, subject="portalflow-bench",
                     org_id=org_id, permissions=list(auth.ALL_PERMISSIONS))


class Admin:
    """An admin API client of one org."""

    def __init__(self, url: str, org_id: str) -> None:
        self.client = httpx.AsyncClient(base_url=url, timeout=30, headers={
            "Authorization": f"Bearer {admin_token(org_id)}"})

    async def call(self, method: str, path: str, body: dict | None = None) -> dict:
        response = await self.client.request(method, path, json=body)
        if response.is_error:
            raise SeedError(f"{method} {path} answered {response.status_code}: {response.text}")
        return response.json()

    async def configure_flow(self, name: str = "Autoconsumo") -> Flow:
        """Create the flow, name every step, map accept-budget to the accepted-offer substate."""
        await self.call("PUT", "/v1/portal-settings", {"locales": ["es"], "default_locale": "es"})
        created = await self.call("POST", "/v1/opportunity-types", {
            "name": name, "states": [
                {"name": state, "substates": [{"name": name} for name, _ in subs]}
                for state, subs in STATES]})
        path = f"/v1/opportunity-types/{created['opportunity_type_id']}"
        substates = {}
        for state, (_, subs) in zip(created["states"], STATES, strict=True):
            await self.call("PUT", f"{path}/states/{state['state_id']}/portal",
                            {"public_name": {"es": state["name"]}})
            for sub, (name, panel) in zip(state["substates"], subs, strict=True):
                substates[name] = sub["substate_id"]
                await self.call("PUT", f"{path}/substates/{sub['substate_id']}/portal", {
                    "public_name": {"es": name}, "panel": panel,
                    "description": {"es": f"Paso {name}"}})
        await self.call("PUT", f"{path}/external-actions/accept-budget",
                        {"target_substate_id": substates[ACCEPTED]})
        return Flow(created["opportunity_type_id"], substates)

    async def open_offered(self, flow: Flow, number: int) -> Opportunity:
        """An opportunity on the offer panel with its offers and a customer token."""
        opened = await self.call("POST", "/v1/opportunities", {
            "opportunity_type_id": flow.opportunity_type_id, "title": f"Casa {number}",
            "substate_id": flow.substates[OFFERED]})
        path = f"/v1/opportunities/{opened['opportunity_id']}"
        offers = [(await self.call("POST", f"{path}/offers", {
            "title": f"{kw} kW", "amount": f"{kw * 1500}.00"}))["offer_id"]
            for kw in range(6, 6 + 2 * OFFERS_EACH, 2)]
        access = await self.call("POST", f"{path}/portal-access")
        return Opportunity(opened["opportunity_id"], access["token"], tuple(offers))

    async def open_many(self, flow: Flow, count: int, concurrency: int = 8) -> list[Opportunity]:
        """`count` offered opportunities, `concurrency` being opened at a time."""
        gate = asyncio.Semaphore(concurrency)

        async def one(number: int) -> Opportunity:
            async with gate:
                return await self.open_offered(flow, number)
        return list(await asyncio.gather(*(one(n) for n in range(count))))

    async def close(self) -> None:
        await self.client.aclose()


async def wait_projected(portal_dsn: str, opportunities: list[Opportunity],
                         timeout: float = 120.0) -> None:
    """Wait until the portal's read model shows every one with its offers and customer token."""
    ids = [o.opportunity_id for o in opportunities]
    conn = await asyncpg.connect(portal_dsn)
    try:
        deadline = time.monotonic() + timeout
        while True:
            ready = await conn.fetchval(
                "SELECT count(*) FROM portal_opportunities o WHERE opportunity_id = ANY($1)"
                " AND (SELECT count(*) FROM jsonb_object_keys(o.offers)) = $2"
                " AND EXISTS (SELECT 1 FROM portal_access a"
                "             WHERE a.opportunity_id = o.opportunity_id)", ids, OFFERS_EACH)
            if ready == len(ids):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {ready} of {len(ids)} opportunities projected "
                                   f"after {timeout}s")
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
