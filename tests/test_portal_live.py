"""Server-Sent Events: the customer's view is pushed when the opportunity changes."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from flows import configure_flow, ok, open_with_access

from portalflow_devstack.testing import eventually

DEADLINE = 20


@dataclass
class Event:
    event: str = "message"
    data: list[str] = field(default_factory=list)
    id: str | None = None

    @property
    def view(self) -> dict:
        return json.loads("\n".join(self.data))


async def events(response: httpx.Response) -> AsyncIterator[Event]:
    """The events of a text/event-stream body; comments (keep-alive pings) are skipped."""
    pending = Event()
    async for line in response.aiter_lines():
        if not line:
            if pending.data:
                yield pending
            pending = Event()
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                pending.data.append(value)
            elif name in ("event", "id"):
                setattr(pending, name, value)


def stream(services, token: str, opportunity_id: str):
    client = httpx.AsyncClient(base_url=services.portal.url, timeout=DEADLINE,
                               headers={"Authorization": f"Bearer {token}"})
    return client, client.stream("GET", f"/v1/portal/opportunities/{opportunity_id}/events")


def opened_in_documentation(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, _ = open_with_access(admin, flow, "Documentación", offers=0)
    customer = services.customer(token)
    url = f"/v1/portal/opportunities/{opportunity_id}"

    def configured(view: dict) -> bool:  # every step of the flow is projected with its name
        return sum(len(s["substates"]) for s in view["states"]) == len(flow.substates)

    eventually(lambda: (r := customer.get(url)).status_code == 200 and configured(r.json()))
    return admin, flow, opportunity_id, token, customer.get(url)


async def test_the_view_is_sent_on_connect_and_again_after_an_admin_move(services):
    admin, flow, opportunity_id, token, shown = opened_in_documentation(services)
    client, request = stream(services, token, opportunity_id)
    async with client, asyncio.timeout(DEADLINE), request as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        received = events(response)

        first = await anext(received)
        assert first.event == "view" and first.view == shown.json()
        assert f'"{first.id}"' == shown.headers["ETag"]

        await asyncio.to_thread(lambda: ok(admin.post(
            f"/v1/opportunities/{opportunity_id}/substate",
            json={"substate_id": flow.substates["Oferta enviada"]})))

        moved = await anext(received)  # an unchanged view is never sent again
        assert moved.event == "view" and moved.id != first.id
        assert moved.view["current"]["substate_id"] == flow.substates["Oferta enviada"]
        assert moved.view["current"]["panel"]["key"] == "offer"
        assert moved.view["steps"]["previous"]["public_name"] == "Documentación"


async def test_the_stream_ends_when_portal_access_is_revoked(services):
    admin, _, opportunity_id, token, _ = opened_in_documentation(services)
    client, request = stream(services, token, opportunity_id)
    async with client, asyncio.timeout(DEADLINE), request as response:
        received = events(response)
        assert (await anext(received)).event == "view"

        await asyncio.to_thread(lambda: ok(admin.delete(
            f"/v1/opportunities/{opportunity_id}/portal-access")))

        assert [e async for e in received] == []  # the server closes the stream
