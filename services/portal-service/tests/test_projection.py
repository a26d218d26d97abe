"""The projection into the real read model, read back as views; live notifications at commit."""

import asyncio
import hashlib
import json
from uuid import uuid4

import asyncpg
import pytest

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events import catalog, customer
from portalflow_contracts.events import opportunity as opp
from portalflow_contracts.events.flow import (
    FieldBinding,
    OpportunityTypeCreated,
    StateDefinition,
    StatePortalInfoSaved,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.values import Cause
from portalflow_eventing import statements, store
from portalflow_eventing.migrations import migrate
from portalflow_portal.adapters import live
from portalflow_portal.adapters.projection import HANDLERS, tell_watchers
from portalflow_portal.application import actions, portal
from portalflow_portal.config import MIGRATIONS
from portalflow_portal.domain import field_state
from portalflow_portal.domain.errors import ActionNotAllowedError, NotFoundError

DOC = {"document_id": str(uuid4()), "sha256": "b" * 64, "file_name": "contrato.pdf",
       "content_type": "application/pdf", "size": 10}
SIGNED = {**DOC, "document_id": str(uuid4()), "file_name": "firmado.pdf"}


@pytest.fixture
async def pool(database):
    pool = await asyncpg.create_pool(database, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        await migrate(conn, *MIGRATIONS)
    yield pool
    await pool.close()


async def project(conn, envelope: Envelope) -> None:
    """What the read-model consumer does with one event, in the caller's transaction."""
    await statements.apply(conn, HANDLERS[envelope.type], envelope)
    await tell_watchers(conn, [envelope])


class Portal:
    """A read model fed event by event, read back through the customer's token."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool, self.org_id = pool, f"org-{uuid4().hex[:8]}"
        self.opportunity_id, self.token = str(uuid4()), uuid4().hex

    def envelope(self, event, causation_id: str | None = None) -> Envelope:
        return Envelope.wrap(event, source="test", subject=self.opportunity_id,
                             org_id=self.org_id, correlation_id=str(uuid4()),
                             causation_id=causation_id)

    async def apply(self, *events, causation_id: str | None = None) -> None:
        for event in events:
            envelope = self.envelope(event, causation_id)
            async with self.pool.acquire() as conn, conn.transaction():
                await project(conn, envelope)

    async def customer_writes(self, field_id: str, value) -> str:
        """What the customer's field action does: outbox event and pending write, together."""
        envelope = self.envelope(customer.CustomerSetFieldValue(
            opportunity_id=self.opportunity_id, field_id=field_id, value=value))
        async with self.pool.acquire() as conn, conn.transaction():
            await store.append(conn, self.opportunity_id, [envelope], expected_version=None)
            position = await conn.fetchval("SELECT position FROM events WHERE event_id = $1",
                                           envelope.id)
            state = await conn.fetchval("SELECT fields -> $2 FROM portal_opportunities"
                                        " WHERE opportunity_id = $1 FOR UPDATE",
                                        self.opportunity_id, field_id)
            await conn.execute(
                "UPDATE portal_opportunities SET fields = jsonb_set(fields, ARRAY[$2], $3)"
                " WHERE opportunity_id = $1", self.opportunity_id, field_id,
                json.dumps(field_state.customer_wrote(state and json.loads(state), value,
                                                      position)))
        return envelope.id

    async def view(self, *locales: str) -> dict:
        views = portal.Views(self.pool, "es")
        return (await views.read(self.token, self.opportunity_id, locales)).view

    async def panel(self) -> dict:
        return (await self.view())["current"]["panel"]

    async def field(self, key: str) -> dict:
        return next(f for f in (await self.panel())["fields"] if f["key"] == key)


@pytest.fixture
async def opened(pool) -> Portal:
    """An opportunity on the documentation step, which binds two fields and a condition."""
    p = Portal(pool)
    await p.apply(
        catalog.PortalSettingsSaved(locales=("es", "it"), default_locale="it",
                                    reactivation_enabled=True),
        catalog.DynamicFieldDefined(field_id="f-dni", key="dni", label={"es": "DNI"},
                                    field_type="text"),
        catalog.DynamicFieldDefined(field_id="f-bill", key="bill", label={"es": "Factura"},
                                    field_type="file"),
        catalog.ConditionPublished(condition_id="c-privacy", version=1,
                                   title={"es": "Privacidad"}, text={"es": "v1"}),
        OpportunityTypeCreated(opportunity_type_id=f"t-{p.org_id}", name="Solar", states=(
            StateDefinition(state_id="s", name="S", substates=(
                SubstateDefinition(substate_id="docs", name="Docs"),
                SubstateDefinition(substate_id="sign", name="Sign"),
                SubstateDefinition(substate_id="roof", name="Roof"))),)),
        StatePortalInfoSaved(opportunity_type_id=f"t-{p.org_id}", state_id="s",
                             public_name={"es": "Proyecto", "it": "Progetto"}),
        SubstatePortalConfigSaved(
            opportunity_type_id=f"t-{p.org_id}", substate_id="docs",
            public_name={"es": "Documentos"}, panel="initial-documentation",
            fields=(FieldBinding(field="f-dni", required=True),
                    FieldBinding(field="f-bill", read_only=True)), conditions=("c-privacy",)),
        *[SubstatePortalConfigSaved(opportunity_type_id=f"t-{p.org_id}", substate_id=sid,
                                    public_name={"es": sid}, panel=panel)
          for sid, panel in [("sign", "contract-signing"), ("roof", "drawing")]],
        opp.OpportunityOpened(opportunity_id=p.opportunity_id, title="Casa",
                              opportunity_type_id=f"t-{p.org_id}", substate_id="docs"),
        opp.PortalAccessGranted(opportunity_id=p.opportunity_id,
                                token_sha256=hashlib.sha256(p.token.encode()).hexdigest()))
    return p


async def test_the_catalog_and_values_are_projected_into_the_panel(opened):
    await opened.apply(
        catalog.DynamicFieldUpdated(field_id="f-dni", label={"es": "DNI/NIE", "it": "Codice"}),
        opp.FieldValueSet(opportunity_id=opened.opportunity_id, field_id="f-bill", value=DOC))
    view = await opened.view()
    assert view["locale"] == "it"  # nobody asked for a locale: the org's default
    assert view["current"]["public_name"] == "Documentos"  # no Italian text: any text it has
    fields = view["current"]["panel"]["fields"]
    assert [(f["label"], f["required"], f["read_only"]) for f in fields] == [
        ("Codice", True, False), ("Factura", False, True)]
    assert fields[1]["value"] == DOC and fields[1]["download_url"].endswith(DOC["document_id"])

    await opened.apply(catalog.DynamicFieldRetired(field_id="f-dni"))
    assert (await opened.field("dni"))["read_only"] is True


async def test_conditions_are_asked_for_again_when_revised(opened):
    async def asked() -> list:
        return [(c["condition_id"], c["version"], c["text"])
                for c in (await opened.view())["current"]["conditions"]]

    assert await asked() == [("c-privacy", 1, "v1")]
    await opened.apply(opp.ConditionAccepted(opportunity_id=opened.opportunity_id,
                                             condition_id="c-privacy", version=1))
    assert await asked() == []
    await opened.apply(catalog.ConditionRevised(condition_id="c-privacy", version=2,
                                                title={"es": "Privacidad"}, text={"es": "v2"}))
    assert await asked() == [("c-privacy", 2, "v2")]
    await opened.apply(catalog.ConditionRetired(condition_id="c-privacy"))
    assert await asked() == []


async def test_an_older_echo_never_hides_the_customers_newer_write(opened):
    first = await opened.customer_writes("f-dni", "first")
    second = await opened.customer_writes("f-dni", "second")
    echo = opp.FieldValueSet(opportunity_id=opened.opportunity_id, field_id="f-dni",
                             value="first")
    await opened.apply(echo, causation_id=first)
    assert (await opened.field("dni"))["value"] == "second"
    await opened.apply(echo.model_copy(update={"value": "second"}), causation_id=second)
    assert (await opened.field("dni"))["value"] == "second"
    # now nothing is on its way: a back-office change shows at once
    await opened.apply(echo.model_copy(update={"value": "office"}), causation_id=str(uuid4()))
    assert (await opened.field("dni"))["value"] == "office"


async def test_a_refused_customer_write_falls_back_to_the_recorded_value(opened):
    await opened.apply(opp.FieldValueSet(opportunity_id=opened.opportunity_id,
                                         field_id="f-dni", value="recorded"))
    refused = await opened.customer_writes("f-dni", "refused")
    assert (await opened.field("dni"))["value"] == "refused"
    await opened.apply(opp.CustomerActionRejected(
        opportunity_id=opened.opportunity_id, customer_event_id=refused,
        customer_event_type=customer.CustomerSetFieldValue.type, reason="not on this step"))
    assert (await opened.field("dni"))["value"] == "recorded"


async def test_contracts_signed_copies_and_drawings_are_projected(opened):
    move = lambda to, frm: opp.SubstateChanged(  # noqa: E731
        opportunity_id=opened.opportunity_id, from_substate_id=frm, to_substate_id=to,
        cause=Cause(kind="operator"))
    contract_id = str(uuid4())
    await opened.apply(move("sign", "docs"), opp.ContractIssued(
        opportunity_id=opened.opportunity_id, contract_id=contract_id, title="Contrato",
        document=DOC))
    [contract] = (await opened.panel())["contracts"]
    assert (contract["title"], contract["signed_document"]) == ("Contrato", None)
    await opened.apply(opp.SignedContractReceived(
        opportunity_id=opened.opportunity_id, contract_id=contract_id, document=SIGNED))
    [contract] = (await opened.panel())["contracts"]
    assert contract["document"]["document_id"] == DOC["document_id"]
    assert contract["signed_document"]["download_url"].endswith(SIGNED["document_id"])

    roof = {"type": "FeatureCollection", "features": []}
    await opened.apply(move("roof", "sign"), opp.DrawingSubmitted(
        opportunity_id=opened.opportunity_id, roof=roof, roof_area_m2=31.5))
    assert (await opened.panel())["drawing"] == {"roof": roof, "roof_area_m2": 31.5}


async def test_revoked_access_hides_the_opportunity(opened):
    await opened.apply(opp.PortalAccessRevoked(opportunity_id=opened.opportunity_id))
    with pytest.raises(NotFoundError):
        await opened.view()


async def woken(subscription: live.Subscription, within: float = 5.0) -> bool:
    try:
        await asyncio.wait_for(subscription.changed(), within)
        return True
    except TimeoutError:
        return False


@pytest.fixture
async def hub(database):
    async with live.listening(database) as hub:
        await asyncio.wait_for(hub.listening.wait(), 10)
        yield hub


async def test_subscribers_are_woken_by_their_opportunitys_changes_once_committed(
        pool, opened, hub):
    other = Portal(pool)
    with hub.subscribe(opened.opportunity_id) as mine, \
            hub.subscribe(other.opportunity_id) as theirs:
        async with pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            envelope = opened.envelope(opp.InstallerAssigned(
                opportunity_id=opened.opportunity_id, installer={"name": "Luis"}))
            await project(conn, envelope)
            assert not await woken(mine, within=0.3)  # nothing is told before the commit
            await transaction.commit()
        assert await woken(mine)
        assert not await woken(theirs, within=0.3)
    assert hub.subscribers == 0


async def test_catalog_changes_wake_every_subscriber_of_the_org_only(pool, opened, hub):
    stranger = Portal(pool)
    with hub.subscribe(opened.opportunity_id, live.org_key(opened.org_id)) as mine, \
            hub.subscribe(stranger.opportunity_id, live.org_key(stranger.org_id)) as theirs:
        await opened.apply(catalog.ConditionRevised(condition_id="c-privacy", version=2,
                                                    title={"es": "P"}, text={"es": "v2"}))
        assert await woken(mine)
        assert not await woken(theirs, within=0.3)


async def test_a_lost_listener_connection_comes_back_and_wakes_everyone(pool, opened, hub):
    hub.reconnect_seconds = 0.05
    with hub.subscribe(opened.opportunity_id) as mine:
        killed = await pool.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query ILIKE 'LISTEN%'")
        assert killed == 1
        assert await woken(mine)  # anything might have changed while nobody listened
        await asyncio.wait_for(hub.listening.wait(), 10)
        await opened.apply(opp.InstallerAssigned(opportunity_id=opened.opportunity_id,
                                                 installer={"name": "Ana"}))
        assert await woken(mine)


async def test_a_view_is_built_again_when_and_only_when_what_it_shows_changed(opened):
    views = portal.Views(opened.pool, "es")
    read = lambda *locales: views.read(opened.token, opened.opportunity_id, locales)  # noqa: E731
    first = await read("es")
    assert await read("es") is first  # the row is unchanged: the view built before
    assert (await read("it")).view["locale"] == "it"  # other locales, another view
    await opened.apply(catalog.DynamicFieldUpdated(field_id="f-dni", label={"es": "NIE"}))
    relabelled = await read("es")  # an org-level change to a field the step binds
    assert relabelled.etag != first.etag
    assert [f["label"] for f in relabelled.view["current"]["panel"]["fields"]][0] == "NIE"
    await opened.apply(opp.SubstateChanged(
        opportunity_id=opened.opportunity_id, from_substate_id="docs", to_substate_id="sign",
        cause=Cause(kind="operator")))
    assert (await read("es")).view["current"]["substate_id"] == "sign"
    await opened.apply(opp.PortalAccessRevoked(opportunity_id=opened.opportunity_id))
    with pytest.raises(NotFoundError):
        await read("es")


async def test_an_acceptance_shows_at_once_and_a_refused_one_opens_the_offers_again(opened):
    await opened.apply(
        SubstatePortalConfigSaved(opportunity_type_id=f"t-{opened.org_id}", substate_id="sign",
                                  public_name={"es": "Oferta"}, panel="offer"),
        *[opp.OfferIssued(opportunity_id=opened.opportunity_id, offer_id=offer, title=offer,
                          amount="9000", currency="EUR") for offer in ("a", "b")],
        opp.SubstateChanged(opportunity_id=opened.opportunity_id, from_substate_id="docs",
                            to_substate_id="sign", cause=Cause(kind="operator")))

    async def statuses() -> dict[str, str]:
        return {o["offer_id"]: o["status"] for o in (await opened.panel())["offers"]}

    homeowner = actions.Customer(opened.pool, opened.token, opened.opportunity_id, "c")
    answer = await actions.accept_offer(homeowner, "a")
    assert await statuses() == {"a": "accepted", "b": "rejected"}
    with pytest.raises(ActionNotAllowedError, match="offer b is rejected"):
        await actions.accept_offer(homeowner, "b")

    await opened.apply(opp.CustomerActionRejected(
        opportunity_id=opened.opportunity_id, customer_event_id=answer["customer_event_id"],
        customer_event_type=customer.CustomerAcceptedOffer.type, reason="moved on"))
    assert await statuses() == {"a": "open", "b": "open"}
    row = await opened.pool.fetchval("SELECT offers FROM portal_opportunities"
                                     " WHERE opportunity_id = $1", opened.opportunity_id)
    assert all("pending" not in offer for offer in json.loads(row).values())
